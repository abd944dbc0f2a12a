//! Several app instances on one Redis, behind a load balancer, under load: the pieces of the
//! multi-instance tests and benchmarks, for any app that can be started as a process.
//!
//! - [`Fleet`]: the test identity server, one [`RedisServer`](crate::redis::RedisServer), the
//!   app instances ([`AppInstance`], started from an [`AppCommand`]), a [`RedisTap`] between
//!   each instance and Redis, and a [`RoundRobinProxy`] in front;
//! - [`Scenario`]: [`SimUser`]s sign in through the proxy, then fire bursts of concurrent
//!   requests at a page ([`PageCheck`] says what it must show) for a while, with an optional
//!   Redis outage ([`RedisOutage`]) and an instance killed in the middle of a refresh
//!   ([`KillMidRefresh`]);
//! - [`Report`]: the figures and the [`problems`](Report::problems): requests not served,
//!   users signed out, grants burnt (`invalid_grant`), refresh tokens presented twice.
//!
//! An app only has to listen on `PORT`, take its public URL and Redis URL from the
//! environment (whatever the variables are called: [`Fleet::start`] asks the caller for the
//! command of each instance), offer a sign-in route and a page that needs an access token. The
//! axum sample (`examples/axum-sample/tests/instances.rs`) and the Python FastAPI sample
//! (`tests/python_instances.rs` here) run the same scenario.
//!
//! ```no_run
//! use logto_test_idp::instances::*;
//! use logto_test_idp::IdpOptions;
//! use std::time::Duration;
//!
//! # async fn run() {
//! let options = FleetOptions { instances: 3, idp: IdpOptions::default(), persistent_redis: false, redis_taps: true };
//! let mut fleet = Fleet::start(options, |launch| {
//!     AppCommand::new("target/debug/my-app")
//!         .env("APP_BASE_URL", launch.base_url)
//!         .env("REDIS_URL", launch.redis_url)
//!         .env("LOGTO_ENDPOINT", launch.idp.endpoint())
//! })
//! .await;
//! let scenario = Scenario {
//!     users: 10,
//!     burst: 4,
//!     duration: Duration::from_secs(10),
//!     think: (Duration::from_millis(100), Duration::from_millis(300)),
//!     request_timeout: Duration::from_secs(30),
//!     fresh_connections: true,
//!     page: PageCheck {
//!         path: "/protected/api".into(),
//!         served: |body| body.contains("200 OK"),
//!         readable_error: |body| body.contains("error"),
//!         sign_in_path: "/sign-in".into(),
//!     },
//!     redis_outage: None,
//!     kill_mid_refresh: None,
//! };
//! let report = scenario.run(&mut fleet).await;
//! let expect = Expectations {
//!     max_request_time: Duration::from_secs(10),
//!     recovery: Duration::from_secs(3),
//!     lease_ttl: Duration::from_secs(15),
//!     refreshes: true,
//! };
//! assert!(report.problems(&expect).is_empty(), "{}", report.summary());
//! # }
//! ```

mod app;
mod fleet;
mod proxy;
mod redis_tap;
mod report;
mod scenario;
mod users;

pub use app::{AppCommand, AppInstance};
pub use fleet::{Fleet, FleetOptions, Launch};
pub use proxy::RoundRobinProxy;
pub use redis_tap::{Frozen, OUTCOME_KEY_PART, RedisTap};
pub use report::{Expectations, KillRecord, Report};
pub use scenario::{KillMidRefresh, OutageKind, RedisOutage, SETTLE, Scenario};
pub use users::{Answer, Outcome, PageCheck, SimUser};
