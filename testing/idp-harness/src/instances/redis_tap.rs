//! [`RedisTap`]: a proxy between one app instance and Redis that can stop the instance at an
//! exact point of a refresh: right after it sent the refresh's published outcome, before it
//! hears back, so before it can release the lease or write the session. Killing the instance
//! then is "dying after the token request, before the write", every time, with no hook in the
//! app or the SDK.
//!
//! The tap reads the commands the app sends (RESP, [`crate::resp::split_command`]). Once armed
//! ([`RedisTap::freeze_after_next_publication`]), the first `SET` of a key containing
//! `logto:refresh:outcome:` is passed on to Redis, and from then on, until [`RedisTap::thaw`],
//! no answer reaches the instance and none of its commands reaches Redis except further
//! publications: the instance's other refreshes in flight (token requests already sent) reach
//! the same point, after their publication and before anything else, instead of dying before
//! it (a rotation nobody received is lost whatever the SDK does; that is not what the test is
//! about). Nothing else it sends is ever run: no lease taken, released or session written.

use crate::resp::split_command;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The key part that names a published refresh outcome; what follows is the SHA-256 (hex) of
/// the refresh token that was presented.
pub const OUTCOME_KEY_PART: &str = "logto:refresh:outcome:";

/// Where the tap stopped an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frozen {
    /// The key of the publication that went through last.
    pub key: String,
    /// When.
    pub at: Instant,
}

impl Frozen {
    /// The SHA-256 (hex) of the refresh token whose refresh was published: the same hash the
    /// test identity server reports for the presented token.
    pub fn presented_refresh_token_sha256(&self) -> &str {
        self.key.rsplit(':').next().unwrap_or_default()
    }
}

#[derive(Debug)]
struct Shared {
    upstream: SocketAddr,
    armed: AtomicBool,
    frozen: watch::Sender<Option<Frozen>>,
    generation: watch::Sender<u64>,
    commands: AtomicU64,
}

impl Shared {
    fn is_frozen(&self) -> bool {
        self.frozen.borrow().is_some()
    }
}

/// A tap on 127.0.0.1 in front of the Redis server at `upstream`; stops on drop.
#[derive(Debug)]
pub struct RedisTap {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl RedisTap {
    /// Listens on a free port; every connection is passed on to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the Redis tap");
        let addr = listener.local_addr().expect("tap address");
        let shared = Arc::new(Shared {
            upstream,
            armed: AtomicBool::new(false),
            frozen: watch::channel(None).0,
            generation: watch::channel(0).0,
            commands: AtomicU64::new(0),
        });
        let accepting = shared.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { continue };
                tokio::spawn(connection(client, accepting.clone()));
            }
        });
        Self { addr, shared, accept }
    }

    /// `redis://127.0.0.1:<port>`: give it to the app instead of the server's URL.
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    /// Commands passed on so far.
    pub fn commands(&self) -> u64 {
        self.shared.commands.load(Ordering::Relaxed)
    }

    /// Stops everything right after the next refresh outcome the instance publishes.
    pub fn freeze_after_next_publication(&self) {
        self.shared.armed.store(true, Ordering::SeqCst);
    }

    /// Waits (at most `max`) until the tap froze the instance.
    pub async fn frozen(&self, max: Duration) -> Option<Frozen> {
        let mut frozen = self.shared.frozen.subscribe();
        let waited = tokio::time::timeout(max, frozen.wait_for(Option::is_some)).await;
        waited.ok().and_then(|frozen| frozen.ok().and_then(|f| f.clone()))
    }

    /// Drops every connection it holds (frozen or not) and passes new ones on again.
    pub fn thaw(&self) {
        self.shared.armed.store(false, Ordering::SeqCst);
        self.shared.generation.send_modify(|generation| *generation += 1);
        self.shared.frozen.send_replace(None);
    }
}

impl Drop for RedisTap {
    fn drop(&mut self) {
        self.accept.abort();
        self.shared.generation.send_modify(|generation| *generation += 1);
    }
}

async fn connection(client: TcpStream, shared: Arc<Shared>) {
    let Ok(Ok(server)) =
        tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(shared.upstream)).await
    else {
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let mut generation = shared.generation.subscribe();
    let born = *generation.borrow_and_update();
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let cut = async { generation.wait_for(|now| *now != born).await.map(drop) };
    tokio::select! {
        _ = commands(client_read, server_write, &shared) => {}
        _ = replies(server_read, client_write, &shared) => {}
        _ = cut => {}
    }
}

/// App to Redis, command by command, stopping after an armed publication.
async fn commands(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, shared: &Shared) {
    let mut buffer = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut parsing = true;
    loop {
        let read = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        buffer.extend_from_slice(&chunk[..read]);
        if !parsing {
            if shared.is_frozen() || to.write_all(&buffer).await.is_err() {
                return std::future::pending().await;
            }
            buffer.clear();
            continue;
        }
        loop {
            let (args, used) = match split_command(&buffer) {
                Ok(Some(command)) => command,
                Ok(None) => break,
                Err(_) => {
                    // Not the protocol this understands: pass everything on, look no more.
                    parsing = false;
                    if to.write_all(&buffer).await.is_err() {
                        return;
                    }
                    buffer.clear();
                    break;
                }
            };
            let publication = args.len() >= 2
                && args[0].eq_ignore_ascii_case(b"SET")
                && String::from_utf8_lossy(&args[1]).contains(OUTCOME_KEY_PART);
            if publication && shared.armed.swap(false, Ordering::SeqCst) {
                let key = String::from_utf8_lossy(&args[1]).into_owned();
                // Frozen before the command goes out, so its reply is never passed back.
                shared.frozen.send_replace(Some(Frozen { key, at: Instant::now() }));
            }
            let pass = publication || !shared.is_frozen();
            if pass {
                if to.write_all(&buffer[..used]).await.is_err() {
                    return;
                }
                shared.commands.fetch_add(1, Ordering::Relaxed);
            }
            buffer.drain(..used);
        }
    }
}

/// Redis to app, held back once frozen.
async fn replies(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, shared: &Shared) {
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let read = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if shared.is_frozen() {
            return std::future::pending().await;
        }
        if to.write_all(&chunk[..read]).await.is_err() {
            return;
        }
    }
}
