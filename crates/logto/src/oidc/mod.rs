//! The OpenID Connect protocol of the SDK: [`OidcCore`] (discovery, token requests, ID-token
//! verification, userinfo, revocation), the [`Issuer`], the callback's parameters, and the
//! building blocks (JWT parsing, JWKS, PKCE, claims checks).

mod callback;
mod core;
mod issuer;
pub(crate) mod jwks;
pub(crate) mod jwt;
mod pkce;
pub(crate) mod verify;

pub use self::core::OidcCore;
pub use callback::{Callback, CallbackParams};
pub use issuer::Issuer;
pub use jwt::{Algorithm, decode_jwt_payload, jwt_payload_text};
pub use pkce::{generate_code_challenge, generate_code_verifier, generate_state};
pub use verify::{DEFAULT_LEEWAY, MAX_LEEWAY};

pub(crate) use self::core::{Claims, check_endpoints, user_info_from_json};
pub(crate) use jwks::{JwksCache, JwksPolicy, KeySet};
pub(crate) use pkce::constant_time_eq;
pub(crate) use verify::{Expected, Expiry, JwtKind, now_seconds, verify_jwt};
