//! The one error type of the SDK, and the reasons a token is rejected.

use std::fmt;

/// A result whose error is [`LogtoError`].
pub type Result<T, E = LogtoError> = std::result::Result<T, E>;

/// Everything that can go wrong in the SDK.
///
/// Match on the variant to tell the cases apart; the `Display` text is written for a developer
/// reading a log and never contains a token, a secret or a code verifier.
///
/// ```
/// use logto::LogtoError;
///
/// fn status_for(error: &LogtoError) -> u16 {
///     match error {
///         LogtoError::NotAuthenticated => 401,
///         LogtoError::Server { status, .. } => *status,
///         _ => 500,
///     }
/// }
/// assert_eq!(status_for(&LogtoError::NotAuthenticated), 401);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogtoError {
    /// No user is signed in (no ID token or no refresh token in the storage).
    #[error("not authenticated: sign in first")]
    NotAuthenticated,
    /// A callback arrived but no sign-in session is stored: the sign-in was never started with
    /// this storage, or the callback was already handled (a replay).
    #[error("no sign-in session is stored: start the sign-in again")]
    SignInSessionMissing,
    /// The callback URL does not match the redirect URI of the sign-in session by scheme, host,
    /// port and path.
    #[error("the callback URL does not match the redirect URI `{expected}` (got `{actual}`)")]
    RedirectUriMismatch {
        /// The redirect URI stored when the sign-in started.
        expected: String,
        /// The callback URL without its query.
        actual: String,
    },
    /// The callback's `state` is missing or differs from the one stored at sign-in: a forged or
    /// stale callback.
    #[error("the callback's state does not match the sign-in session")]
    StateMismatch,
    /// The callback carries neither `code` nor `error`.
    #[error("the callback has no authorization code")]
    MissingCode,
    /// The identity server redirected back with an error (for example `access_denied`).
    #[error("the sign-in failed: {error}{}", fmt_description(.error_description))]
    Callback {
        /// The OAuth error code.
        error: String,
        /// The server's description of the error, if any.
        error_description: Option<String>,
    },
    /// The callback's `iss` parameter (RFC 9207) is missing or names another issuer.
    #[error("the callback's issuer {actual:?} is not the expected issuer `{expected}`")]
    CallbackIssuerMismatch {
        /// The issuer of the provider metadata.
        expected: String,
        /// The `iss` parameter of the callback, if any.
        actual: Option<String>,
    },
    /// The discovery document names another issuer than `{endpoint}/oidc`.
    #[error("the discovery document's issuer `{actual}` is not the expected issuer `{expected}`")]
    DiscoveryIssuerMismatch {
        /// `{endpoint}/oidc`.
        expected: String,
        /// The `issuer` of the discovery document.
        actual: String,
    },
    /// An ID token failed verification.
    #[error("invalid ID token: {0}")]
    InvalidIdToken(#[source] TokenError),
    /// An access token could not be decoded or failed verification.
    #[error("invalid access token: {0}")]
    InvalidAccessToken(#[source] TokenError),
    /// The userinfo response is about another user than the ID token.
    #[error("the userinfo `sub` does not match the ID token's `sub`")]
    UserInfoSubjectMismatch,
    /// The identity server answered with an error status.
    #[error("the identity server answered {status}{}{}", fmt_error(.error), fmt_description(.error_description))]
    Server {
        /// The HTTP status code.
        status: u16,
        /// The OAuth `error` (or Logto `code`) of the body, if any.
        error: Option<String>,
        /// The `error_description` (or Logto `message`) of the body, if any.
        error_description: Option<String>,
    },
    /// The identity server could not be reached.
    #[error("network error calling the identity server ({endpoint}): {source}")]
    Network {
        /// What was called, without query.
        endpoint: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The identity server did not answer in time.
    #[error("the identity server did not answer in time ({endpoint})")]
    Timeout {
        /// What was called, without query.
        endpoint: String,
    },
    /// The identity server answered something the SDK cannot read (not JSON, malformed, too
    /// large, or missing a required field).
    #[error("unreadable response from the identity server ({endpoint}): {reason}")]
    InvalidResponse {
        /// What was called, without query.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Organization tokens need the `urn:logto:scope:organizations` scope in the config.
    #[error("organization tokens need the `urn:logto:scope:organizations` scope in the config")]
    OrganizationsScopeMissing,
    /// The provider has no `end_session_endpoint`.
    #[error("the identity server does not support RP-initiated logout (no end_session_endpoint)")]
    EndSessionUnsupported,
    /// The callback URL is not an absolute URL.
    #[error("the callback URL cannot be parsed: {0}")]
    InvalidCallbackUrl(String),
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A sign-in extra parameter would override one the SDK must control.
    #[error("the sign-in parameter `{0}` is set by the SDK and cannot be overridden")]
    ReservedParameter(String),
    /// The storage failed.
    #[error("storage error: {0}")]
    Storage(#[from] StorageError),
    /// A stored value cannot be read; it is left in place untouched.
    #[error("the stored `{key}` value is unreadable: {reason}")]
    CorruptStorage {
        /// The storage key.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl LogtoError {
    /// Whether the identity server was down, unreachable or too slow.
    pub fn is_network(&self) -> bool {
        matches!(self, Self::Network { .. } | Self::Timeout { .. })
    }

    /// The OAuth error code sent by the server (token endpoint or callback), if any.
    ///
    /// ```
    /// let error = logto::LogtoError::Callback { error: "access_denied".into(), error_description: None };
    /// assert_eq!(error.oauth_error(), Some("access_denied"));
    /// ```
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Self::Server { error, .. } => error.as_deref(),
            Self::Callback { error, .. } => Some(error),
            _ => None,
        }
    }
}

fn fmt_error(error: &Option<String>) -> String {
    error.as_deref().map(|e| format!(" {e}")).unwrap_or_default()
}

fn fmt_description(description: &Option<String>) -> String {
    description.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

/// Why a JWT (ID token or access token) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not a compact JWS, bad base64 or bad JSON.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The `alg` is not an allowed asymmetric algorithm (`none` and HMAC are never allowed) or
    /// does not match the key.
    #[error("algorithm `{0}` is not allowed")]
    DisallowedAlgorithm(String),
    /// No key of the JWKS matches the token's `kid` (after one refetch).
    #[error("no signing key matches kid {0:?}")]
    UnknownKey(Option<String>),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// A required claim is missing.
    #[error("the `{0}` claim is missing")]
    MissingClaim(&'static str),
    /// The issuer is not the expected one.
    #[error("issuer `{actual}` is not the expected `{expected}`")]
    WrongIssuer {
        /// The expected issuer.
        expected: String,
        /// The token's `iss`.
        actual: String,
    },
    /// The audience does not contain the expected value.
    #[error("audience does not contain `{expected}`")]
    WrongAudience {
        /// The expected audience.
        expected: String,
    },
    /// `exp` is in the past (beyond the leeway).
    #[error("the token expired")]
    Expired,
    /// `iat` is in the future (beyond the leeway).
    #[error("the token was issued in the future")]
    IssuedInFuture,
    /// `nbf` is in the future (beyond the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// The token's type (`typ` header) is not the expected one.
    #[error("token type {0:?} is not accepted")]
    WrongType(Option<String>),
    /// The token lacks a scope the caller requires.
    #[error("the token lacks the scope `{0}`")]
    MissingScope(String),
    /// A refreshed ID token names another user than the signed-in one.
    #[error("the token's subject is not the signed-in user")]
    SubjectChanged,
    /// The JWKS could not be fetched or read.
    #[error("the signing keys are unavailable: {0}")]
    KeysUnavailable(String),
}

/// A failure of a [`Storage`](crate::Storage) implementation.
///
/// ```
/// let error = logto::StorageError::new("redis is down");
/// assert_eq!(error.to_string(), "redis is down");
/// ```
#[derive(Debug)]
pub struct StorageError(Box<dyn std::error::Error + Send + Sync>);

impl StorageError {
    /// Wraps any error (or message) of a storage backend.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(error.into())
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
