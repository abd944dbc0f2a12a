//! [`RedisSessionStore`]: browser sessions in Redis, saved atomically by version.

use crate::options::{RedisOptions, pool};
use async_trait::async_trait;
use fred::prelude::{HashesInterface, KeysInterface, LuaInterface, Pool};
use logto::StorageError;
use logto::session::{SaveOutcome, SessionId, SessionStore, StoredSession};
use std::fmt;
use std::time::Duration;

/// Saves a record if its stored version is the expected one (`''`: no record may exist), bumps
/// the version and sets the time to live, in one step. Answers the new version, or 0 for a
/// conflict.
const SAVE: &str = "local current = redis.call('HGET', KEYS[1], 'v') \
    if ARGV[1] == '' then if current then return 0 end \
    elseif current ~= ARGV[1] then return 0 end \
    local version = (tonumber(current) or 0) + 1 \
    redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[2]) \
    redis.call('PEXPIRE', KEYS[1], ARGV[3]) \
    return version";

/// The [`SessionStore`] of app instances that share a Redis server (a single node or a
/// Cluster: a session is one key, `{prefix}logto:session:{<id>}`, a hash of its version and its
/// record).
///
/// Every save is one script that compares and bumps the version, so two requests of one browser
/// never overwrite each other's changes, whatever the instances' clocks say. Commands are bounded
/// by the pool's command timeout: while Redis is unreachable a request fails with a storage error
/// (answered 503) and the pool reconnects in the background.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use logto::session::{SessionConfig, SessionManager};
/// use std::sync::Arc;
///
/// let store = logto_redis::RedisSessionStore::connect("redis://127.0.0.1:6379").await?;
/// let sessions = SessionManager::new(Arc::new(store), SessionConfig::default());
/// # drop(sessions); Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisSessionStore {
    pool: Pool,
    prefix: String,
}

impl fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSessionStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn failed(error: fred::error::Error) -> StorageError {
    StorageError::new(format!("session store: {error}"))
}

impl RedisSessionStore {
    /// Connects to the Redis server at `url` with the default options.
    pub async fn connect(url: &str) -> Result<Self, fred::error::Error> {
        Self::connect_with(url, RedisOptions::default()).await
    }

    /// Connects with `options` (pool size, timeouts, key namespace).
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<Self, fred::error::Error> {
        Ok(Self::from_pool(pool(url, &options).await?, options.key_prefix))
    }

    /// A store over an existing pool (shared with a [`RedisCoordinator`](crate::RedisCoordinator)),
    /// with keys under `prefix`.
    pub fn from_pool(pool: Pool, prefix: impl Into<String>) -> Self {
        Self { pool, prefix: prefix.into() }
    }

    /// The key of a session: the id is the hash tag, so a Cluster keeps it on one slot.
    fn key(&self, id: &SessionId) -> String {
        format!("{}logto:session:{{{}}}", self.prefix, id.as_str())
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn load(&self, id: &SessionId) -> Result<Option<StoredSession>, StorageError> {
        let (version, data): (Option<u64>, Option<Vec<u8>>) =
            self.pool.hmget(self.key(id), vec!["v", "d"]).await.map_err(failed)?;
        Ok(version.zip(data).map(|(version, data)| StoredSession { version, data }))
    }

    async fn save(
        &self,
        id: &SessionId,
        expected: Option<u64>,
        data: &[u8],
        ttl: Duration,
    ) -> Result<SaveOutcome, StorageError> {
        let expected = expected.map(|version| version.to_string()).unwrap_or_default();
        let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1);
        let args: Vec<fred::types::Value> = vec![expected.into(), data.into(), ttl.into()];
        let version: u64 = self.pool.next().eval(SAVE, vec![self.key(id)], args).await.map_err(failed)?;
        Ok(if version == 0 { SaveOutcome::Conflict } else { SaveOutcome::Saved(version) })
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StorageError> {
        let _: i64 = self.pool.del(self.key(id)).await.map_err(failed)?;
        Ok(())
    }
}
