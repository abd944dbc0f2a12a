//! [`BearerError`]: why a bearer token was refused, with its RFC 6750 error code, status and
//! challenge, and how the token is read from the `Authorization` header (RFC 6750 §2.1).

use crate::error::TokenError;

/// Why a bearer token was refused, with the RFC 6750 error code and HTTP status to answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// No `Authorization: Bearer` header (none, or another scheme).
    #[error("no bearer token")]
    Missing,
    /// The request is malformed (RFC 6750 §3.1 `invalid_request`): a bearer credential that is
    /// not a b64token (§2.1), `Bearer` without a credential, or more than one `Authorization`
    /// header. The text says which, in fixed words.
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// The token is malformed, forged, expired or for another audience.
    #[error("invalid token: {0}")]
    InvalidToken(TokenError),
    /// The token is valid but lacks scopes the resource requires.
    #[error("insufficient scope: `{}` is missing", .missing.join(" "))]
    InsufficientScope {
        /// Every scope the resource requires (the challenge's `scope` attribute).
        required: Vec<String>,
        /// The required scopes the token lacks.
        missing: Vec<String>,
    },
}

impl BearerError {
    /// The HTTP status: 400 for a malformed request, 401, 403 for a missing scope, or 503 when
    /// the identity server's keys cannot be fetched (the token may well be valid).
    ///
    /// ```
    /// use logto::{TokenError, verifier::BearerError};
    /// assert_eq!(BearerError::InvalidToken(TokenError::Expired).status(), 401);
    /// assert_eq!(BearerError::InvalidToken(TokenError::KeysUnavailable("down".into())).status(), 503);
    /// assert_eq!(BearerError::token_from_header(Some("Bearer a b")).unwrap_err().status(), 400);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidRequest(_) => 400,
            Self::InsufficientScope { .. } => 403,
            Self::InvalidToken(TokenError::KeysUnavailable(_)) => 503,
            _ => 401,
        }
    }

    /// The RFC 6750 error code (`None` when no token was sent, as §3.1 asks, and when the keys
    /// to check it are unavailable).
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            Self::Missing => None,
            Self::InvalidRequest(_) => Some("invalid_request"),
            // The token may well be valid: `invalid_token` would tell the client to drop it.
            Self::InvalidToken(TokenError::KeysUnavailable(_)) => None,
            Self::InvalidToken(_) => Some("invalid_token"),
            Self::InsufficientScope { .. } => Some("insufficient_scope"),
        }
    }

    /// The `WWW-Authenticate` header value for this error. Every value is reduced to the
    /// characters RFC 6750 §3 allows in it, so the challenge is always a valid header value.
    ///
    /// ```
    /// use logto::verifier::BearerError;
    /// assert_eq!(BearerError::Missing.www_authenticate(None), r#"Bearer"#);
    /// let error = BearerError::InsufficientScope { required: vec!["read".into(), "write".into()], missing: vec!["write".into()] };
    /// assert_eq!(
    ///     error.www_authenticate(Some("api")),
    ///     r#"Bearer realm="api", error="insufficient_scope", error_description="the scope `write` is missing", scope="read write""#
    /// );
    /// ```
    pub fn www_authenticate(&self, realm: Option<&str>) -> String {
        let mut parts = Vec::new();
        if let Some(realm) = realm {
            parts.push(format!("realm=\"{}\"", quoted_text(realm)));
        }
        if let Some(code) = self.error_code() {
            parts.push(format!("error=\"{code}\""));
            parts.push(format!("error_description=\"{}\"", quoted_text(&self.description())));
        }
        if let Self::InsufficientScope { required, .. } = self {
            parts.push(format!("scope=\"{}\"", quoted_text(&required.join(" "))));
        }
        if parts.is_empty() { "Bearer".to_owned() } else { format!("Bearer {}", parts.join(", ")) }
    }

    /// A short ASCII description for the client (`error_description`). It never repeats what
    /// the token or the request said (a token's `alg`, `kid`, `typ` or claims are
    /// attacker-controlled text), only which check failed.
    ///
    /// ```
    /// use logto::{TokenError, verifier::BearerError};
    /// let error = BearerError::InvalidToken(TokenError::DisallowedAlgorithm("<script>".repeat(1000)));
    /// assert_eq!(error.description(), "the token's algorithm is not accepted");
    /// ```
    pub fn description(&self) -> std::borrow::Cow<'static, str> {
        let text = match self {
            Self::Missing => "no bearer token",
            Self::InvalidRequest(reason) => reason,
            Self::InsufficientScope { missing, .. } => {
                let noun = if missing.len() == 1 { "scope" } else { "scopes" };
                let verb = if missing.len() == 1 { "is" } else { "are" };
                return format!("the {noun} `{}` {verb} missing", missing.join(" ")).into();
            }
            Self::InvalidToken(reason) => match reason {
                TokenError::Malformed(_) => "the token is malformed",
                TokenError::DisallowedAlgorithm(_) => "the token's algorithm is not accepted",
                TokenError::UnknownKey(_) => "no signing key matches the token",
                TokenError::BadSignature => "the token's signature does not verify",
                TokenError::MissingClaim(_) => "the token lacks a required claim",
                TokenError::UnexpectedClaim(_) => "the token carries a claim it must not have",
                TokenError::WrongIssuer { .. } => "the token is from another issuer",
                TokenError::WrongAudience { .. }
                | TokenError::WrongAuthorizedParty { .. }
                | TokenError::UntrustedAudience => "the token is for another audience",
                TokenError::Expired => "the token expired",
                TokenError::IssuedInFuture | TokenError::NotYetValid => "the token is not valid yet",
                TokenError::WrongType(_) => "the token is not an access token",
                TokenError::KeysUnavailable(_) => "the signing keys are unavailable",
                _ => "the token is invalid",
            },
        };
        text.into()
    }

    /// The token of an `Authorization` header value (RFC 6750 §2.1: `Bearer`, case-insensitive,
    /// then a b64token). No header or another scheme is [`BearerError::Missing`]; `Bearer`
    /// without a credential or with one that is not a b64token is
    /// [`BearerError::InvalidRequest`].
    ///
    /// ```
    /// use logto::verifier::BearerError;
    /// assert_eq!(BearerError::token_from_header(Some("Bearer abc")), Ok("abc"));
    /// assert_eq!(BearerError::token_from_header(Some("bearer a.b-c_d~e+f/g==")), Ok("a.b-c_d~e+f/g=="));
    /// assert_eq!(BearerError::token_from_header(Some("Basic abc")), Err(BearerError::Missing));
    /// assert_eq!(BearerError::token_from_header(None), Err(BearerError::Missing));
    /// assert!(matches!(BearerError::token_from_header(Some("Bearer a b")), Err(BearerError::InvalidRequest(_))));
    /// assert!(matches!(BearerError::token_from_header(Some("Bearer")), Err(BearerError::InvalidRequest(_))));
    /// ```
    pub fn token_from_header(header: Option<&str>) -> Result<&str, BearerError> {
        let header = header.ok_or(BearerError::Missing)?;
        let (scheme, credentials) = header.split_once(' ').unwrap_or((header, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(BearerError::Missing);
        }
        let token = credentials.trim_matches([' ', '\t']);
        if token.is_empty() {
            return Err(BearerError::InvalidRequest("the bearer token is missing"));
        }
        if !is_b64token(token) {
            return Err(BearerError::InvalidRequest(
                "the bearer token is not a b64token (RFC 6750 section 2.1)",
            ));
        }
        Ok(token)
    }

    /// The token of a request's `Authorization` header values (every one the request carries,
    /// as bytes): none is [`BearerError::Missing`], more than one or one that is not text is
    /// [`BearerError::InvalidRequest`], one is read by [`token_from_header`](Self::token_from_header).
    ///
    /// ```
    /// use logto::verifier::BearerError;
    /// let one: [&[u8]; 1] = [b"Bearer abc"];
    /// assert_eq!(BearerError::token_from_header_values(one), Ok("abc"));
    /// let two: [&[u8]; 2] = [b"Bearer abc", b"Bearer def"];
    /// assert_eq!(BearerError::token_from_header_values(two).unwrap_err().error_code(), Some("invalid_request"));
    /// assert_eq!(BearerError::token_from_header_values(Vec::<&[u8]>::new()), Err(BearerError::Missing));
    /// ```
    pub fn token_from_header_values<'a>(
        values: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<&'a str, BearerError> {
        let mut values = values.into_iter();
        let Some(value) = values.next() else { return Err(BearerError::Missing) };
        if values.next().is_some() {
            return Err(BearerError::InvalidRequest("the request has more than one Authorization header"));
        }
        let value = std::str::from_utf8(value)
            .map_err(|_| BearerError::InvalidRequest("the Authorization header is not text"))?;
        Self::token_from_header(Some(value))
    }
}

/// RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'))
}

/// `value` reduced to what RFC 6750 §3 allows inside a quoted auth-param value
/// (`%x20-21 / %x23-5B / %x5D-7E`: visible ASCII and space, without `"` and `\`).
fn quoted_text(value: &str) -> String {
    value.chars().filter(|c| matches!(*c as u32, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_values_keep_only_allowed_characters() {
        let challenge =
            BearerError::InvalidToken(TokenError::Expired).www_authenticate(Some("a\"b\\c\nd é\r\u{0}e"));
        assert_eq!(
            challenge,
            r#"Bearer realm="abcd e", error="invalid_token", error_description="the token expired""#
        );
        assert!(challenge.bytes().all(|b| (0x20..0x7F).contains(&b)));
    }

    #[test]
    fn b64token_syntax() {
        for good in ["a", "aZ09-._~+/", "abc==", "eyJ.eyJ.sig"] {
            assert!(is_b64token(good), "{good}");
        }
        for bad in ["", "=", "==abc", "a=b", "a b", "a,b", "é", "a\"b", "a\\b"] {
            assert!(!is_b64token(bad), "{bad}");
        }
    }
}
