//! Several instances of the sample on one Redis: the figures of BENCHMARKS.md section 4, and
//! the long form of the multi-instance test (`tests/instances.rs`).
//!
//! ```sh
//! cargo bench -p axum-sample --bench instances                  # everything below
//! cargo bench -p axum-sample --bench instances -- refresh       # added latency per refresh
//! cargo bench -p axum-sample --bench instances -- throughput    # requests/s, 1 and 3 instances
//! cargo bench -p axum-sample --bench instances -- scenario --duration 60 --outage kill --outage-secs 10
//! ```
//!
//! - `refresh`: N sequential refreshes of one session (public client: each rotates the refresh
//!   token) in this process against the test identity server, alternately with the in-process
//!   coordinator and with the Redis coordinator; the difference is what coordinating through
//!   Redis adds to a refresh. Redis round trips per refresh counted with `INFO commandstats`.
//! - `throughput`: signed-in users hitting a page in a closed loop (no pause) through the
//!   round-robin proxy, kept-alive connections, 1 and then 3 instances; Redis round trips per
//!   request counted the same way.
//! - `scenario`: the multi-instance test at full length: 50 users, bursts of 4, 4-second access
//!   tokens, a Redis outage (`kill`: SIGKILL and a restart with its append-only file, or
//!   `pause`: SIGSTOP/SIGCONT) and an instance killed right after it published a refresh.

use logto::coordination::{Coordinator, LocalCoordinator};
use logto::{LogtoClient, LogtoConfig, MemoryStorage, PersistKey, Storage};
use logto_axum::redis::RedisCoordinator;
use logto_test_idp::instances::{
    AppCommand, Expectations, Fleet, FleetOptions, KillMidRefresh, Launch, OutageKind, PageCheck,
    RedisOutage, Report, Scenario,
};
use logto_test_idp::redis::RedisServer;
use logto_test_idp::{IdpOptions, TestIdp, clients, resources};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    parts: Vec<String>,
    duration: Duration,
    outage: OutageKind,
    outage_length: Duration,
    refreshes: usize,
}

fn args() -> Args {
    let mut args = Args {
        parts: Vec::new(),
        duration: Duration::from_secs(60),
        outage: OutageKind::Kill,
        outage_length: Duration::from_secs(10),
        refreshes: 300,
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = |name: &str| given.next().unwrap_or_else(|| panic!("{name} needs a value"));
        match arg.as_str() {
            // `cargo bench` passes `--bench`.
            "--bench" => {}
            "--duration" => {
                args.duration = Duration::from_secs(value("--duration").parse().expect("seconds"))
            }
            "--outage-secs" => {
                args.outage_length = Duration::from_secs(value("--outage-secs").parse().expect("seconds"))
            }
            "--refreshes" => args.refreshes = value("--refreshes").parse().expect("a count"),
            "--outage" => {
                args.outage = match value("--outage").as_str() {
                    "kill" => OutageKind::Kill,
                    "pause" => OutageKind::Pause,
                    other => panic!("--outage kill|pause, not {other}"),
                }
            }
            "refresh" | "throughput" | "scenario" => args.parts.push(arg),
            other => panic!("unknown argument {other}"),
        }
    }
    if args.parts.is_empty() {
        args.parts = vec!["refresh".into(), "throughput".into(), "scenario".into()];
    }
    args
}

fn main() {
    let args = args();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        for part in &args.parts {
            match part.as_str() {
                "refresh" => refresh_latency(args.refreshes).await,
                "throughput" => throughput().await,
                _ => scenario(&args).await,
            }
        }
    });
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * (sorted.len().max(1) - 1) as f64).round() as usize;
    sorted.get(rank).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

/// The app's Redis round trips in `INFO commandstats`: every command but the bench's own and
/// the `GET`/`DEL` the lease-release script (`EVAL`) runs inside Redis.
fn app_calls(calls: &std::collections::BTreeMap<String, u64>) -> u64 {
    let count = |name: &str| calls.get(name).copied().unwrap_or(0);
    let all: u64 = calls
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "info" | "config|resetstat" | "ping" | "client|id"))
        .map(|(_, n)| n)
        .sum();
    all - count("eval") - count("del")
}

