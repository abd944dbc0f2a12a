//! # Logto SDK for Rust
//!
//! Sign users in and out with [Logto](https://logto.io), keep their tokens, call protected APIs
//! and read who the user is. The crate owns every protocol decision (OpenID Connect with PKCE,
//! token verification, refresh-token rotation); web frameworks (`logto-axum`) and the Python
//! package are thin faces over it.
//!
//! ## Five minutes
//!
//! 1. In the Logto console, create a "Traditional web" application. Note its endpoint (the
//!    tenant URL, e.g. `https://tenant.logto.app`), app id and app secret, and register your
//!    callback URL (`https://your-app.example/callback`) as a redirect URI.
//! 2. Build one [`LogtoClient`] at start-up with a [`LogtoConfig`].
//! 3. Sign in: [`LogtoClient::sign_in`] stores a sign-in session and returns the URL to send
//!    the browser to; Logto sends it back to your callback, which you hand to
//!    [`LogtoClient::handle_sign_in_callback`].
//! 4. Use the session: [`get_id_token_claims`](LogtoClient::get_id_token_claims),
//!    [`fetch_user_info`](LogtoClient::fetch_user_info),
//!    [`get_access_token`](LogtoClient::get_access_token) for an API or an organization
//!    ([`TokenTarget`]), and [`sign_out`](LogtoClient::sign_out).
//!
//! ```no_run
//! use logto::{LogtoClient, LogtoConfig, MemoryStorage, TokenTarget, UserInfoScope};
//! use std::sync::Arc;
//!
//! # async fn run() -> logto::Result<()> {
//! let config = LogtoConfig::new("https://tenant.logto.app", "app-id")
//!     .with_app_secret("app-secret")
//!     .with_scopes([UserInfoScope::Email, UserInfoScope::Organizations, "read:data"])
//!     .with_resources(["https://api.example.com"]);
//! let client = LogtoClient::new(config, Arc::new(MemoryStorage::new()))?;
//!
//! let sign_in_url = client.sign_in("https://app.example/callback").await?;
//! // ... redirect the browser there; Logto redirects back to the callback:
//! client.handle_sign_in_callback("https://app.example/callback?code=...&state=...&iss=...").await?;
//!
//! let claims = client.get_id_token_claims().await?;
//! let user_info = client.fetch_user_info().await?;
//! let api_token = client.get_access_token("https://api.example.com").await?;
//! let org_token = client.get_access_token(TokenTarget::organization("organization-id")).await?;
//! println!("{} can call the API with {api_token:?}", claims.sub); // tokens print as <redacted>
//! let sign_out_url = client.sign_out(Some("https://app.example/")).await?;
//! # let _ = (sign_in_url, user_info, org_token, sign_out_url); Ok(()) }
//! ```
//!
//! In a web app, keep each user's tokens in their session: implement [`Storage`] over it and
//! bind the shared client per request with [`LogtoClient::with_storage`] (one `Arc` clone: the
//! HTTP pool, the discovery document, the keys and the refresh coordination are shared).
//! `logto-axum` does this for axum.
//!
//! To protect an API with Logto access tokens, see [`verifier::AccessTokenVerifier`].
//!
//! Errors are one [`LogtoError`] with an [`ErrorKind`] to decide what to do; tokens and secrets
//! are types ([`AccessToken`], [`RefreshToken`], [`IdToken`], [`AppSecret`]) whose `Debug` and
//! `Display` print `<redacted>`. The design decisions are explained in the [`manual`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod client;
mod config;
pub mod coordination;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod machine;
pub mod manual;
pub mod models;
pub mod native;
pub mod oidc;
mod secret;
pub mod session;
mod storage;
mod target;
pub mod verifier;

pub use client::{
    ContextOptions, DirectSignIn, FirstScreen, Identifier, InteractionMode, LogtoClient, LogtoClientBuilder,
    LogtoContext, Prompt, SignInOptions,
};
pub use config::{DEFAULT_SCOPES, LogtoConfig};
pub use error::{
    CallbackError, CoordinationError, ErrorKind, LogtoError, OrganizationError, Result, ServerError,
    StorageError, TokenError,
};
pub use http::{HttpOptions, MAX_RESPONSE_BYTES};
pub use machine::{MachineClient, SubjectTokenType, TokenExchange};
pub use models::{
    AccessTokenClaims, Audience, BACKCHANNEL_LOGOUT_EVENT, IdTokenClaims, LogoutTokenClaims, NumericDate,
    ORGANIZATION_URN_PREFIX, ProviderMetadata, ReservedResource, TokenResponse, UserIdentity,
    UserInfoResponse, UserInfoScope, build_organization_urn, organization_id_from_urn,
};
pub use oidc::{Callback, CallbackParams, Issuer, OidcCore};
pub use secret::{AccessToken, AppSecret, CodeVerifier, IdToken, RefreshToken, State};
pub use storage::{MemoryStorage, PersistKey, Storage};
pub use target::TokenTarget;
