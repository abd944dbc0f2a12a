//! The sample CLI run as a user runs it, one process per command, against the kit's in-process
//! Logto: device-flow sign-in approved by a second actor, whoami, a protected call, loopback
//! sign-in with the test as the browser, two `token` invocations at once after expiry making
//! one refresh request, and logout revoking the refresh token.

mod common;

use common::{Cli, ok, read_until};
use logto_testing::{App, MockLogto, Settings, User};
use std::time::{Duration, Instant};

const API: &str = "https://api.example.com";

fn kit(settings: Settings) -> MockLogto {
    let logto = MockLogto::start_with(settings).unwrap();
    logto.add_app(App::native("cli"));
    logto.add_user(User::new("u_alice").username("alice").api_scopes(API, ["read:data"]));
    logto
}

#[test]
fn device_sign_in_whoami_call_and_logout() {
    let logto = kit(Settings::default());
    let cli = Cli::new(logto.endpoint(), "cli", API, "device");
    assert!(!cli.run(&["whoami"]).status.success(), "not signed in yet");

    let mut login = cli.spawn(&["login", "--device"]);
    let user_code = read_until(login.stdout.take().unwrap(), |line| Some(line.trim().to_owned()));
    assert_eq!(user_code.len(), 9, "{user_code}");
    // A second actor (the user, on their phone) approves while the CLI polls.
    let started = Instant::now();
    while logto.count_token_requests("urn:ietf:params:oauth:grant-type:device_code", None) == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "the CLI never polled");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(logto.approve_device(&user_code, "u_alice"));
    assert!(login.wait().unwrap().success());

    assert_eq!(ok(&cli.run(&["whoami"])), "u_alice");
    let info = ok(&cli.run(&["call", &format!("{}/oidc/me", logto.endpoint())]));
    assert!(info.contains("\"sub\":\"u_alice\""), "a protected call with the bearer token: {info}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(cli.tokens_file()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the tokens are the user's only");
    }
    let refresh_token: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cli.tokens_file()).unwrap()).unwrap();
    let refresh_token = refresh_token["refreshToken"].as_str().unwrap().to_owned();
    ok(&cli.run(&["logout"]));
    assert!(!logto.is_refresh_token_active(&refresh_token), "logout revoked the refresh token");
    assert!(!cli.run(&["whoami"]).status.success());
}

#[test]
fn loopback_sign_in_with_the_test_as_the_browser() {
    let logto = kit(Settings::default());
    let cli = Cli::new(logto.endpoint(), "cli", API, "loopback");
    let mut login = cli.spawn(&["login"]);
    let url =
        read_until(login.stderr.take().unwrap(), |line| line.starts_with("http").then(|| line.to_owned()));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let callback = runtime.block_on(logto.callback_for(&url)).unwrap();
    assert!(callback.starts_with("http://127.0.0.1:"), "{callback}");
    let page = runtime.block_on(async { reqwest::get(&callback).await.unwrap().text().await.unwrap() });
    assert!(page.contains("You can close this tab"), "{page}");
    assert!(login.wait().unwrap().success());
    assert_eq!(ok(&cli.run(&["whoami"])), "u_alice");
}

#[test]
fn two_token_invocations_after_expiry_make_one_refresh_request() {
    // Logto's reuse grace off: a second use of the rotated refresh token would revoke the grant.
    let logto = kit(Settings {
        access_token_ttl: Duration::from_secs(1),
        refresh_token_reuse_interval: Duration::ZERO,
        ..Settings::default()
    });
    let cli = Cli::new(logto.endpoint(), "cli", API, "refresh");
    let mut login = cli.spawn(&["login", "--device"]);
    let user_code = read_until(login.stdout.take().unwrap(), |line| Some(line.trim().to_owned()));
    logto.approve_device(&user_code, "u_alice");
    assert!(login.wait().unwrap().success());

    std::thread::sleep(Duration::from_millis(1100)); // the access tokens expire
    logto.reset_token_requests();
    let (first, second) =
        (cli.spawn(&["token", "--resource", API]), cli.spawn(&["token", "--resource", API]));
    let (first, second) = (first.wait_with_output().unwrap(), second.wait_with_output().unwrap());
    assert_eq!(ok(&first), ok(&second), "both invocations print the one refreshed token");
    assert_eq!(logto.count_token_requests("refresh_token", None), 1, "one refresh request for both");
    assert_eq!(logto.count_token_requests("refresh_token", Some("invalid_grant")), 0);
    assert_eq!(ok(&cli.run(&["whoami"])), "u_alice", "still signed in");
}
