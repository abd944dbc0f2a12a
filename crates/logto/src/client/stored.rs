//! The JSON formats of the stored values, the same as the official Python SDK's, so both can
//! read a session.

use crate::error::{LogtoError, Result};
use crate::models::TokenResponse;
use crate::oidc::{OidcCore, now_seconds};
use crate::secret::{AccessToken, CodeVerifier, State};
use crate::storage::PersistKey;
use crate::target::TokenTarget;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::collections::HashMap;

/// The state of a sign-in in progress (`signInSession`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SignInSession {
    #[serde(rename = "redirectUri")]
    pub(crate) redirect_uri: String,
    #[serde(rename = "codeVerifier")]
    pub(crate) code_verifier: CodeVerifier,
    pub(crate) state: State,
}

/// One cached access token (`accessTokenMap.x[cache key]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CachedAccessToken {
    pub(crate) token: AccessToken,
    /// When the cache entry expires (seconds since the epoch), a little before the token does.
    #[serde(rename = "expiresAt")]
    pub(crate) expires_at: f64,
}

impl CachedAccessToken {
    /// The cache entry of a token response's access token.
    pub(crate) fn from_response(response: &TokenResponse) -> Self {
        Self {
            token: response.access_token.clone(),
            expires_at: cache_expiry(now_seconds(), lifetime(response)),
        }
    }
}

/// The access token's lifetime: `expires_in`, or when the server left it out, what a JWT access
/// token's `exp` says (an opaque token without `expires_in` is not cached).
fn lifetime(response: &TokenResponse) -> u64 {
    if response.expires_in > 0 {
        return response.expires_in;
    }
    OidcCore::decode_access_token(response.access_token.secret())
        .map(|claims| claims.exp.seconds().saturating_sub(now_seconds()).max(0) as u64)
        .unwrap_or(0)
}

/// The cached access tokens by [`TokenTarget::cache_key`] (`""` is the userinfo token, as in
/// the official SDKs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct AccessTokenMap {
    #[serde(default)]
    pub(crate) x: HashMap<String, CachedAccessToken>,
}

impl AccessTokenMap {
    /// The cached token for `target` while its cache entry is valid at `now`.
    pub(crate) fn valid(&self, target: &TokenTarget, now: i64) -> Option<&AccessToken> {
        self.x
            .get(target.cache_key().as_ref())
            .filter(|entry| entry.expires_at > now as f64)
            .map(|entry| &entry.token)
    }

    /// Caches the access token of `response` for `target`.
    pub(crate) fn insert(&mut self, target: &TokenTarget, response: &TokenResponse) {
        self.x.insert(target.cache_key().into_owned(), CachedAccessToken::from_response(response));
    }
}

/// The access token for `target` in a stored `accessTokenMap` value (the official SDKs' format)
/// while its cache entry is valid at `now` (seconds since the epoch); `None` when there is none,
/// it expired, or the value is unreadable. For faces that answer the common case (a cached
/// token) without a full core call; the decision is this crate's.
pub(crate) fn valid_cached_token(stored: &str, target: &TokenTarget, now: i64) -> Option<AccessToken> {
    use std::borrow::Cow;
    #[derive(Deserialize)]
    struct Entry<'a> {
        #[serde(borrow)]
        token: Cow<'a, str>,
        #[serde(rename = "expiresAt")]
        expires_at: f64,
    }
    #[derive(Deserialize)]
    struct Map<'a> {
        #[serde(borrow, default)]
        x: HashMap<Cow<'a, str>, Entry<'a>>,
    }
    let map: Map<'_> = serde_json::from_str(stored).ok()?;
    let entry = map.x.get(target.cache_key().as_ref())?;
    (entry.expires_at > now as f64).then(|| AccessToken::new(entry.token.clone().into_owned()))
}

/// Reads a stored JSON value; an unreadable one is reported, never overwritten silently.
pub(crate) fn parse_stored<T: DeserializeOwned>(key: PersistKey, value: &str) -> Result<T> {
    serde_json::from_str(value).map_err(|e| LogtoError::CorruptStorage {
        key: key.as_str(),
        reason: format!("not the expected JSON ({})", crate::error::json_error(&e)),
    })
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // These types serialize to JSON without fail: strings, numbers and maps with string keys.
    serde_json::to_string(value).unwrap_or_default()
}

