//! Benchmark: a page of 100 users (an organization's members) fetched and decoded, against the
//! test kit's in-process Logto, with `logto-management` and with the usual recipe (reqwest and
//! `serde_json::Value`, the same bearer token). Run with
//! `cargo run --release -p logto-management --example page_of_users`; BENCHMARKS.md has the numbers.

use logto_management::ManagementClient;
use logto_management::generated::ListOrganizationUsersQuery;
use logto_testing::{App, MockLogto, User};
use std::time::{Duration, Instant};

const ROUNDS: usize = 300;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let logto = MockLogto::start()?;
    logto.add_app(App::machine_to_machine("bench", "bench-secret").management_api_access());
    for n in 0..100 {
        logto.add_user(
            User::new(&format!("u{n:03}"))
                .username(&format!("user{n}"))
                .name(&format!("User {n}"))
                .email(&format!("user{n}@example.com"))
                .custom_data(serde_json::json!({ "plan": "pro", "seats": n }))
                .organization("org_bench", ["member"], ["read:org"]),
        );
    }
    let client = ManagementClient::new(logto.endpoint(), "bench", "bench-secret")?;
    let query = ListOrganizationUsersQuery { page_size: Some(100), ..Default::default() };

    let mut typed = Vec::new();
    for round in 0..ROUNDS + 20 {
        let started = Instant::now();
        let page = client.organizations().list_organization_users("org_bench", &query).await?;
        assert_eq!(page.items.len(), 100);
        if round >= 20 {
            typed.push(started.elapsed());
        }
    }

    // The usual recipe: the same token, reqwest, untyped JSON.
    let token = logto::MachineClient::new(
        logto::LogtoConfig::new(logto.endpoint(), "bench").with_app_secret("bench-secret"),
    )?
    .get_token_with_scopes("https://default.logto.app/api", ["all"])
    .await?;
    let http = reqwest::Client::new();
    let url = format!("{}/api/organizations/org_bench/users?page_size=100", logto.endpoint());
    let mut untyped = Vec::new();
    for round in 0..ROUNDS + 20 {
        let started = Instant::now();
        let body = http.get(&url).bearer_auth(token.secret()).send().await?.bytes().await?;
        let users: serde_json::Value = serde_json::from_slice(&body)?;
        assert_eq!(users.as_array().map(Vec::len), Some(100));
        if round >= 20 {
            untyped.push(started.elapsed());
        }
    }
    println!("page of 100 users, median of {ROUNDS}:");
    println!(
        "  logto-management (typed, Page with Total-Number): {:.3} ms",
        median(typed).as_secs_f64() * 1e3
    );
    println!(
        "  reqwest + serde_json::Value (untyped):            {:.3} ms",
        median(untyped).as_secs_f64() * 1e3
    );
    Ok(())
}
