//! [`RedisCoordinator`]: leases and refresh outcomes in Redis.

use crate::options::{RedisOptions, pool};
use async_trait::async_trait;
use fred::prelude::{Client, Expiration, KeysInterface, LuaInterface, Pool};
use logto::CoordinationError;
use logto::coordination::{Coordinator, LeaseToken};
use std::fmt;
use std::time::{Duration, Instant};

/// Deletes the lease only if it still holds this token.
const RELEASE: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// Takes the lease for this token (`SET NX PX`), or finds that this token holds it already: a
/// command resent after its answer was lost (the connection dropped) ran twice, and the second
/// run must not report the lease as someone else's. Answers 1 when the token holds the lease.
const TAKE: &str = "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end \
                    if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end return 0";

/// The refresh coordination of app instances that share a Redis server.
///
/// Every command is bounded by the pool's command timeout; while Redis is unreachable each call
/// fails with a [`CoordinationError`] (the request answers 503 rather than refresh without the
/// lease) and the pool reconnects in the background.
///
/// A command that timed out may still run when Redis answers again (a hung server keeps what
/// it was sent). A lease taken that way is held by no one and would block the session's
/// refreshes until it expires, so when taking or releasing a lease fails, the release is tried
/// again in the background, on the same connection (after the lost command), until Redis
/// answers. The release only deletes the lease if it still holds this request's token.
///
/// Every command about one lease goes over one of the pool's connections, chosen by the lease's
/// key: Redis runs the commands of one connection in the order they were sent, so a release
/// (sent at once by a caller cancelled while its lease was being taken) cannot overtake the
/// take and leave the lease held by no one.
#[derive(Clone)]
pub struct RedisCoordinator {
    pool: Pool,
    prefix: String,
}

impl fmt::Debug for RedisCoordinator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCoordinator").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn failed(error: fred::error::Error) -> CoordinationError {
    CoordinationError::new(format!("redis: {error}"))
}

fn millis(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1)
}

impl RedisCoordinator {
    /// Connects to the Redis server at `url` with [`RedisOptions::default`].
    pub async fn connect(url: &str) -> Result<Self, fred::error::Error> {
        Self::connect_with(url, RedisOptions::default()).await
    }

    /// Connects to the Redis server at `url` with `options`.
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<Self, fred::error::Error> {
        Ok(Self::from_pool(pool(url, &options).await?, options.key_prefix))
    }

    /// A coordinator over a pool the app already has (keys are written under `prefix`).
    pub fn from_pool(pool: Pool, prefix: impl Into<String>) -> Self {
        Self { pool, prefix: prefix.into() }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The pooled client that carries every command about the lease `key`: always the same one
    /// for one key (in this process), so those commands run in the order they were sent.
    fn client_of(&self, key: &str) -> &Client {
        use std::hash::{Hash, Hasher};
        let clients = self.pool.clients();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        let index = usize::try_from(hasher.finish() % clients.len() as u64).unwrap_or(0);
        &clients[index]
    }
}

/// How long a lost lease is chased: longer than any lease lives (after that it has expired).
const CHASE_LOST_LEASE: Duration = Duration::from_secs(120);

async fn release_on(client: &Client, key: &str, token: &str) -> Result<i64, fred::error::Error> {
    client.eval(RELEASE, vec![key.to_owned()], vec![token.to_owned()]).await
}

/// Releases in the background a lease whose command failed: when Redis answers again, on the
/// connection that carried the command, so the release runs after it. Released twice, a second
/// apart, in case the connection was replaced meanwhile and the lost command ran late.
fn release_when_back(client: Client, key: String, token: LeaseToken) {
    tokio::spawn(async move {
        let started = Instant::now();
        let mut delay = Duration::from_millis(50);
        while started.elapsed() < CHASE_LOST_LEASE {
            tokio::time::sleep(delay).await;
            if release_on(&client, &key, token.as_str()).await.is_ok() {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let _ = release_on(&client, &key, token.as_str()).await;
                tracing::debug!("released a lease whose command had failed");
                return;
            }
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    });
}

#[async_trait]
impl Coordinator for RedisCoordinator {
    async fn try_lease(
        &self,
        key: &str,
        token: &LeaseToken,
        ttl: Duration,
    ) -> Result<bool, CoordinationError> {
        let key = self.key(key);
        let client = self.client_of(&key);
        let taken: Result<i64, _> = client
            .eval(TAKE, vec![key.clone()], vec![token.as_str().to_owned(), millis(ttl).to_string()])
            .await;
        match taken {
            Ok(taken) => Ok(taken == 1),
            Err(error) => {
                // The lease may be taken all the same, once Redis runs the command.
                release_when_back(client.clone(), key, token.clone());
                Err(failed(error))
            }
        }
    }

    async fn release(&self, key: &str, token: &LeaseToken) -> Result<(), CoordinationError> {
        let key = self.key(key);
        let client = self.client_of(&key);
        match release_on(client, &key, token.as_str()).await {
            Ok(_) => Ok(()),
            Err(error) => {
                release_when_back(client.clone(), key, token.clone());
                Err(failed(error))
            }
        }
    }

    async fn publish(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CoordinationError> {
        let _: () = self
            .pool
            .set(self.key(key), value, Some(Expiration::PX(millis(ttl))), None, false)
            .await
            .map_err(failed)?;
        Ok(())
    }

    async fn published(&self, key: &str) -> Result<Option<Vec<u8>>, CoordinationError> {
        self.pool.get(self.key(key)).await.map_err(failed)
    }
}
