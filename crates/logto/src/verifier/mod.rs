//! Verifying the bearer access tokens an API receives, for any web framework.

mod access_token;
mod cache;

pub use access_token::{AccessTokenVerifier, BearerError};
