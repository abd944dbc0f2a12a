//! [`RedisOptions`] and [`pool`]: a `fred` pool that survives a Redis restart and never hangs.

use fred::prelude::{ClientLike, Config, Pool, ReconnectPolicy};
use fred::types::Builder;
use std::time::Duration;

/// How the SDK talks to Redis.
///
/// ```
/// use std::time::Duration;
/// let options = logto_redis::RedisOptions::default().command_timeout(Duration::from_millis(500));
/// assert_eq!(options.command_timeout, Duration::from_millis(500));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedisOptions {
    /// Connections in the pool (default 4).
    pub pool_size: usize,
    /// The longest any command may take, queued while reconnecting included (default 2 s).
    pub command_timeout: Duration,
    /// The longest a connection attempt may take (default 2 s).
    pub connect_timeout: Duration,
    /// The first and the longest delay between reconnection attempts (default 50 ms and 2 s,
    /// doubling; attempts never stop).
    pub reconnect_delay: (Duration, Duration),
    /// A namespace in front of every key the SDK writes (default none; the SDK's own keys start
    /// with `logto:`), for example an app name when apps share a Redis database.
    pub key_prefix: String,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            pool_size: 4,
            command_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            reconnect_delay: (Duration::from_millis(50), Duration::from_secs(2)),
            key_prefix: String::new(),
        }
    }
}

impl RedisOptions {
    /// Sets the command timeout.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// Sets the pool size.
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// Sets the key namespace.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }
}

fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

/// A pool of connections to the Redis server at `url` (`redis://[:password@]host:port[/db]`),
/// connected, that reconnects forever with backoff and times out every command.
///
/// ```no_run
/// # async fn run() -> Result<(), logto_redis::fred::error::Error> {
/// let pool = logto_redis::pool("redis://127.0.0.1:6379", &logto_redis::RedisOptions::default()).await?;
/// # drop(pool); Ok(()) }
/// ```
pub async fn pool(url: &str, options: &RedisOptions) -> Result<Pool, fred::error::Error> {
    let config = Config { fail_fast: true, ..Config::from_url(url)? };
    let (first, longest) = options.reconnect_delay;
    let pool = Builder::from_config(config)
        .with_performance_config(|performance| performance.default_command_timeout = options.command_timeout)
        .with_connection_config(|connection| {
            connection.connection_timeout = options.connect_timeout;
            connection.internal_command_timeout = options.command_timeout;
            connection.max_command_attempts = 2;
        })
        .set_policy(ReconnectPolicy::new_exponential(0, millis(first), millis(longest), 2))
        .build_pool(options.pool_size.max(1))?;
    pool.init().await?;
    Ok(pool)
}
