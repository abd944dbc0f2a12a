//! JWT verification: signature against the JWKS, then the registered claims (`iss`, `aud`,
//! `exp`, `iat`, `nbf`, `sub`) with a bounded clock leeway. `exp` is required except in logout
//! tokens ([`Expiry`]).

use super::jwks::JwksCache;
use super::jwt::{Algorithm, Jws};
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
    /// Which kind of JWT this must be; the kinds' rules exclude each other (RFC 8725 §3.12).
    pub(crate) kind: JwtKind<'a>,
    /// The algorithms accepted for this token (RFC 8725 §3.1), or every supported one.
    pub(crate) algorithms: Option<&'a [Algorithm]>,
    /// How long ago `iat` may be (beyond the leeway), or unbounded when `None`.
    pub(crate) max_age_seconds: Option<i64>,
    /// Whether the token must carry `exp`.
    pub(crate) expiry: Expiry,
}

/// Whether a token must carry `exp`. An `exp` that is there is always checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// `exp` is required (ID tokens, access tokens).
    Required,
    /// `exp` may be absent: the token then lives as long as [`Expected::max_age_seconds`] allows
    /// from its `iat`, and without a maximum age it is refused. For logout tokens only: every
    /// Logto before 1.42 signs them without `exp` (Back-Channel Logout §2.4 requires one).
    BoundedByIat,
}

/// The kind of JWT a verification expects.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::enum_variant_names, reason = "the variants are the three kinds of token the SDK reads")]
pub(crate) enum JwtKind<'a> {
    /// An ID token of the client `audience` (OpenID Connect Core §3.1.3.7): `sub` required, no
    /// audience but the client, `azp` (if any) the client, `typ` absent or `JWT`, and no
    /// `events` claim (that is a logout token).
    IdToken,
    /// An access token: `typ` one of these (case-insensitive), or any when `None`.
    AccessToken { types: Option<&'a [&'a str]> },
    /// A back-channel logout token (Back-Channel Logout §2.4): `typ` absent or `logout+jwt`; its
    /// own claims (`events`, `sub` or `sid`, no `nonce`) are checked by its model.
    LogoutToken,
}

/// The `typ` values of an ID token (RFC 7519 §5.1); absent is fine too.
const ID_TOKEN_TYPES: [&str; 2] = ["JWT", "application/jwt"];
/// The `typ` values of a logout token (Back-Channel Logout §2.4); absent is fine too.
const LOGOUT_TOKEN_TYPES: [&str; 2] = ["logout+jwt", "application/logout+jwt"];

/// Checks the `typ` header against the kind of token expected (RFC 8725 §3.11).
pub(crate) fn check_type(typ: Option<&str>, kind: JwtKind<'_>) -> Result<(), TokenError> {
    let accepted = match (kind, typ) {
        (JwtKind::IdToken | JwtKind::LogoutToken, None) | (JwtKind::AccessToken { types: None }, _) => true,
        (JwtKind::IdToken, Some(typ)) => ID_TOKEN_TYPES.iter().any(|t| t.eq_ignore_ascii_case(typ)),
        (JwtKind::LogoutToken, Some(typ)) => LOGOUT_TOKEN_TYPES.iter().any(|t| t.eq_ignore_ascii_case(typ)),
        (JwtKind::AccessToken { types: Some(types) }, typ) => {
            typ.is_some_and(|typ| types.iter().any(|t| t.eq_ignore_ascii_case(typ)))
        }
    };
    if accepted { Ok(()) } else { Err(TokenError::WrongType(typ.map(str::to_owned))) }
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
    /// Present in logout tokens (Back-Channel Logout §2.4) and other security event tokens.
    events: Option<serde::de::IgnoredAny>,
}

