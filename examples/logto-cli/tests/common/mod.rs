//! Running the sample CLI as a user runs it, one process per command, with its own private
//! configuration directory, its tokens in the file unless a test chooses another store, and a
//! "browser" that opens nothing (the test plays the browser from the printed URL).

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

pub struct Cli {
    home: PathBuf,
    endpoint: String,
    app_id: String,
    resource: String,
    env: Vec<(String, String)>,
}

impl Cli {
    pub fn new(endpoint: &str, app_id: &str, resource: &str, name: &str) -> Self {
        let home = std::env::temp_dir().join(format!("logto-cli-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        Self {
            home,
            endpoint: endpoint.to_owned(),
            app_id: app_id.to_owned(),
            resource: resource.to_owned(),
            env: vec![("LOGTO_TOKEN_STORE".to_owned(), "file".to_owned())],
        }
    }

    /// Runs every command with `name` set to `value` (after the defaults, so it wins).
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The private home directory the CLI runs with.
    pub fn home(&self) -> &std::path::Path {
        &self.home
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_logto-cli"));
        command
            .args(args)
            .env("LOGTO_ENDPOINT", &self.endpoint)
            .env("LOGTO_APP_ID", &self.app_id)
            .env("LOGTO_RESOURCES", &self.resource)
            .env("LOGTO_SCOPES", "read:data")
            .env("XDG_CONFIG_HOME", &self.home)
            .env("HOME", &self.home)
            .env("BROWSER", "true")
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the CLI runs")
    }

    /// [`run`](Self::run) with some settings changed for this run only.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(args).envs(env.iter().copied()).output().expect("the CLI runs")
    }

    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().expect("the CLI starts")
    }

    /// Where the CLI keeps its user's tokens.
    pub fn tokens_file(&self) -> PathBuf {
        self.home.join("logto-cli").join(format!("logto-{}.json", self.app_id))
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// A successful run's stdout, trimmed (its output in the failure message otherwise).
pub fn ok(output: &Output) -> String {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim().to_owned();
    assert!(output.status.success(), "{}\n{}", text(&output.stdout), text(&output.stderr));
    text(&output.stdout)
}

/// Reads lines of `from` until one satisfies `find`; the rest is drained in the background
/// (a closed pipe would fail the CLI's next line).
pub fn read_until(
    from: impl std::io::Read + Send + 'static,
    find: impl Fn(&str) -> Option<String>,
) -> String {
    let mut lines = BufReader::new(from).lines();
    for line in lines.by_ref() {
        if let Some(found) = find(&line.expect("output")) {
            std::thread::spawn(move || lines.for_each(drop));
            return found;
        }
    }
    panic!("the CLI ended without printing what the test waits for")
}
