//! [`RedisServer`]: a throwaway `redis-server` for tests (Debian package `redis-server`), with
//! persistence off, that can be stopped and started again on the same port to test outages.

use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// A `redis-server` on 127.0.0.1; killed on drop. Never skipped: without `redis-server` the test
/// fails and says how to install it.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it accepts connections.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("addr")
            .port();
        let mut server = Self { child: None, port };
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

    /// Kills the server (its data is lost, as in a restart without persistence).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
            let _ = child.wait().await;
        }
    }

    /// Starts the server again on the same port (after [`stop`](Self::stop)).
    pub async fn restart(&mut self) {
        self.stop().await;
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
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
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "redis-server did not listen on port {}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}
