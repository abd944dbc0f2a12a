//! Redis for several app instances (feature `redis`): the sessions and the refresh coordination
//! of every instance on one Redis server (a single node or a Cluster), over one connection pool
//! that reconnects after an outage and times out every command ([`logto_redis::pool`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use logto::{LogtoClient, LogtoConfig};
//! use logto_axum::{AuthSettings, LogtoAuth, SessionConfig, redis::Redis};
//!
//! let redis = Redis::connect("redis://127.0.0.1:6379").await?;
//! let client = LogtoClient::builder(LogtoConfig::new("https://tenant.logto.app", "app-id"))
//!     .coordinator(redis.coordinator())
//!     .build()?;
//! let auth = LogtoAuth::new(client, AuthSettings::new("https://app.example"))?;
//! let sessions = SessionConfig::default().layer(redis.session_store());
//! # drop((auth, sessions)); Ok(()) }
//! ```

pub use logto_redis::{RedisCoordinator, RedisOptions, RedisSessionStore, fred};

use fred::prelude::Pool;
use std::sync::Arc;

/// One Redis server for the sessions and the refresh coordination of every app instance.
#[derive(Debug, Clone)]
pub struct Redis {
    pool: Pool,
    options: RedisOptions,
}

impl Redis {
    /// Connects to the Redis server at `url` (`redis://[:password@]host:port[/db]`).
    pub async fn connect(url: &str) -> Result<Self, fred::error::Error> {
        Self::connect_with(url, RedisOptions::default()).await
    }

    /// Connects with `options` (pool size, timeouts, key namespace).
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<Self, fred::error::Error> {
        Ok(Self { pool: logto_redis::pool(url, &options).await?, options })
    }

    /// The session store (give it to [`SessionConfig::layer`](crate::SessionConfig::layer)):
    /// saves are atomic, by version.
    pub fn session_store(&self) -> RedisSessionStore {
        RedisSessionStore::from_pool(self.pool.clone(), self.options.key_prefix.clone())
    }

    /// The refresh coordinator (give it to
    /// [`LogtoClientBuilder::coordinator`](logto::LogtoClientBuilder::coordinator)).
    pub fn coordinator(&self) -> Arc<RedisCoordinator> {
        Arc::new(RedisCoordinator::from_pool(self.pool.clone(), self.options.key_prefix.clone()))
    }

    /// The connection pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }
}
