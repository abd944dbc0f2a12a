//! The sample CLI run as a user runs it, one process per command, against the kit's in-process
//! Logto: device-flow sign-in approved by a second actor, whoami, a protected call, loopback
//! sign-in with the test as the browser, two `token` invocations at once after expiry making
//! one refresh request, and logout revoking the refresh token.

use logto_testing::{App, MockLogto, Settings, User};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const API: &str = "https://api.example.com";

struct Cli {
    home: PathBuf,
    endpoint: String,
}

impl Cli {
    fn new(logto: &MockLogto, name: &str) -> Self {
        let home = std::env::temp_dir().join(format!("logto-cli-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        Self { home, endpoint: logto.endpoint().to_owned() }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_logto-cli"));
        command
            .args(args)
            .env("LOGTO_ENDPOINT", &self.endpoint)
            .env("LOGTO_APP_ID", "cli")
            .env("LOGTO_RESOURCES", API)
            .env("LOGTO_SCOPES", "read:data")
            .env("XDG_CONFIG_HOME", &self.home)
            .env("HOME", &self.home)
            // A "browser" that opens nothing: the test plays the browser from the printed URL.
            .env("BROWSER", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the CLI runs")
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().expect("the CLI starts")
    }

    fn tokens_file(&self) -> PathBuf {
        self.home.join("logto-cli").join("logto-cli.json")
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

fn ok(output: &Output) -> String {
    assert!(output.status.success(), "{}\n{}", text(&output.stdout), text(&output.stderr));
    text(&output.stdout)
}

fn kit(settings: Settings) -> MockLogto {
    let logto = MockLogto::start_with(settings).unwrap();
    logto.add_app(App::native("cli"));
    logto.add_user(User::new("u_alice").username("alice").api_scopes(API, ["read:data"]));
    logto
}

/// Reads lines of `from` until one satisfies `find`; the rest is drained in the background
/// (a closed pipe would fail the CLI's next line).
fn read_until(from: impl std::io::Read + Send + 'static, find: impl Fn(&str) -> Option<String>) -> String {
    let mut lines = BufReader::new(from).lines();
    for line in lines.by_ref() {
        let line = line.expect("output");
        if let Some(found) = find(&line) {
            std::thread::spawn(move || lines.for_each(drop));
            return found;
        }
    }
    panic!("the CLI ended without printing what the test waits for")
}

#[test]
fn device_sign_in_whoami_call_and_logout() {
    let logto = kit(Settings::default());
    let cli = Cli::new(&logto, "device");
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
    let cli = Cli::new(&logto, "loopback");
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
    let cli = Cli::new(&logto, "refresh");
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
