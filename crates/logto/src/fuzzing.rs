//! Entry points for the fuzz targets (feature `fuzzing`): every parser that reads untrusted
//! input, exposed so `cargo fuzz` can drive it. Each must return, never panic.

use crate::PersistKey;
use crate::client::fuzz_entry;
use crate::models::{ProviderMetadata, TokenResponse, UserInfoResponse};

/// JWT splitting, header and payload decoding, and claims checks.
pub fn jwt(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let _ = crate::oidc::fuzz_jwt(token);
    let _ = crate::OidcCore::decode_id_token(token);
    let _ = crate::OidcCore::decode_access_token(token);
}

/// Callback URL handling against a fixed sign-in session.
pub fn callback_url(data: &[u8]) {
    let Ok(url) = std::str::from_utf8(data) else { return };
    fuzz_entry::callback(url);
}

/// Stored values (sign-in session and access-token map).
pub fn storage_blob(data: &[u8]) {
    let Ok(value) = std::str::from_utf8(data) else { return };
    fuzz_entry::stored(PersistKey::SignInSession, value);
    fuzz_entry::stored(PersistKey::AccessTokenMap, value);
}

/// Discovery, JWKS, token and userinfo response parsing, and error bodies.
pub fn responses(data: &[u8]) {
    let _ = serde_json::from_slice::<ProviderMetadata>(data);
    let _ = serde_json::from_slice::<TokenResponse>(data);
    let _ = serde_json::from_slice::<UserInfoResponse>(data);
    let _ = crate::oidc::fuzz_jwks(data);
    let _ = crate::http::fuzz_error_body(data);
}
