//! # Logto for axum
//!
//! Sign users in to an [axum](https://docs.rs/axum) app with [Logto](https://logto.io), and guard
//! its APIs with Logto access tokens. The protocol work is done by the [`logto`] crate; this crate
//! turns requests and sessions into core calls and core errors into responses.
//!
//! - [`SessionStorage`]: the core [`logto::Storage`] over a tower-sessions session. Each browser
//!   session keeps its own tokens in the session store (memory by default, Redis with the
//!   `redis` feature); the cookie (HttpOnly, SameSite=Lax, Secure configurable, see
//!   [`SessionConfig`]) carries only the session id.
//! - [`LogtoAuth::routes`]: sign-in, sign-up (register screen first), callback and sign-out, with
//!   configurable paths and redirects ([`AuthSettings`]). A failed callback answers an HTML error
//!   page with the right status ([`AuthError`]).
//! - [`SignedInUser`]: the signed-in user's ID-token claims, user info on request; when nobody is
//!   signed in it redirects to sign-in ([`RedirectToSignIn`]) or answers a 401 JSON error
//!   ([`JsonUnauthorized`]).
//! - [`BearerAuthLayer`] and [`BearerClaims`]: the API guard over the core
//!   [`AccessTokenVerifier`](logto::verifier::AccessTokenVerifier) (401 / 403 with
//!   `WWW-Authenticate`, RFC 6750).
//!
//! ```no_run
//! use axum::{Json, Router, routing::get};
//! use logto::{LogtoClient, LogtoConfig, verifier::AccessTokenVerifier};
//! use logto_axum::{
//!     AuthSettings, BearerAuthLayer, BearerClaims, LogtoAuth, RedirectToSignIn, SessionConfig, SignedInUser,
//! };
//! use tower_sessions::MemoryStore;
//!
//! async fn home(user: Option<SignedInUser>) -> String {
//!     match user {
//!         Some(user) => format!("Hello {}! <a href=\"/sign-out\">Sign out</a>", user.claims().sub),
//!         None => "<a href=\"/sign-in\">Sign in</a>".into(),
//!     }
//! }
//!
//! async fn protected(user: SignedInUser<RedirectToSignIn>) -> Json<logto::IdTokenClaims> {
//!     Json(user.claims().clone())
//! }
//!
//! async fn api(BearerClaims(claims): BearerClaims) -> String {
//!     format!("data for {}", claims.sub)
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = LogtoConfig::new("https://tenant.logto.app", "app-id").with_app_secret("app-secret");
//! let auth = LogtoAuth::new(LogtoClient::builder(config).build()?, AuthSettings::new("http://localhost:3000"))?;
//! let verifier = AccessTokenVerifier::discover("https://tenant.logto.app", "https://api.example.com")
//!     .await?
//!     .require_scopes(["read:data"]);
//!
//! let app = Router::new()
//!     .route("/", get(home))
//!     .route("/protected", get(protected))
//!     .merge(auth.routes())
//!     .merge(Router::new().route("/api/data", get(api)).route_layer(BearerAuthLayer::new(verifier)))
//!     .layer(auth.layer())
//!     .layer(SessionConfig::default().secure(false).layer(MemoryStore::default()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod auth;
mod bearer;
mod error;
#[cfg(feature = "redis")]
pub mod redis;
mod rotation_safe_store;
mod session;
mod settings;
mod storage;
mod user;

pub use auth::{LogtoAuth, SIGN_IN_SESSION_TIMEOUT};
pub use bearer::{BearerAuth, BearerAuthLayer, BearerClaims, BearerRejection};
pub use error::{AuthError, escape_html};
pub use rotation_safe_store::RotationSafeStore;
pub use session::{DEFAULT_COOKIE_NAME, SessionConfig};
pub use settings::AuthSettings;
pub use storage::{SESSION_KEY_PREFIX, SessionStorage};
pub use user::{
    AuthRejection, ExtractorError, JsonUnauthorized, RedirectToSignIn, SessionClient, SignedInUser,
    Unauthenticated,
};

/// The session crate this integration is built on (for `MemoryStore`, `Session`, ...).
pub use tower_sessions;
