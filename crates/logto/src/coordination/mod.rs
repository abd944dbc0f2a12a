//! Refresh coordination: one token request per refresh token, across every client that shares a
//! [`Coordinator`]: in one process ([`LocalCoordinator`], the default) or across app instances
//! (a shared store: the `logto-redis` crate implements [`Coordinator`] on Redis).
//!
//! Logto rotates refresh tokens and revokes the whole grant when a consumed one is presented
//! again after a 3-second grace. So before a refresh the SDK takes a short lease named after the
//! refresh token; whoever holds it makes the token request and **publishes** the outcome (the
//! rotated refresh token and the new access token, encrypted with a key derived from the old
//! refresh token, so the store alone reveals no live token) before anything else. Everyone else
//! waiting on that refresh token, in this process or another, takes the published outcome
//! instead of refreshing again; a failure is shared for a few seconds too, and a refused grant
//! is remembered so the dead token is not sent again. The trait is a small key-value and lease
//! interface; every protocol decision stays in this crate.

mod local;
pub(crate) mod publication;

pub use local::{Clock, LocalCoordinator, SystemClock};

use crate::error::CoordinationError;
use async_trait::async_trait;
use std::fmt;
use std::time::Duration;

/// The proof of holding a lease: a random token only the holder knows.
#[derive(Clone, PartialEq, Eq)]
pub struct LeaseToken(String);

impl LeaseToken {
    /// A new random lease token.
    pub fn generate() -> Self {
        Self(crate::oidc::generate_state())
    }

    /// The token's text (stored as the lease's value).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LeaseToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LeaseToken(..)")
    }
}

/// A store the refresh coordination runs on: short leases and short-lived published values.
///
/// Implementations must be safe to share between tasks (and, for a store such as Redis,
/// between processes), bound every operation in time, and report failures as
/// [`CoordinationError`]s rather than hang. Keys are opaque ASCII strings.
///
/// ```
/// use logto::coordination::{Coordinator, LocalCoordinator, LeaseToken};
/// use std::time::Duration;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let store = LocalCoordinator::new();
/// let token = LeaseToken::generate();
/// assert!(store.try_lease("k", &token, Duration::from_secs(5)).await?);
/// assert!(!store.try_lease("k", &LeaseToken::generate(), Duration::from_secs(5)).await?, "held");
/// store.publish("v", b"value", Duration::from_secs(5)).await?;
/// assert_eq!(store.published("v").await?.as_deref(), Some(&b"value"[..]));
/// store.release("k", &token).await?;
/// # Ok::<_, logto::CoordinationError>(()) }).unwrap();
/// ```
#[async_trait]
pub trait Coordinator: Send + Sync + fmt::Debug {
    /// Takes the lease `key` with `token` for `ttl` if nobody holds it (`SET key token NX PX`).
    /// Returns whether `token` holds it: asked again with the token that holds it (a command
    /// resent after its answer was lost), the answer is still `true`.
    async fn try_lease(
        &self,
        key: &str,
        token: &LeaseToken,
        ttl: Duration,
    ) -> Result<bool, CoordinationError>;

    /// Releases the lease `key` if `token` still holds it (compare-and-delete).
    async fn release(&self, key: &str, token: &LeaseToken) -> Result<(), CoordinationError>;

    /// Publishes `value` under `key` for `ttl`, replacing any earlier value.
    async fn publish(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CoordinationError>;

    /// The value published under `key`, while it lives.
    async fn published(&self, key: &str) -> Result<Option<Vec<u8>>, CoordinationError>;

    /// Waits (at most `max`) for a change that may concern `key`: a lease released or a value
    /// published. The default sleeps a little; a store with notifications may wake earlier.
    async fn wait_for_change(&self, key: &str, max: Duration) {
        let _ = key;
        tokio::time::sleep(max.min(Duration::from_millis(25))).await;
    }
}

/// How refreshes are coordinated: lease lifetime and wait, and how long outcomes are kept.
///
/// ```
/// use std::time::Duration;
/// let policy = logto::coordination::RefreshPolicy::default().rotation_window(Duration::from_secs(10));
/// assert_eq!(policy.rotation_window, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshPolicy {
    /// How long a lease lives unless released: longer than a token request may take. The client
    /// builder raises it to the HTTP timeout plus 5 s (the store's commands and the publication).
    pub lease_ttl: Duration,
    /// How long a request waits for another's refresh before giving up with
    /// [`LogtoError::Coordination`](crate::LogtoError::Coordination); raised like `lease_ttl`.
    pub lease_wait: Duration,
    /// How long a rotation is remembered (published), so a request that still holds the old
    /// refresh token continues from the new one instead of presenting a consumed token. Short:
    /// a copy of a session older than this reaches the identity server, whose reuse detection
    /// then does its job.
    pub rotation_window: Duration,
    /// How long a failed refresh (the identity server down or refusing) is shared with the
    /// requests that wait for it, instead of each trying again.
    pub failure_window: Duration,
    /// How long a refused refresh token (`invalid_grant`) is remembered as dead.
    pub dead_window: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            lease_ttl: Duration::from_secs(15),
            lease_wait: Duration::from_secs(15),
            rotation_window: Duration::from_secs(20),
            failure_window: Duration::from_secs(3),
            dead_window: Duration::from_secs(300),
        }
    }
}

impl RefreshPolicy {
    /// Sets how long a rotation is remembered.
    pub fn rotation_window(mut self, window: Duration) -> Self {
        self.rotation_window = window;
        self
    }

    /// Sets how long a request waits for another's refresh.
    pub fn lease_wait(mut self, wait: Duration) -> Self {
        self.lease_wait = wait;
        self
    }

    /// Sets how long a lease lives unless released.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// Sets how long a failure is shared.
    pub fn failure_window(mut self, window: Duration) -> Self {
        self.failure_window = window;
        self
    }
}

/// The coordinator key `logto:<space>:<hex>` of a value of one app: per app (apps sharing one store
/// keep apart), the value hashed (no session id, user id or code in the store's key space).
pub(crate) fn hashed_key(space: &str, app_id: &str, value: &str) -> String {
    use std::fmt::Write;
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, format!("{app_id}|{value}").as_bytes());
    let mut key = format!("logto:{space}:");
    for byte in hash.as_ref() {
        let _ = write!(key, "{byte:02x}");
    }
    key
}

/// `now + duration`, a day at most when the sum would overflow (a policy of `Duration::MAX` means
/// "as long as it takes", not a panic).
pub(crate) fn later(now: std::time::Instant, duration: Duration) -> std::time::Instant {
    now.checked_add(duration).unwrap_or_else(|| now + Duration::from_secs(24 * 3600))
}
