//! [`RedisServer`]: a throwaway `redis-server` for tests (Debian package `redis-server`) that
//! can be stopped and started again on the same port, or paused, to test outages; persistence
//! off unless asked for.

use crate::resp::{self, Reply};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// A `redis-server` on 127.0.0.1; killed on drop. Never skipped: without `redis-server` the test
/// fails and says how to install it.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    /// Where the append-only file lives, for a server whose data survives a restart.
    data_dir: Option<PathBuf>,
}

/// A free TCP port on 127.0.0.1 (free when asked: bind it soon).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port()
}

impl RedisServer {
    /// Starts a server on a free port and waits until it accepts connections. Its data is lost
    /// when it stops.
    pub async fn start() -> Self {
        let mut server = Self { child: None, port: free_port(), data_dir: None };
        server.restart().await;
        server
    }

    /// Like [`start`](Self::start), with every write appended to a file before it is answered
    /// (`appendonly yes`), so a [`stop`](Self::stop) and [`restart`](Self::restart) keep the
    /// data, as a production Redis with persistence would. The file is written but never
    /// synced (`appendfsync no`): a killed process loses nothing the kernel already has, and a
    /// slow disk's `fsync` would otherwise stall the whole server for seconds.
    pub async fn start_persistent() -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("logto-test-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory for the append-only file");
        let mut server = Self { child: None, port, data_dir: Some(dir) };
        server.restart().await;
        server
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (`SIGKILL`). Its data is lost unless it was
    /// [`start_persistent`](Self::start_persistent)ed.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
            let _ = child.wait().await;
        }
    }

    /// Pauses the server (`SIGSTOP`): connections stay open but nothing is answered, like a
    /// server that hangs or a network that drops every packet.
    pub fn pause(&self) {
        self.signal(Signal::SIGSTOP);
    }

    /// Resumes a [`pause`](Self::pause)d server (`SIGCONT`): it then runs what it was sent.
    pub fn resume(&self) {
        self.signal(Signal::SIGCONT);
    }

    fn signal(&self, signal: Signal) {
        let pid = self.child.as_ref().and_then(Child::id).expect("redis-server is running");
        let pid = Pid::from_raw(i32::try_from(pid).expect("a pid"));
        kill(pid, signal).unwrap_or_else(|e| panic!("cannot send {signal} to redis-server: {e}"));
    }

    /// Sends one command over a new connection and returns the reply.
    pub async fn command(&self, args: &[&str]) -> Result<Reply, String> {
        let args: Vec<&[u8]> = args.iter().map(|arg| arg.as_bytes()).collect();
        resp::command(self.port, &args).await
    }

    /// How many times each command ran since the start or `CONFIG RESETSTAT` (`INFO
    /// commandstats`), by lowercase command name (`get`, `set`, `evalsha`, ...).
    pub async fn command_calls(&self) -> BTreeMap<String, u64> {
        let info = self.command(&["INFO", "commandstats"]).await.expect("INFO commandstats");
        let text = info.text().expect("INFO answers text");
        text.lines()
            .filter_map(|line| {
                let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = stats.split(',').find_map(|field| field.strip_prefix("calls="))?;
                Some((name.to_owned(), calls.parse().ok()?))
            })
            .collect()
    }

    /// Starts the server again on the same port (after [`stop`](Self::stop)).
    pub async fn restart(&mut self) {
        self.stop().await;
        let port = self.port.to_string();
        let mut args = vec!["--port", &port, "--bind", "127.0.0.1", "--save", ""];
        let dir = self.data_dir.as_ref().map(|dir| dir.to_string_lossy().into_owned());
        match &dir {
            Some(dir) => args.extend(["--appendonly", "yes", "--appendfsync", "no", "--dir", dir]),
            None => args.extend(["--appendonly", "no"]),
        }
        let child = Command::new("redis-server")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start `redis-server` ({e}). The Redis tests need a real Redis: install it with \
                     `apt-get install -y redis-server`"
                )
            });
        self.child = Some(child);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        // Listening is not enough: a server loading its append-only file answers `-LOADING`.
        while !matches!(self.command(&["PING"]).await, Ok(Reply::Simple(pong)) if pong == "PONG") {
            assert!(
                tokio::time::Instant::now() < deadline,
                "redis-server did not answer on port {}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            // SIGKILL ends a paused server too.
            let _ = child.start_kill();
        }
        if let Some(dir) = &self.data_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