/// Checks the registered claims of a payload whose signature was verified.
pub(crate) fn check_claims(payload: &[u8], expected: &Expected<'_>, now: i64) -> Result<(), TokenError> {
    let claims: Registered = serde_json::from_slice(payload).map_err(|e| {
        TokenError::Malformed(format!(
            "the payload is not a JSON claims set: {}",
            crate::error::json_error(&e)
        ))
    })?;
    let iss = claims.iss.ok_or(TokenError::MissingClaim("iss"))?;
    if iss != expected.issuer {
        return Err(TokenError::WrongIssuer { expected: expected.issuer.to_owned(), actual: iss });
    }
    let id_token = matches!(expected.kind, JwtKind::IdToken);
    if id_token && claims.sub.as_deref().is_none_or(str::is_empty) {
        return Err(TokenError::MissingClaim("sub"));
    }
    let aud = claims.aud.ok_or(TokenError::MissingClaim("aud"))?;
    if !aud.contains(expected.audience) {
        return Err(TokenError::WrongAudience { expected: expected.audience.to_owned() });
    }
    if id_token {
        // OpenID Connect Core §3.1.3.7 (3): no audience the client does not trust; the SDK
        // trusts none but itself (Logto never adds one).
        if aud.iter().any(|audience| audience != expected.audience) {
            return Err(TokenError::UntrustedAudience);
        }
        // (4)-(5): when the token names the party it was issued to, that must be this client.
        if claims.azp.as_deref().is_some_and(|azp| azp != expected.audience) {
            return Err(TokenError::WrongAuthorizedParty { expected: expected.audience.to_owned() });
        }
        // RFC 8725 §3.12: a logout token (or any security event token) is not an ID token.
        if claims.events.is_some() {
            return Err(TokenError::UnexpectedClaim("events"));
        }
    }
    let leeway = expected.leeway_seconds as f64;
    let now = now as f64;
    match (claims.exp, expected.expiry) {
        (Some(exp), _) if now > exp + leeway => return Err(TokenError::Expired),
        (Some(_), _) => {}
        // Its age is bounded below, by `iat`.
        (None, Expiry::BoundedByIat) if expected.max_age_seconds.is_some() => {}
        (None, _) => return Err(TokenError::MissingClaim("exp")),
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
    if expected.algorithms.is_some_and(|allowed| !allowed.contains(&jws.algorithm)) {
        return Err(TokenError::DisallowedAlgorithm(jws.algorithm.as_str().to_owned()));
    }
    check_type(jws.header.typ.as_deref(), expected.kind)?;
    jwks.with_key(http, jws.header.kid.as_deref(), jws.algorithm, |key| {
        key.verify(jws.signing_input, &jws.signature)
    })
    .await?;
    check_claims(&jws.payload, expected, now_seconds())?;
    serde_json::from_slice(&jws.payload).map_err(|e| {
        TokenError::Malformed(format!(
            "the claims do not have the expected shape: {}",
            crate::error::json_error(&e)
        ))
    })
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
            kind: JwtKind::IdToken,
            algorithms: None,
            max_age_seconds: Some(600),
            expiry: Expiry::Required,
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
        assert_eq!(check(list.clone()), Err(TokenError::UntrustedAudience), "an ID token is ours only");
        let access = Expected { kind: JwtKind::AccessToken { types: None }, ..expected() };
        assert_eq!(
            check_claims(list.to_string().as_bytes(), &access, NOW),
            Ok(()),
            "RFC 9068 allows several"
        );
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
            ("events", serde_json::json!({})),
            ("sub", serde_json::json!("")),
        ];
        for (claim, value) in cases {
            let mut claims = valid();
            claims[claim] = value.clone();
            assert!(check(claims).is_err(), "{claim}={value}");
        }
        let mut access_without_sub = valid();
        access_without_sub.as_object_mut().unwrap().remove("sub");
        access_without_sub["events"] = serde_json::json!({});
        let access = Expected { kind: JwtKind::AccessToken { types: None }, ..expected() };
        assert_eq!(check_claims(access_without_sub.to_string().as_bytes(), &access, NOW), Ok(()));
        let mut within_leeway = valid();
        within_leeway["exp"] = serde_json::json!(NOW - 59);
        within_leeway["iat"] = serde_json::json!(NOW + 59);
        assert_eq!(check(within_leeway), Ok(()));
    }

    #[test]
    fn only_a_logout_token_may_go_without_exp_and_then_its_iat_bounds_it() {
        let logout = Expected { kind: JwtKind::LogoutToken, expiry: Expiry::BoundedByIat, ..expected() };
        let check_logout =
            |claims: &serde_json::Value| check_claims(claims.to_string().as_bytes(), &logout, NOW);
        // Logto before 1.42.
        let logto = serde_json::json!({"iss": "https://t.example/oidc", "aud": "app", "iat": NOW,
            "jti": "j", "sid": "s", "sub": "u", "events": {"http://schemas.openid.net/event/backchannel-logout": {}}});
        assert_eq!(check_logout(&logto), Ok(()));
        let cases = [
            ("iat", serde_json::json!(NOW - 659), Ok(())),
            ("iat", serde_json::json!(NOW - 661), Err(TokenError::IssuedTooLongAgo)),
            ("iat", serde_json::json!(NOW + 59), Ok(())),
            ("iat", serde_json::json!(NOW + 61), Err(TokenError::IssuedInFuture)),
            ("exp", serde_json::json!(NOW + 120), Ok(())),
            ("exp", serde_json::json!(NOW - 61), Err(TokenError::Expired)),
            ("nbf", serde_json::json!(NOW + 61), Err(TokenError::NotYetValid)),
        ];
        for (claim, value, outcome) in cases {
            let mut claims = logto.clone();
            claims[claim] = value.clone();
            assert_eq!(check_logout(&claims), outcome, "{claim}={value}");
        }
        let mut without_iat = logto.clone();
        without_iat.as_object_mut().unwrap().remove("iat");
        assert_eq!(check_logout(&without_iat), Err(TokenError::MissingClaim("iat")));
        let unbounded = Expected { max_age_seconds: None, ..logout };
        assert_eq!(
            check_claims(logto.to_string().as_bytes(), &unbounded, NOW),
            Err(TokenError::MissingClaim("exp")),
            "no exp and no maximum age would never end"
        );

        let mut without_exp = valid();
        without_exp.as_object_mut().unwrap().remove("exp");
        let access = Expected { kind: JwtKind::AccessToken { types: None }, ..expected() };
        for expected in [expected(), Expected { max_age_seconds: None, ..expected() }, access] {
            assert_eq!(
                check_claims(without_exp.to_string().as_bytes(), &expected, NOW),
                Err(TokenError::MissingClaim("exp")),
                "{:?}",
                expected.kind
            );
        }
    }

    #[test]
    fn id_tokens_and_access_tokens_have_exclusive_types() {
        for typ in [None, Some("JWT"), Some("jwt"), Some("application/JWT")] {
            assert_eq!(check_type(typ, JwtKind::IdToken), Ok(()), "{typ:?}");
        }
        for typ in ["at+jwt", "application/at+jwt", "logout+jwt", "", "JWS"] {
            assert!(check_type(Some(typ), JwtKind::IdToken).is_err(), "{typ:?}");
        }
        let access = JwtKind::AccessToken { types: Some(&["at+jwt", "application/at+jwt"]) };
        assert_eq!(check_type(Some("AT+JWT"), access), Ok(()));
        for typ in [None, Some("JWT"), Some("logout+jwt")] {
            assert!(check_type(typ, access).is_err(), "{typ:?}");
        }
        assert_eq!(check_type(None, JwtKind::AccessToken { types: None }), Ok(()));
        for typ in [None, Some("logout+jwt"), Some("application/logout+JWT")] {
            assert_eq!(check_type(typ, JwtKind::LogoutToken), Ok(()), "{typ:?}");
        }
        for typ in ["JWT", "at+jwt"] {
            assert!(check_type(Some(typ), JwtKind::LogoutToken).is_err(), "{typ:?}");
        }
    }
}
