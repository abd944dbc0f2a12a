//! [`RedisCoordinator`]: leases and refresh outcomes in Redis.

use crate::options::{RedisOptions, pool};
use async_trait::async_trait;
use fred::prelude::{Expiration, KeysInterface, LuaInterface, Pool, SetOptions};
use logto::CoordinationError;
use logto::coordination::{Coordinator, LeaseToken};
use std::fmt;
use std::time::Duration;

/// Deletes the lease only if it still holds this token.
const RELEASE: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// The refresh coordination of app instances that share a Redis server.
///
/// Every command is bounded by the pool's command timeout; while Redis is unreachable each call
/// fails with a [`CoordinationError`] (the request answers 503 rather than refresh without the
/// lease) and the pool reconnects in the background.
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
}

#[async_trait]
impl Coordinator for RedisCoordinator {
    async fn try_lease(
        &self,
        key: &str,
        token: &LeaseToken,
        ttl: Duration,
    ) -> Result<bool, CoordinationError> {
        let set: Option<String> = self
            .pool
            .set(
                self.key(key),
                token.as_str(),
                Some(Expiration::PX(millis(ttl))),
                Some(SetOptions::NX),
                false,
            )
            .await
            .map_err(failed)?;
        Ok(set.is_some())
    }

    async fn release(&self, key: &str, token: &LeaseToken) -> Result<(), CoordinationError> {
        let _: i64 =
            self.pool.eval(RELEASE, vec![self.key(key)], vec![token.as_str()]).await.map_err(failed)?;
        Ok(())
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
