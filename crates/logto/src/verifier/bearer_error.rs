//! [`BearerError`]: why a bearer token was refused, with its RFC 6750 error code, status and
//! challenge.

use crate::error::TokenError;

/// Why a bearer token was refused, with the RFC 6750 error code and HTTP status to answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// No `Authorization: Bearer` header (or another scheme).
    #[error("no bearer token")]
    Missing,
    /// The token is malformed, forged, expired or for another audience.
    #[error("invalid token: {0}")]
    InvalidToken(TokenError),
    /// The token is valid but lacks a required scope.
    #[error("insufficient scope: `{0}` is required")]
    InsufficientScope(String),
}

impl BearerError {
    /// The HTTP status: 401, 403 for a missing scope, or 503 when the identity server's keys
    /// cannot be fetched (the token may well be valid).
    ///
    /// ```
    /// use logto::{TokenError, verifier::BearerError};
    /// assert_eq!(BearerError::InvalidToken(TokenError::Expired).status(), 401);
    /// assert_eq!(BearerError::InvalidToken(TokenError::KeysUnavailable("down".into())).status(), 503);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            Self::InsufficientScope(_) => 403,
            Self::InvalidToken(TokenError::KeysUnavailable(_)) => 503,
            _ => 401,
        }
    }

    /// The RFC 6750 error code (`None` when no token was sent, as §3.1 asks, and when the keys
    /// to check it are unavailable).
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            Self::Missing => None,
            // The token may well be valid: `invalid_token` would tell the client to drop it.
            Self::InvalidToken(TokenError::KeysUnavailable(_)) => None,
            Self::InvalidToken(_) => Some("invalid_token"),
            Self::InsufficientScope(_) => Some("insufficient_scope"),
        }
    }

    /// The `WWW-Authenticate` header value for this error.
    ///
    /// ```
    /// use logto::verifier::BearerError;
    /// assert_eq!(BearerError::Missing.www_authenticate(None), r#"Bearer"#);
    /// assert_eq!(
    ///     BearerError::InsufficientScope("write".into()).www_authenticate(Some("api")),
    ///     r#"Bearer realm="api", error="insufficient_scope", error_description="the scope `write` is required", scope="write""#
    /// );
    /// ```
    pub fn www_authenticate(&self, realm: Option<&str>) -> String {
        let quote = |value: &str| value.replace(['"', '\\'], "");
        let mut parts = Vec::new();
        if let Some(realm) = realm {
            parts.push(format!("realm=\"{}\"", quote(realm)));
        }
        if let Some(code) = self.error_code() {
            parts.push(format!("error=\"{code}\""));
            parts.push(format!("error_description=\"{}\"", quote(&self.description())));
        }
        if let Self::InsufficientScope(scope) = self {
            parts.push(format!("scope=\"{}\"", quote(scope)));
        }
        if parts.is_empty() { "Bearer".to_owned() } else { format!("Bearer {}", parts.join(", ")) }
    }

    /// A short ASCII description for the client (`error_description`). It never repeats what
    /// the token said (its `alg`, `kid`, `typ` or claims are attacker-controlled text), only
    /// which check failed.
    ///
    /// ```
    /// use logto::{TokenError, verifier::BearerError};
    /// let error = BearerError::InvalidToken(TokenError::DisallowedAlgorithm("<script>".repeat(1000)));
    /// assert_eq!(error.description(), "the token's algorithm is not accepted");
    /// ```
    pub fn description(&self) -> std::borrow::Cow<'static, str> {
        let text = match self {
            Self::Missing => "no bearer token",
            Self::InsufficientScope(scope) => return format!("the scope `{scope}` is required").into(),
            Self::InvalidToken(reason) => match reason {
                TokenError::Malformed(_) => "the token is malformed",
                TokenError::DisallowedAlgorithm(_) => "the token's algorithm is not accepted",
                TokenError::UnknownKey(_) => "no signing key matches the token",
                TokenError::BadSignature => "the token's signature does not verify",
                TokenError::MissingClaim(_) => "the token lacks a required claim",
                TokenError::WrongIssuer { .. } => "the token is from another issuer",
                TokenError::WrongAudience { .. } | TokenError::WrongAuthorizedParty { .. } => {
                    "the token is for another audience"
                }
                TokenError::Expired => "the token expired",
                TokenError::IssuedInFuture | TokenError::NotYetValid => "the token is not valid yet",
                TokenError::WrongType(_) => "the token is not an access token",
                TokenError::KeysUnavailable(_) => "the signing keys are unavailable",
                _ => "the token is invalid",
            },
        };
        text.into()
    }

    /// The token of an `Authorization` header value, or [`BearerError::Missing`].
    ///
    /// ```
    /// use logto::verifier::BearerError;
    /// assert_eq!(BearerError::token_from_header(Some("Bearer abc")), Ok("abc"));
    /// assert_eq!(BearerError::token_from_header(Some("bearer abc")), Ok("abc"));
    /// assert_eq!(BearerError::token_from_header(Some("Basic abc")), Err(BearerError::Missing));
    /// assert_eq!(BearerError::token_from_header(None), Err(BearerError::Missing));
    /// ```
    pub fn token_from_header(header: Option<&str>) -> Result<&str, BearerError> {
        let header = header.ok_or(BearerError::Missing)?;
        let (scheme, token) = header.split_once(' ').ok_or(BearerError::Missing)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(BearerError::Missing);
        }
        Ok(token)
    }
}
