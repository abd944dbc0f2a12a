//! # Redis for the Logto SDK
//!
//! Several instances of an app behind a load balancer share their users' sessions in Redis;
//! they must also agree on who refreshes a session's refresh token, because Logto revokes the
//! whole grant when a rotated refresh token is presented again. [`RedisCoordinator`] is the
//! [`logto::coordination::Coordinator`] for that: leases with `SET NX PX` and a random token,
//! release by compare-and-delete, refresh outcomes kept for the short rotation window. Give the
//! same Redis URL to every instance:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use logto::{LogtoClient, LogtoConfig};
//! use std::sync::Arc;
//!
//! let coordinator = logto_redis::RedisCoordinator::connect("redis://127.0.0.1:6379").await?;
//! let client = LogtoClient::builder(LogtoConfig::new("https://tenant.logto.app", "app-id"))
//!     .coordinator(Arc::new(coordinator))
//!     .build()?;
//! # drop(client); Ok(()) }
//! ```
//!
//! [`RedisSessionStore`] keeps the browser sessions of every instance, saved atomically by
//! version (see `logto::session`).
//!
//! [`pool`] builds the `fred` connection pool both use, configured for an outage: it
//! reconnects with exponential backoff forever, and every command has a timeout, so a request
//! fails clearly while Redis is down and works again once it is back (a pool without a
//! reconnect policy never recovers from a Redis restart).

#![forbid(unsafe_code)]

mod coordinator;
mod options;
mod sessions;

pub use coordinator::RedisCoordinator;
pub use fred;
pub use options::{RedisOptions, pool};
pub use sessions::RedisSessionStore;
