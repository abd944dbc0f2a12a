//! Redis session store (feature `redis`): [`RedisStore`] from `tower-sessions-redis-store`
//! over a `fred` connection pool, and [`connect`] to build one from a URL.

pub use tower_sessions_redis_store::RedisStore;
pub use tower_sessions_redis_store::fred;

use fred::prelude::{ClientLike, Config, Pool};

/// Connects a pool of `size` connections to the Redis server at `url`
/// (`redis://127.0.0.1:6379`) and returns a session store over it.
///
/// ```no_run
/// # async fn run() -> Result<(), logto_axum::redis::fred::error::Error> {
/// let store = logto_axum::redis::connect("redis://127.0.0.1:6379", 4).await?;
/// let layer = logto_axum::SessionConfig::default().layer(store);
/// # drop(layer); Ok(()) }
/// ```
pub async fn connect(url: &str, size: usize) -> Result<RedisStore<Pool>, fred::error::Error> {
    let config = Config::from_url(url)?;
    let pool = Pool::new(config, None, None, None, size.max(1))?;
    pool.init().await?;
    Ok(RedisStore::new(pool))
}