/// Added latency per refresh: the same refreshes with the in-process and the Redis coordinator.
async fn refresh_latency(refreshes: usize) {
    let idp = TestIdp::start_with(IdpOptions {
        refresh_token_reuse_interval: Some(Duration::ZERO),
        ..Default::default()
    })
    .await;
    let redis = RedisServer::start().await;
    let config = LogtoConfig::new(idp.endpoint(), clients::PUBLIC_ID)
        .with_scopes(["read:data"])
        .with_resources([resources::API]);
    let local: Arc<dyn Coordinator> = Arc::new(LocalCoordinator::new());
    let shared: Arc<dyn Coordinator> =
        Arc::new(RedisCoordinator::connect(&redis.url()).await.expect("redis"));
    let clients: Vec<(&str, LogtoClient)> = [("in-process", local), ("Redis", shared)]
        .into_iter()
        .map(|(name, coordinator)| {
            (name, LogtoClient::builder(config.clone()).coordinator(coordinator).build().expect("client"))
        })
        .collect();
    // One session per coordinator, each refreshed `refreshes` times, alternating.
    let mut sessions = Vec::new();
    for (_, client) in &clients {
        let storage = Arc::new(MemoryStorage::new());
        let session = client.with_storage(storage.clone());
        let url = session.sign_in("http://127.0.0.1:1/callback").await.expect("sign-in URL");
        session.handle_sign_in_callback(&idp.login(&url).await).await.expect("signed in");
        session.get_access_token(resources::API).await.expect("warm-up refresh");
        sessions.push((storage, session));
    }
    let mut took: Vec<Vec<Duration>> = vec![Vec::new(), Vec::new()];
    let mut redis_calls = 0;
    for _ in 0..refreshes {
        for (which, (storage, session)) in sessions.iter().enumerate() {
            storage.delete(PersistKey::AccessTokenMap).await.expect("memory");
            let before = if which == 1 { app_calls(&redis.command_calls().await) } else { 0 };
            let started = Instant::now();
            session.get_access_token(resources::API).await.expect("refresh");
            took[which].push(started.elapsed());
            if which == 1 {
                // Minus the INFO of this count itself.
                redis_calls += app_calls(&redis.command_calls().await) - before;
            }
        }
    }
    let stats = idp.token_requests().await;
    println!("\n## refresh latency ({refreshes} refreshes each, alternating, release build)");
    println!("| coordinator | p50 | p99 | mean |");
    println!("|---|---:|---:|---:|");
    let mut p = Vec::new();
    for (which, (name, _)) in clients.iter().enumerate() {
        let mut sorted = took[which].clone();
        sorted.sort_unstable();
        let mean = sorted.iter().sum::<Duration>() / sorted.len().max(1) as u32;
        let (p50, p99) = (percentile(&sorted, 50.0), percentile(&sorted, 99.0));
        println!("| {name} | {} | {} | {} |", ms(p50), ms(p99), ms(mean));
        p.push((p50, p99, mean));
    }
    let diff = |a: Duration, b: Duration| b.as_secs_f64() * 1000.0 - a.as_secs_f64() * 1000.0;
    println!(
        "| added by Redis | {:+.2} ms | {:+.2} ms | {:+.2} ms |",
        diff(p[0].0, p[1].0),
        diff(p[0].1, p[1].1),
        diff(p[0].2, p[1].2)
    );
    println!(
        "Redis round trips per refresh: {:.2}; token requests: {} ok, {} refused",
        redis_calls as f64 / refreshes as f64,
        stats.refresh_ok(),
        stats.total - stats.refresh_ok() - stats.grant_type(logto_test_idp::grant_types::AUTHORIZATION_CODE)
    );
}

fn sample(launch: &Launch<'_>) -> AppCommand {
    AppCommand::new(env!("CARGO_BIN_EXE_axum-sample"))
        .env("LOGTO_ENDPOINT", launch.idp.endpoint())
        .env("LOGTO_APP_ID", clients::PUBLIC_ID)
        .env("LOGTO_APP_SECRET", "")
        .env("APP_BASE_URL", launch.base_url)
        .env("API_URL", format!("http://127.0.0.1:{}/api/data", launch.port))
        .env("REDIS_URL", launch.redis_url)
        .env("COOKIE_SECURE", "false")
        .env("RUST_LOG", "error")
}

