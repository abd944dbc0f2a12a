//! Sign-in through the system browser with a loopback redirect (RFC 8252 §7.3): the tool
//! listens on `127.0.0.1` on a free port for the one callback of the sign-in.

use crate::client::{LogtoClient, SignInOptions};
use crate::error::{LogtoError, Result};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a loopback sign-in runs.
///
/// ```
/// use std::time::Duration;
/// let options = logto::native::LoopbackOptions::default().timeout(Duration::from_secs(120)).port(53682);
/// assert_eq!(options.timeout, Duration::from_secs(120));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoopbackOptions {
    /// How long to wait for the user (5 minutes).
    pub timeout: Duration,
    /// The port (0: a free one, as RFC 8252 wants; a fixed one when the app's redirect URI in
    /// Logto names one).
    pub port: u16,
    /// The callback's path (`/callback`).
    pub path: String,
}

impl Default for LoopbackOptions {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(300), port: 0, path: "/callback".into() }
    }
}

impl LoopbackOptions {
    /// Sets how long to wait for the user.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
}

/// The page the browser shows when the callback arrives.
const DONE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Signed in</title></head>\
    <body style=\"font-family:system-ui,sans-serif;text-align:center;margin-top:15vh\">\
    <h1>You are signed in</h1><p>You can close this tab and go back to the terminal.</p></body></html>";
const FAILED: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in failed</title></head>\
    <body style=\"font-family:system-ui,sans-serif;text-align:center;margin-top:15vh\">\
    <h1>The sign-in did not complete</h1><p>Go back to the terminal to see why.</p></body></html>";

impl LogtoClient {
    /// Signs the user in through their browser: listens on `127.0.0.1` (a free port unless
    /// `options` names one), builds the sign-in URL for `http://127.0.0.1:<port>/callback` (PKCE
    /// S256, `state`, the configured scopes, resources and `sign_in` options), hands it to
    /// `open` (for example [`open_browser`](super::open_browser), printing the URL when it
    /// returns `false`), answers the one callback with a page saying the user can close the tab,
    /// and completes the sign-in as [`handle_sign_in_callback`](Self::handle_sign_in_callback)
    /// does (`state`, `iss`, the code once, the ID token verified). Other requests to the port
    /// get a 404; the wait ends after `options.timeout` with [`LogtoError::Timeout`].
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// use logto::native::{LoopbackOptions, open_browser};
    /// client
    ///     .sign_in_with_loopback(LoopbackOptions::default(), |url| {
    ///         if !open_browser(url) {
    ///             println!("Open this link to sign in: {url}");
    ///         }
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn sign_in_with_loopback(
        &self,
        options: LoopbackOptions,
        open: impl FnOnce(&str),
    ) -> Result<()> {
        let listener = TcpListener::bind(("127.0.0.1", options.port)).await.map_err(|e| {
            LogtoError::InvalidConfig(format!("cannot listen on 127.0.0.1:{}: {e}", options.port))
        })?;
        let port = listener.local_addr().map_err(|e| LogtoError::Internal(e.to_string()))?.port();
        let path =
            if options.path.starts_with('/') { options.path.clone() } else { format!("/{}", options.path) };
        let redirect_uri = format!("http://127.0.0.1:{port}{path}");
        let url = self.sign_in(SignInOptions::new(&redirect_uri)).await?;
        open(&url);
        let waited = tokio::time::timeout(options.timeout, async {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                if let Some(target) = serve(stream, &path).await {
                    return target;
                }
            }
        })
        .await;
        let (target, mut stream) =
            waited.map_err(|_| LogtoError::Timeout { endpoint: redirect_uri.clone() })?;
        let outcome = self.handle_sign_in_callback(&format!("http://127.0.0.1:{port}{target}")).await;
        let page = if outcome.is_ok() { DONE } else { FAILED };
        let _ = respond(&mut stream, "200 OK", page).await;
        outcome
    }
}

/// Reads one request; the callback's request target and its connection (answered once the
/// sign-in completes), or `None` after answering anything else with a 404.
async fn serve(mut stream: TcpStream, path: &str) -> Option<(String, TcpStream)> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    let request_line = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_owned();
    let mut words = request_line.split(' ');
    let (method, target) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
    let target_path = target.split('?').next().unwrap_or_default();
    if read.is_ok() && method == "GET" && target_path == path {
        return Some((target.to_owned(), stream));
    }
    let _ = respond(&mut stream, "404 Not Found", "").await;
    None
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(answer.as_bytes()).await?;
    stream.shutdown().await
}
