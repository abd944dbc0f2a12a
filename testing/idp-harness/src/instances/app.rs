//! [`AppInstance`]: one app process on a port of its own, that can be killed (`SIGKILL`) and
//! started again on the same port; the last lines of its log are kept for failure messages.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How to start an app: a program, its arguments, environment and working directory. The
/// instance adds `HOST=127.0.0.1` and `PORT=<its port>`.
#[derive(Debug, Clone, Default)]
pub struct AppCommand {
    /// The program (for a Rust app, `env!("CARGO_BIN_EXE_<name>")`).
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Environment variables on top of the test's own.
    pub env: Vec<(String, String)>,
    /// The working directory (the test's when `None`).
    pub current_dir: Option<PathBuf>,
}

impl AppCommand {
    /// `program` without arguments.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self { program: program.into(), ..Default::default() }
    }

    /// Adds an environment variable.
    pub fn env(mut self, name: &str, value: impl Into<String>) -> Self {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    /// Adds arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets the working directory.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.current_dir = Some(dir.into());
        self
    }
}

const LOG_LINES: usize = 5000;
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running app process on 127.0.0.1:`port`; killed on drop.
#[derive(Debug)]
pub struct AppInstance {
    name: String,
    command: AppCommand,
    port: u16,
    child: Option<Child>,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl AppInstance {
    /// Starts `command` on `port` and waits until it answers HTTP at `/`.
    pub async fn start(name: impl Into<String>, command: AppCommand, port: u16) -> Self {
        let mut instance = Self {
            name: name.into(),
            command,
            port,
            child: None,
            log: Arc::new(Mutex::new(VecDeque::new())),
        };
        instance.restart().await;
        instance
    }

    /// Its name (`app-0`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Whether the process is running.
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The last lines it wrote to stdout and stderr.
    pub fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        log.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Kills the process at once (`SIGKILL`: no shutdown, no final write, like a crash).
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
            let _ = child.wait().await;
        }
    }

    /// (Re)starts the process on the same port and waits until it answers HTTP.
    pub async fn restart(&mut self) {
        self.kill().await;
        let command = &self.command;
        let mut process = Command::new(&command.program);
        process
            .args(&command.args)
            .envs(command.env.iter().map(|(k, v)| (k, v)))
            .env("HOST", "127.0.0.1")
            .env("PORT", self.port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = &command.current_dir {
            process.current_dir(dir);
        }
        let mut child = process
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({}): {e}", self.name, command.program.display()));
        for stream in [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
        ]
        .into_iter()
        .flatten()
        {
            let log = self.log.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut log = log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    if log.len() == LOG_LINES {
                        log.pop_front();
                    }
                    log.push_back(line);
                }
            });
        }
        self.child = Some(child);
        self.wait_until_ready().await;
    }

    async fn wait_until_ready(&mut self) {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(2))
            .build()
            .expect("reqwest client");
        let url = format!("http://{}/", self.addr());
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        loop {
            if http.get(&url).send().await.is_ok() {
                return;
            }
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("{} exited ({status}) before answering:\n{}", self.name, self.log_tail());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} did not answer at {url} within {START_TIMEOUT:?}:\n{}",
                self.name,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
