//! The sample CLI's tokens in an OS keyring, run as a user runs it against the kit's Logto:
//!
//! - a real Secret Service (GNOME Keyring on a private D-Bus session, as a Linux desktop has
//!   it) holds the refresh token, the file the rest; two `token` invocations after expiry
//!   make one refresh request; a keyring that stops answering is an error, and the session is
//!   there again once it is back; logout revokes and forgets;
//! - a machine without a keyring (no session bus, as on CI machines and servers): the file.

mod common;

use common::{Cli, ok, read_until};
use logto_testing::{App, MockLogto, Settings, User};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const API: &str = "https://api.example.com";

fn kit(app_id: &str) -> MockLogto {
    let logto = MockLogto::start_with(Settings {
        // Long enough that the second of two invocations started together (each connects to
        // D-Bus first) still finds the first one's refreshed token fresh on a loaded machine.
        access_token_ttl: Duration::from_secs(5),
        refresh_token_reuse_interval: Duration::ZERO,
        ..Settings::default()
    })
    .unwrap();
    logto.add_app(App::native(app_id));
    logto.add_user(User::new("u_alice").username("alice").api_scopes(API, ["read:data"]));
    logto
}

fn device_login(logto: &MockLogto, cli: &Cli) {
    let mut login = cli.spawn(&["login", "--device"]);
    let user_code = read_until(login.stdout.take().unwrap(), |line| Some(line.trim().to_owned()));
    assert!(logto.approve_device(&user_code, "u_alice"));
    let output = login.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// `whoami`'s line saying where the tokens are.
fn kept_in(cli: &Cli) -> String {
    let output = cli.run(&["whoami"]);
    ok(&output);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    stderr.lines().find(|line| line.starts_with("tokens kept in")).unwrap_or_default().to_owned()
}

fn file_has_refresh_token(cli: &Cli) -> bool {
    std::fs::read_to_string(cli.tokens_file()).unwrap().contains("\"refreshToken\"")
}

/// A private D-Bus session bus with GNOME Keyring's Secret Service on it, unlocked, its
/// keyring files in `dir`: what a Linux desktop session offers.
struct SecretService {
    dir: PathBuf,
    bus: Child,
    keyring: Option<Child>,
    address: String,
}

impl SecretService {
    fn start(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("logto-secret-service-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).unwrap();
        let address = format!("unix:path={}", dir.join("bus").display());
        // A session bus of its own with no service directories: nothing is started on demand
        // (the system's GNOME Keyring would be, with another home), so a stopped keyring stays
        // stopped.
        let config = dir.join("bus.conf");
        std::fs::write(
            &config,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>session</type><listen>{address}</listen>\
                 <auth>EXTERNAL</auth>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy>\
                 </busconfig>\n"
            ),
        )
        .unwrap();
        let bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .arg("--nofork")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `dbus-daemon` ({e}): apt-get install -y dbus-daemon"));
        let mut service = Self { dir, bus, keyring: None, address };
        service.start_keyring();
        service
    }

    fn start_keyring(&mut self) {
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--components=secrets", "--unlock"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOME", self.dir.join("home"))
            .env("XDG_RUNTIME_DIR", &self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `gnome-keyring-daemon` ({e}): apt-get install -y gnome-keyring")
            });
        // The keyring's password, then end of input: it unlocks (or creates) the login keyring.
        std::io::Write::write_all(&mut keyring.stdin.take().unwrap(), b"test-password").unwrap();
        self.keyring = Some(keyring);
        let started = Instant::now();
        while !self.has_secrets() {
            assert!(started.elapsed() < Duration::from_secs(10), "the Secret Service did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn has_secrets(&self) -> bool {
        Command::new("dbus-send")
            .args([
                &format!("--bus={}", self.address),
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .output()
            .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).contains("boolean true"))
    }

    fn stop_keyring(&mut self) {
        if let Some(mut keyring) = self.keyring.take() {
            let _ = keyring.kill();
            let _ = keyring.wait();
        }
    }

    /// The CLI on this session bus, choosing its token store itself.
    fn cli(&self, logto: &MockLogto, app_id: &str, name: &str) -> Cli {
        Cli::new(logto.endpoint(), app_id, API, name)
            .with_env("LOGTO_TOKEN_STORE", "auto")
            .with_env("DBUS_SESSION_BUS_ADDRESS", &self.address)
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        self.stop_keyring();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn the_secret_service_keeps_the_refresh_token_and_two_invocations_refresh_once() {
    let logto = kit("cli");
    let mut secrets = SecretService::start("refresh");
    let cli = secrets.cli(&logto, "cli", "secret-service");
    device_login(&logto, &cli);
    assert!(kept_in(&cli).contains("the Secret Service keyring (the refresh token)"), "{}", kept_in(&cli));
    assert!(!file_has_refresh_token(&cli), "the refresh token is in the keyring, not the file");

    std::thread::sleep(Duration::from_millis(5100)); // the access tokens expire
    logto.reset_token_requests();
    let (first, second) =
        (cli.spawn(&["token", "--resource", API]), cli.spawn(&["token", "--resource", API]));
    let (first, second) = (first.wait_with_output().unwrap(), second.wait_with_output().unwrap());
    assert_eq!(ok(&first), ok(&second), "both invocations print the one refreshed token");
    assert_eq!(logto.count_token_requests("refresh_token", None), 1, "one refresh request for both");
    assert_eq!(logto.count_token_requests("refresh_token", Some("invalid_grant")), 0);

    // The keyring stops answering: an error that says so, not a signed-out user.
    secrets.stop_keyring();
    std::thread::sleep(Duration::from_millis(5100));
    let output = cli.run(&["token", "--resource", API]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("Secret Service"), "{stderr}");
    assert!(!stderr.contains("logto-cli login"), "not told to sign in again: {stderr}");
    // Back (its files kept, unlocked again): the session goes on with the rotated token.
    secrets.start_keyring();
    ok(&cli.run(&["token", "--resource", API]));
    assert_eq!(logto.count_token_requests("refresh_token", Some("invalid_grant")), 0);

    assert_eq!(logto.active_refresh_tokens("u_alice"), 1);
    ok(&cli.run(&["logout"]));
    assert_eq!(logto.active_refresh_tokens("u_alice"), 0, "logout revoked the refresh token");
    assert!(!cli.run(&["whoami"]).status.success());
    // Nothing left behind: a new sign-in starts from an empty keyring entry.
    device_login(&logto, &cli);
    assert_eq!(logto.active_refresh_tokens("u_alice"), 1);
}

#[test]
fn neither_the_file_store_nor_a_keyring_gone_for_good_strands_the_user() {
    let logto = kit("cli");
    let mut secrets = SecretService::start("stranded");
    let cli = secrets.cli(&logto, "cli", "stranded");
    device_login(&logto, &cli);
    // The same tool switched to the file: the refresh token is not there, and it says where.
    std::thread::sleep(Duration::from_millis(5100)); // the cached tokens expire
    let output = cli.run_with(&["token", "--resource", API], &[("LOGTO_TOKEN_STORE", "file")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("the refresh token is in the Secret Service keyring"),
        "{stderr}"
    );
    // The keyring gone for good: a sign-out still works, and the session is over for good too.
    secrets.stop_keyring();
    ok(&cli.run(&["logout"]));
    assert!(!cli.run(&["whoami"]).status.success());
    secrets.start_keyring();
    assert!(!cli.run(&["whoami"]).status.success(), "the entry left in the keyring is not read again");
    let output = cli.run(&["token", "--resource", API]);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("logto-cli login"),
        "signed out, told to sign in"
    );
    device_login(&logto, &cli);
    assert_eq!(ok(&cli.run(&["whoami"])), "u_alice");
}

#[test]
fn a_machine_without_a_keyring_keeps_the_tokens_in_the_file() {
    let logto = kit("cli");
    let no_bus = std::env::temp_dir().join(format!("logto-no-bus-{}", std::process::id()));
    let cli = Cli::new(logto.endpoint(), "cli", API, "no-keyring")
        .with_env("LOGTO_TOKEN_STORE", "auto")
        .with_env("DBUS_SESSION_BUS_ADDRESS", &format!("unix:path={}", no_bus.display()));
    device_login(&logto, &cli);
    assert!(kept_in(&cli).starts_with("tokens kept in the file "), "{}", kept_in(&cli));
    assert!(file_has_refresh_token(&cli));
    // Asking for the keyring where there is none is an error, not a silent file.
    let strict = Cli::new(logto.endpoint(), "cli", API, "no-keyring-strict")
        .with_env("LOGTO_TOKEN_STORE", "keyring")
        .with_env("DBUS_SESSION_BUS_ADDRESS", &format!("unix:path={}", no_bus.display()));
    let output = strict.run(&["whoami"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no OS keyring"));
}
