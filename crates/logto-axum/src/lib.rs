//! # Logto for axum
//!
//! Sign users in to an [axum](https://docs.rs/axum) 0.8 app with [Logto](https://logto.io), and
//! guard its APIs with Logto access tokens. The protocol work is done by the [`logto`] crate;
//! this crate turns requests and sessions into core calls and core errors into responses.
//!
//! ## Five minutes
//!
//! 1. In the Logto console, create a "Traditional web" application. Note the endpoint (your
//!    tenant's URL, e.g. `https://tenant.logto.app`), the app id and the app secret. Register
//!    `http://127.0.0.1:3000/callback` as a redirect URI and `http://127.0.0.1:3000/` as a post
//!    sign-out redirect URI.
//! 2. Depend on `logto`, `logto-axum`, `axum = "0.8"` and `tokio` (features `macros`,
//!    `rt-multi-thread`). Sessions are the `logto` crate's session engine ([`logto::session`]):
//!    this crate is its axum face.
//! 3. Write the app: one [`LogtoAuth`] built at start-up from a [`LogtoClient`](logto::LogtoClient)
//!    and the app's public URL ([`AuthSettings`]); its [`routes`](LogtoAuth::routes) add
//!    `/sign-in`, `/sign-up`, `/callback` and `/sign-out`; its [`layer`](LogtoAuth::layer) and a
//!    session layer ([`SessionConfig`]) wrap the router; handlers take a [`SignedInUser`].
//! 4. `LOGTO_ENDPOINT=... LOGTO_APP_ID=... LOGTO_APP_SECRET=... cargo run`, open
//!    `http://127.0.0.1:3000/` and sign in.
//!
//! ```no_run
//! use axum::{Router, response::Html, routing::get};
//! use logto::{LogtoClient, LogtoConfig, UserInfoScope};
//! use logto_axum::{AuthSettings, LogtoAuth, MemorySessionStore, RedirectToSignIn, SessionConfig, SignedInUser, escape_html};
//!
//! // `Option<SignedInUser>` never rejects: the page shows a sign-in link when signed out.
//! async fn home(user: Option<SignedInUser>) -> Html<String> {
//!     Html(match user {
//!         None => "<a href=\"/sign-in\">Sign in</a>".to_owned(),
//!         Some(user) => format!(
//!             "Hello {}! <form method=\"post\" action=\"/sign-out\"><button>Sign out</button></form>",
//!             escape_html(&user.claims().sub)
//!         ),
//!     })
//! }
//!
//! // `SignedInUser<RedirectToSignIn>` sends visitors to sign in first, then back here.
//! async fn profile(user: SignedInUser<RedirectToSignIn>) -> Result<Html<String>, logto_axum::AuthError> {
//!     let info = user.fetch_user_info().await?;
//!     Ok(Html(format!("<pre>{}</pre>", escape_html(&format!("{info:#?}")))))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
//!     let config = LogtoConfig::new(var("LOGTO_ENDPOINT")?, var("LOGTO_APP_ID")?)
//!         .with_app_secret(var("LOGTO_APP_SECRET")?)
//!         .with_scopes([UserInfoScope::Email]);
//!     let client = LogtoClient::builder(config).build()?;
//!     let auth = LogtoAuth::new(client, AuthSettings::new("http://127.0.0.1:3000"))?;
//!
//!     let app = Router::new()
//!         .route("/", get(home))
//!         .route("/profile", get(profile))
//!         .merge(auth.routes())
//!         .layer(auth.layer())
//!         // `secure(false)` for plain http on 127.0.0.1 only: keep the default in production.
//!         .layer(SessionConfig::default().secure(false).layer(MemorySessionStore::new()));
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//! ```
//!
//! The repository's README has this app with its `Cargo.toml`, checked by CI as written against
//! a Logto-like test server; `examples/axum-sample` there is a complete app.
//!
//! ## What is in the box
//!
//! - [`SessionConfig::layer`]: the session engine's sessions ([`logto::session::SessionManager`])
//!   as a tower layer. Each browser session keeps its tokens in the session store, saved
//!   atomically by version; the cookie (HttpOnly, SameSite=Lax, Secure by default) carries only
//!   the session id. [`MemorySessionStore`] for development; several app instances share the
//!   sessions and the refresh coordination through one Redis server: the `redis` module, with
//!   the `redis` feature. A handler keeps its own values in the session with [`CurrentSession`].
//! - [`LogtoAuth::routes`]: sign-in (a local `return_to` path comes back after the callback),
//!   sign-up (the register screen first), callback and sign-out (POST from this site's own
//!   pages; GET only with [`AuthSettings::sign_out_on_get`]). Paths and redirects are
//!   [`AuthSettings`]. Every answer is the engine's ([`logto::session::AuthFlows`]), the same as
//!   the Python integrations'; a failure is an HTML error page with the right status
//!   ([`AuthError`]).
//! - [`SignedInUser`]: the signed-in user's ID-token claims, user info and access tokens on
//!   request; when nobody is signed in it redirects to sign-in ([`RedirectToSignIn`]) or answers
//!   a 401 JSON error ([`JsonUnauthorized`], the default, for JSON endpoints).
//!   [`SessionClient`] gives a handler the session's client without requiring a user.
//! - [`BearerAuthLayer`] and [`BearerClaims`]: the API guard over the core
//!   [`AccessTokenVerifier`](logto::verifier::AccessTokenVerifier), answering 401 / 403 with
//!   `WWW-Authenticate` (RFC 6750):
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use logto::verifier::AccessTokenVerifier;
//! use logto_axum::{BearerAuthLayer, BearerClaims};
//!
//! async fn data(BearerClaims(claims): BearerClaims) -> String {
//!     format!("data for {}", claims.sub)
//! }
//!
//! # async fn run() -> logto::Result<Router> {
//! let verifier = AccessTokenVerifier::discover("https://tenant.logto.app", "https://api.example.com")
//!     .await?
//!     .require_scopes(["read:data"]);
//! let api = Router::new().route("/api/data", get(data)).route_layer(BearerAuthLayer::new(verifier));
//! # Ok(api) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod auth;
mod bearer;
mod error;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
mod session;
mod user;

pub use auth::{LogtoAuth, SIGN_IN_SESSION_TIMEOUT};
pub use bearer::{BearerAuth, BearerAuthLayer, BearerClaims, BearerRejection};
pub use error::{AuthError, answer_response, escape_html};
pub use logto::session::{AuthSettings, MemorySessionStore, WebSession};
pub use session::{DEFAULT_COOKIE_NAME, SessionConfig, SessionLayer, SessionService};
pub use user::{
    AuthRejection, CurrentSession, ExtractorError, JsonUnauthorized, RedirectToSignIn, SessionClient,
    SignedInUser, Unauthenticated,
};