/// How long an access token is served from the cache: its lifetime less a margin of 60 seconds
/// (or half the lifetime for short-lived tokens), so it is never used right at its expiry.
pub(crate) fn cache_expiry(now: i64, expires_in: u64) -> f64 {
    // A server may send any number: cap the lifetime at a year rather than overflow.
    let lifetime = expires_in.min(MAX_CACHE_SECONDS) as i64;
    let margin = 60.min(lifetime / 2);
    now.saturating_add(lifetime - margin) as f64
}

/// The longest an access token is cached, whatever `expires_in` says.
const MAX_CACHE_SECONDS: u64 = 365 * 24 * 3600;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_python_sdk_format() {
        let map: AccessTokenMap =
            parse_stored(PersistKey::AccessTokenMap, r#"{"x":{"":{"token":"t","expiresAt":1700000000}}}"#)
                .unwrap();
        assert_eq!(map.x[""].expires_at, 1_700_000_000.0);
        let session: SignInSession = parse_stored(
            PersistKey::SignInSession,
            r#"{"redirectUri":"https://a/cb","codeVerifier":"v","state":"s"}"#,
        )
        .unwrap();
        assert_eq!(session.redirect_uri, "https://a/cb");
        assert!(!format!("{session:?}").contains("\"v\""), "{session:?}");
    }

    #[test]
    fn corrupt_values_are_typed_errors() {
        for value in ["", "{", "{\"x\":3}", "null"] {
            let error = parse_stored::<AccessTokenMap>(PersistKey::AccessTokenMap, value).unwrap_err();
            assert!(matches!(error, LogtoError::CorruptStorage { key: "accessTokenMap", .. }), "{value}");
        }
    }

    #[test]
    fn reads_a_valid_cached_token_without_the_full_map() {
        let stored = r#"{"x":{"":{"token":"u","expiresAt":100},"https://api":{"token":"a","expiresAt":50}}}"#;
        assert_eq!(
            valid_cached_token(stored, &TokenTarget::UserInfo, 99).map(AccessToken::into_secret).as_deref(),
            Some("u")
        );
        assert!(valid_cached_token(stored, &TokenTarget::resource("https://api"), 50).is_none(), "expired");
        assert!(valid_cached_token(stored, &TokenTarget::resource("https://other"), 0).is_none());
        assert!(valid_cached_token("{", &TokenTarget::UserInfo, 0).is_none());
        let escaped = r#"{"x":{"https:\/\/api":{"token":"ab","expiresAt":100}}}"#;
        assert_eq!(
            valid_cached_token(escaped, &TokenTarget::resource("https://api"), 0)
                .map(AccessToken::into_secret)
                .as_deref(),
            Some("ab")
        );
    }

    #[test]
    fn cache_expiry_keeps_a_margin() {
        assert_eq!(cache_expiry(1000, 3600), 4540.0);
        assert_eq!(cache_expiry(1000, 10), 1005.0);
        assert_eq!(cache_expiry(1000, 0), 1000.0);
        assert_eq!(cache_expiry(1000, u64::MAX), (1000 + MAX_CACHE_SECONDS as i64 - 60) as f64);
        assert!(cache_expiry(i64::MAX, u64::MAX).is_finite());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Times from the epoch to far beyond the year 3000, and the extremes.
        fn now() -> impl Strategy<Value = i64> {
            prop_oneof![0..40_000_000_000i64, Just(i64::MAX), Just(i64::MAX - 1), Just(0)]
        }

        fn expires_in() -> impl Strategy<Value = u64> {
            prop_oneof![0..100_000u64, any::<u64>(), Just(u64::MAX)]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// The cache entry never outlives the token (`now + expires_in`), never expires
            /// before it was stored (the margin is never negative), and never lasts more than
            /// the cap.
            #[test]
            fn never_beyond_expires_in_and_never_before_now(now in now(), expires_in in expires_in()) {
                let expiry = cache_expiry(now, expires_in);
                prop_assert!(expiry.is_finite());
                prop_assert!(expiry >= now as f64, "{expiry} < {now}");
                prop_assert!(expiry <= (now as i128 + expires_in as i128) as f64, "{expiry} beyond the token");
                prop_assert!(expiry <= (now as i128 + MAX_CACHE_SECONDS as i128) as f64);
                if expires_in >= 2 && now < i64::MAX - MAX_CACHE_SECONDS as i64 {
                    prop_assert!(expiry < (now as i128 + expires_in as i128) as f64, "no margin");
                }
            }

            /// A longer lifetime never gives a shorter cache entry.
            #[test]
            fn monotonic_in_expires_in(now in now(), a in expires_in(), b in expires_in()) {
                let (short, long) = (a.min(b), a.max(b));
                prop_assert!(cache_expiry(now, short) <= cache_expiry(now, long));
            }
        }
    }
}
