//! [`RoundRobinProxy`]: a load balancer in front of the app instances. Each TCP connection goes
//! to the next instance in turn; an instance that refuses the connection (it is down) is
//! skipped, and when none accepts the client gets a `502`. With clients that open a new
//! connection per request, consecutive requests of one user reach different instances.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const BAD_GATEWAY: &[u8] =
    b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 23\r\nconnection: close\r\n\r\nno app instance answers";

/// A per-connection round-robin TCP proxy on 127.0.0.1; stops on drop.
#[derive(Debug)]
pub struct RoundRobinProxy {
    addr: SocketAddr,
    connections: Arc<Vec<AtomicU64>>,
    accept: JoinHandle<()>,
}

impl RoundRobinProxy {
    /// Listens on a free port and spreads connections over `backends`.
    pub async fn start(backends: Vec<SocketAddr>) -> Self {
        assert!(!backends.is_empty(), "a proxy needs at least one backend");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let connections: Arc<Vec<AtomicU64>> = Arc::new(backends.iter().map(|_| AtomicU64::new(0)).collect());
        let backends = Arc::new(backends);
        let next = Arc::new(AtomicUsize::new(0));
        let counts = connections.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { continue };
                let (backends, next, counts) = (backends.clone(), next.clone(), counts.clone());
                tokio::spawn(async move {
                    let first = next.fetch_add(1, Ordering::Relaxed);
                    serve(client, &backends, first, &counts).await;
                });
            }
        });
        Self { addr, connections, accept }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections each backend took so far.
    pub fn connections(&self) -> Vec<u64> {
        self.connections.iter().map(|count| count.load(Ordering::Relaxed)).collect()
    }
}

impl Drop for RoundRobinProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn serve(mut client: TcpStream, backends: &[SocketAddr], first: usize, counts: &[AtomicU64]) {
    let _ = client.set_nodelay(true);
    for attempt in 0..backends.len() {
        let index = (first + attempt) % backends.len();
        let connect = tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(backends[index])).await;
        if let Ok(Ok(mut backend)) = connect {
            let _ = backend.set_nodelay(true);
            counts[index].fetch_add(1, Ordering::Relaxed);
            let _ = tokio::io::copy_bidirectional(&mut client, &mut backend).await;
            return;
        }
    }
    let _ = client.write_all(BAD_GATEWAY).await;
    let _ = client.shutdown().await;
}
