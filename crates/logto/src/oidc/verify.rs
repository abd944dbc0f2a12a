//! JWT verification: signature against the JWKS, then the registered claims (`iss`, `aud`,
//! `exp`, `iat`, `nbf`, `sub`) with a bounded clock leeway.

use super::jwks::JwksCache;
use super::jwt::Jws;
use crate::error::TokenError;
use crate::http::Http;
use crate::models::Audience;
use serde::{Deserialize, de::DeserializeOwned};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest clock leeway the SDK allows.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);
/// The default clock leeway.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// Seconds since the Unix epoch.
pub(crate) fn now_seconds() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

/// What a token must say to be accepted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expected<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) audience: &'a str,
    pub(crate) leeway_seconds: i64,
    /// ID tokens must name their subject.
    pub(crate) require_sub: bool,
    /// The `azp` must be this client when present (ID tokens).
    pub(crate) authorized_party: Option<&'a str>,
    /// Accepted `typ` header values (case-insensitive), or any when `None`; `""` in the list
    /// accepts a token without `typ`.
    pub(crate) types: Option<&'a [&'a str]>,
    /// How long ago `iat` may be (beyond the leeway), or unbounded when `None`.
    pub(crate) max_age_seconds: Option<i64>,
}

#[derive(Deserialize)]
struct Registered {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    exp: Option<f64>,
    iat: Option<f64>,
    nbf: Option<f64>,
    azp: Option<String>,
}

/// Checks the registered claims of a payload whose signature was verified.
pub(crate) fn check_claims(payload: &[u8], expected: &Expected<'_>, now: i64) -> Result<(), TokenError> {
    let claims: Registered = serde_json::from_slice(payload)
        .map_err(|e| TokenError::Malformed(format!("the payload is not a JSON claims set: {e}")))?;
    let iss = claims.iss.ok_or(TokenError::MissingClaim("iss"))?;
    if iss != expected.issuer {
        return Err(TokenError::WrongIssuer { expected: expected.issuer.to_owned(), actual: iss });
    }
    if expected.require_sub && claims.sub.as_deref().is_none_or(str::is_empty) {
        return Err(TokenError::MissingClaim("sub"));
    }
    let aud = claims.aud.ok_or(TokenError::MissingClaim("aud"))?;
    if !aud.contains(expected.audience) {
        return Err(TokenError::WrongAudience { expected: expected.audience.to_owned() });
    }
    if let Some(party) = expected.authorized_party {
        // OpenID Connect Core §3.1.3.7 (4)-(5): with several audiences the token must name the
        // party it was issued to, and when it names one, that must be this client.
        let several = matches!(&aud, Audience::Multiple(values) if values.len() > 1);
        match claims.azp.as_deref() {
            Some(azp) if azp != party => {
                return Err(TokenError::WrongAuthorizedParty { expected: party.to_owned() });
            }
            None if several => return Err(TokenError::WrongAuthorizedParty { expected: party.to_owned() }),
            _ => {}
        }
    }
    let leeway = expected.leeway_seconds as f64;
    let now = now as f64;
    let exp = claims.exp.ok_or(TokenError::MissingClaim("exp"))?;
    if now > exp + leeway {
        return Err(TokenError::Expired);
    }
    let iat = claims.iat.ok_or(TokenError::MissingClaim("iat"))?;
    if iat > now + leeway {
        return Err(TokenError::IssuedInFuture);
    }
    if expected.max_age_seconds.is_some_and(|max_age| iat < now - leeway - max_age as f64) {
        return Err(TokenError::IssuedTooLongAgo);
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + leeway) {
        return Err(TokenError::NotYetValid);
    }
    Ok(())
}

/// Verifies a compact JWS token's signature and claims and decodes its claims into `T`.
pub(crate) async fn verify_jwt<T: DeserializeOwned>(
    jwks: &JwksCache,
    http: &Http,
    token: &str,
    expected: &Expected<'_>,
) -> Result<T, TokenError> {
    let jws = Jws::parse(token)?;
    if let Some(types) = expected.types {
        let typ = jws.header.typ.as_deref();
        if !typ.map_or(types.contains(&""), |typ| types.iter().any(|t| t.eq_ignore_ascii_case(typ))) {
            return Err(TokenError::WrongType(typ.map(str::to_owned)));
        }
    }
    jwks.with_key(http, jws.header.kid.as_deref(), jws.algorithm, |key| {
        key.verify(jws.algorithm, jws.signing_input, &jws.signature)
    })
    .await?;
    check_claims(&jws.payload, expected, now_seconds())?;
    serde_json::from_slice(&jws.payload)
        .map_err(|e| TokenError::Malformed(format!("the claims do not have the expected shape: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://t.example/oidc",
            audience: "app",
            leeway_seconds: 60,
            require_sub: true,
            authorized_party: Some("app"),
            types: None,
            max_age_seconds: Some(600),
        }
    }

    fn check(claims: serde_json::Value) -> Result<(), TokenError> {
        check_claims(claims.to_string().as_bytes(), &expected(), NOW)
    }

    fn valid() -> serde_json::Value {
        serde_json::json!({"iss": "https://t.example/oidc", "sub": "u", "aud": "app", "exp": NOW + 3600, "iat": NOW})
    }

    #[test]
    fn accepts_valid_claims_and_audience_lists() {
        assert_eq!(check(valid()), Ok(()));
        let mut list = valid();
        list["aud"] = serde_json::json!(["other", "app"]);
        list["azp"] = serde_json::json!("app");
        assert_eq!(check(list), Ok(()));
        let mut single_in_list = valid();
        single_in_list["aud"] = serde_json::json!(["app"]);
        assert_eq!(check(single_in_list), Ok(()));
        let mut fractional = valid();
        fractional["exp"] = serde_json::json!(NOW as f64 + 0.5);
        fractional["iat"] = serde_json::json!(1e3);
        assert_eq!(
            check_claims(
                fractional.to_string().as_bytes(),
                &Expected { max_age_seconds: None, ..expected() },
                NOW
            ),
            Ok(())
        );
    }

    #[test]
    fn requires_each_registered_claim() {
        for claim in ["iss", "sub", "aud", "exp", "iat"] {
            let mut claims = valid();
            claims.as_object_mut().unwrap().remove(claim);
            assert_eq!(check(claims), Err(TokenError::MissingClaim(claim)), "{claim}");
        }
    }

    #[test]
    fn rejects_wrong_values_and_times() {
        let cases = [
            ("iss", serde_json::json!("https://evil/oidc")),
            ("aud", serde_json::json!("other")),
            ("aud", serde_json::json!(["a", "b"])),
            ("azp", serde_json::json!("other")),
            ("aud", serde_json::json!(["app", "other"])),
            ("iat", serde_json::json!(NOW - 661)),
            ("exp", serde_json::json!(NOW - 61)),
            ("iat", serde_json::json!(NOW + 61)),
            ("nbf", serde_json::json!(NOW + 61)),
        ];
        for (claim, value) in cases {
            let mut claims = valid();
            claims[claim] = value.clone();
            assert!(check(claims).is_err(), "{claim}={value}");
        }
        let mut within_leeway = valid();
        within_leeway["exp"] = serde_json::json!(NOW - 59);
        within_leeway["iat"] = serde_json::json!(NOW + 59);
        assert_eq!(check(within_leeway), Ok(()));
    }
}