fn readable_error(body: &str) -> bool {
    body.contains("class=\"card error-page\"") && body.contains("Try again")
}

fn api_page() -> PageCheck {
    PageCheck {
        path: "/protected/api".to_owned(),
        served: |body| {
            body.split_once("id=\"with-token\"")
                .and_then(|(_, rest)| rest.split_once("</section>"))
                .is_some_and(|(section, _)| section.contains("200 OK"))
        },
        readable_error,
        sign_in_path: "/sign-in".to_owned(),
    }
}

fn id_token_page() -> PageCheck {
    PageCheck {
        path: "/protected".to_owned(),
        served: |body| body.contains("id=\"claims\"") && body.contains(logto_test_idp::demo_user::SUB),
        readable_error,
        sign_in_path: "/sign-in".to_owned(),
    }
}

/// Requests per second of signed-in pages, through the proxy, with 1 and 3 instances.
async fn throughput() {
    println!("\n## throughput (32 signed-in users, closed loop, kept-alive connections, 15 s per row)");
    println!("| page | instances | requests/s | p50 | p99 | Redis round trips per request |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (page, name) in [
        (id_token_page(), "/protected (ID token claims)"),
        (api_page(), "/protected/api (access token, API call)"),
    ] {
        for instances in [1, 3] {
            let options = FleetOptions {
                instances,
                idp: IdpOptions::default(),
                persistent_redis: false,
                redis_taps: false,
            };
            let mut fleet = Fleet::start(options, sample).await;
            let load = Scenario {
                users: 32,
                burst: 1,
                duration: Duration::from_secs(15),
                think: (Duration::ZERO, Duration::ZERO),
                request_timeout: Duration::from_secs(30),
                fresh_connections: false,
                page: page.clone(),
                redis_outage: None,
                kill_mid_refresh: None,
            };
            let report = load.run(&mut fleet).await;
            let (p50, p99, _) = report.served_latency();
            let problems = report.problems(&Expectations { refreshes: false, ..expectations() });
            let problems = if problems.is_empty() {
                String::new()
            } else {
                format!(" problems: {}", problems.join("; "))
            };
            println!(
                "| {name} | {instances} | {:.0} | {} | {} | {:.2} |{problems}",
                report.served() as f64 / report.elapsed.as_secs_f64(),
                ms(p50),
                ms(p99),
                report.redis_calls_per_request(),
            );
        }
    }
}

fn expectations() -> Expectations {
    Expectations {
        max_request_time: Duration::from_secs(6),
        recovery: Duration::from_secs(3),
        lease_ttl: logto::coordination::RefreshPolicy::default().lease_ttl,
        refreshes: true,
    }
}

/// The multi-instance test at full length, with its figures.
async fn scenario(args: &Args) {
    let options = FleetOptions {
        instances: 3,
        idp: IdpOptions {
            access_token_ttl: Some(4),
            refresh_token_reuse_interval: Some(Duration::ZERO),
            ..Default::default()
        },
        persistent_redis: args.outage == OutageKind::Kill,
        redis_taps: true,
    };
    let mut fleet = Fleet::start(options, sample).await;
    let third = args.duration / 3;
    let scenario = Scenario {
        users: 50,
        burst: 4,
        duration: args.duration,
        think: (Duration::from_millis(200), Duration::from_millis(600)),
        request_timeout: Duration::from_secs(30),
        fresh_connections: true,
        page: api_page(),
        kill_mid_refresh: Some(KillMidRefresh {
            at: third / 2,
            instance: 1,
            down_for: Duration::from_secs(2),
        }),
        redis_outage: Some(RedisOutage {
            at: third + third / 2,
            length: args.outage_length,
            kind: args.outage,
        }),
    };
    let report: Report = scenario.run(&mut fleet).await;
    println!(
        "\n## scenario ({:?} of load, Redis {:?} for {:?})\n{}",
        args.duration,
        args.outage,
        args.outage_length,
        report.summary()
    );
    let problems = report.problems(&expectations());
    if problems.is_empty() {
        println!(
            "no problems: every request served or failed fast and readable during the outage, nobody signed out, no grant burnt, one token request per rotation"
        );
    } else {
        println!("PROBLEMS:\n{}\n{}", problems.join("\n"), fleet.logs());
        std::process::exit(1);
    }
}
