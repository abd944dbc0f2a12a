//! Entry points for the fuzz targets (feature `fuzzing`): every parser that reads untrusted
//! input, exposed so `cargo fuzz` can drive it. Each must return, never panic. All fuzz hooks of
//! the crate live here.

use crate::client::callback::{CallbackPolicy, check_callback};
use crate::client::stored::{AccessTokenMap, SignInSession, parse_stored};
use crate::models::{ProviderMetadata, TokenResponse, UserInfoResponse};
use crate::oidc::{Algorithm, Callback, KeySet, jwt::Jws, verify};
use crate::secret::{CodeVerifier, State};
use crate::storage::PersistKey;

/// JWT splitting, header and payload decoding, and claims checks.
pub fn jwt(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else { return };
    if let Ok(jws) = Jws::parse(token) {
        let expected = verify::Expected {
            issuer: "https://t.example/oidc",
            audience: "app",
            leeway_seconds: 60,
            kind: verify::JwtKind::IdToken,
            algorithms: Some(&[Algorithm::Es384]),
            max_age_seconds: Some(600),
            expiry: verify::Expiry::Required,
        };
        let logout = verify::Expected {
            kind: verify::JwtKind::LogoutToken,
            expiry: verify::Expiry::BoundedByIat,
            ..expected
        };
        for expected in [expected, logout] {
            let _ = verify::check_type(jws.header.typ.as_deref(), expected.kind);
            let _ = verify::check_claims(&jws.payload, &expected, 1_700_000_000);
        }
    }
    let _ = crate::OidcCore::decode_id_token(token);
    let _ = crate::OidcCore::decode_access_token(token);
}

/// Callback URL handling against a fixed sign-in session.
pub fn callback_url(data: &[u8]) {
    let Ok(url) = std::str::from_utf8(data) else { return };
    let session = SignInSession {
        redirect_uri: "https://app.example/callback".into(),
        code_verifier: CodeVerifier::from("verifier"),
        state: State::from("state"),
    };
    let Ok(callback) = Callback::from_url(url) else { return };
    for strict_origin in [false, true] {
        let policy =
            CallbackPolicy { issuer: "https://t.example/oidc", iss_parameter_supported: true, strict_origin };
        let _ = check_callback(callback.clone(), &session, &policy);
    }
}

/// Stored values (sign-in session and access-token map).
pub fn storage_blob(data: &[u8]) {
    let Ok(value) = std::str::from_utf8(data) else { return };
    let _ = parse_stored::<SignInSession>(PersistKey::SignInSession, value);
    let _ = parse_stored::<AccessTokenMap>(PersistKey::AccessTokenMap, value);
}

/// Discovery, JWKS (parsing and key selection), token and userinfo response parsing, and error
/// bodies.
pub fn responses(data: &[u8]) {
    let _ = serde_json::from_slice::<ProviderMetadata>(data);
    let _ = serde_json::from_slice::<TokenResponse>(data);
    let _ = serde_json::from_slice::<UserInfoResponse>(data);
    jwks(data);
    let _ = crate::http::fuzz_error_body(data);
}

/// JWK-set parsing (RSA keys without `alg` under each default) and key selection for every
/// algorithm, with and without a `kid`, then a verification with each candidate.
pub fn jwks(data: &[u8]) {
    for rsa_default in [Algorithm::Rs256, Algorithm::Ps512] {
        let Ok(keys) = KeySet::parse(data, rsa_default) else { return };
        for alg in Algorithm::ALL {
            for kid in [None, Some("k1"), Some("")] {
                for key in keys.select(kid, alg).unwrap_or_default() {
                    let _ = key.verify(b"message", b"signature");
                }
            }
        }
    }
}
