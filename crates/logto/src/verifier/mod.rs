//! Verifying the bearer access tokens an API receives, for any web framework.

mod access_token;
mod bearer_error;
mod cache;

pub use access_token::AccessTokenVerifier;
pub use bearer_error::BearerError;
