//! # Logto SDK for Rust
//!
//! Sign users in and out with [Logto](https://logto.io), keep their tokens, call protected APIs
//! and read who the user is. The crate owns every protocol decision (OpenID Connect with PKCE,
//! token verification, refresh-token rotation); web frameworks and the Python package are thin
//! faces over it.
//!
//! ```no_run
//! # async fn run() -> logto::Result<()> {
//! use logto::{LogtoClient, LogtoConfig, MemoryStorage, UserInfoScope};
//! use std::sync::Arc;
//!
//! let config = LogtoConfig::new("https://tenant.logto.app", "app-id")
//!     .with_app_secret("app-secret")
//!     .with_scopes([UserInfoScope::Email, UserInfoScope::Organizations])
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
//! let org_token = client.get_organization_token("organization-id").await?;
//! let sign_out_url = client.sign_out(Some("https://app.example/")).await?;
//! # let _ = (sign_in_url, claims, user_info, api_token, org_token, sign_out_url); Ok(()) }
//! ```
//!
//! Per request in a web app, bind the shared client to the request's session storage with
//! [`LogtoClient::with_storage`]: the HTTP pool, the discovery document and the signing keys are
//! shared.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod client;
mod config;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http;
pub mod models;
pub mod oidc;
mod storage;
pub mod verifier;

pub use client::{
    DirectSignIn, FirstScreen, Identifier, InteractionMode, LogtoClient, LogtoClientBuilder, SignInOptions,
};
pub use config::{DEFAULT_SCOPES, LogtoConfig};
pub use error::{LogtoError, Result, StorageError, TokenError};
pub use http::{HttpOptions, MAX_RESPONSE_BYTES};
pub use models::{
    AccessTokenClaims, Audience, IdTokenClaims, ORGANIZATION_URN_PREFIX, ProviderMetadata, ReservedResource,
    TokenResponse, UserIdentity, UserInfoResponse, UserInfoScope, build_organization_urn,
    organization_id_from_urn,
};
pub use oidc::OidcCore;
pub use storage::{MemoryStorage, PersistKey, Storage};
