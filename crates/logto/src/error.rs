//! The errors of the SDK: [`LogtoError`] with its groups ([`CallbackError`], [`TokenError`],
//! [`OrganizationError`], [`ServerError`]) and [`ErrorKind`], the coarse class every face maps to
//! a status code or an exception.

use std::fmt;

/// A result whose error is [`LogtoError`].
pub type Result<T, E = LogtoError> = std::result::Result<T, E>;

/// Everything that can go wrong in the SDK.
///
/// Use [`kind`](Self::kind) or the `is_*` helpers to decide what to do; match on the variant for
/// the details. The `Display` text is written for a developer reading a log: it names the
/// endpoint (without query) and the cause chain, and never contains a token, a secret or a code
/// verifier.
///
/// ```
/// use logto::{ErrorKind, LogtoError};
///
/// fn status_for(error: &LogtoError) -> u16 {
///     match error.kind() {
///         ErrorKind::NotAuthenticated | ErrorKind::SignInRequired => 401,
///         ErrorKind::Callback => 400,
///         ErrorKind::Network | ErrorKind::Server if error.is_timeout() => 504,
///         ErrorKind::Network | ErrorKind::Server => 502,
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
    /// The session's grant is gone (the identity server refused the refresh token: revoked,
    /// expired or already used). The session's tokens were cleared; the user must sign in again.
    #[error("the session has ended ({reason}): sign in again")]
    SignInRequired {
        /// What the identity server said (for example `invalid_grant: grant request is invalid`).
        reason: String,
    },
    /// The sign-in callback was refused.
    #[error("sign-in callback refused: {0}")]
    Callback(#[from] CallbackError),
    /// The discovery document names another issuer than the expected one.
    #[error("the discovery document's issuer `{actual}` is not the expected issuer `{expected}`")]
    DiscoveryIssuerMismatch {
        /// The expected issuer (`{endpoint}/oidc` for Logto).
        expected: String,
        /// The `issuer` of the discovery document.
        actual: String,
    },
    /// An ID token failed decoding or verification.
    #[error("invalid ID token: {0}")]
    InvalidIdToken(#[source] TokenError),
    /// An access token could not be decoded or failed verification.
    #[error("invalid access token: {0}")]
    InvalidAccessToken(#[source] TokenError),
    /// A back-channel logout token failed verification, or was seen before (a replay).
    #[error("invalid logout token: {0}")]
    InvalidLogoutToken(#[source] TokenError),
    /// The identity server does not let this app use a grant (for example token exchange on an
    /// app without it enabled).
    #[error("the app may not use the `{grant_type}` grant: {description}")]
    GrantNotAllowed {
        /// The grant type.
        grant_type: &'static str,
        /// What the server said.
        description: String,
    },
    /// The userinfo response is about another user than the ID token.
    #[error("the userinfo `sub` does not match the ID token's `sub`")]
    UserInfoSubjectMismatch,
    /// An organization token was refused.
    #[error("no token for organization `{organization_id}`: {reason}")]
    Organization {
        /// The organization.
        organization_id: String,
        /// Why.
        #[source]
        reason: OrganizationError,
    },
    /// The identity server answered with an error status.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The identity server could not be reached.
    #[error("cannot reach the identity server at {endpoint}: {}", SourceChain(&**.source))]
    Network {
        /// What was called, without query.
        endpoint: String,
        /// The cause (a `reqwest::Error`, or the failure another request shared).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
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
    /// The provider does not offer what was asked (for example no `end_session_endpoint`).
    #[error("the identity server does not support {0}")]
    Unsupported(&'static str),
    /// The configuration or an argument is unusable.
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
    /// The refresh coordination (a shared store such as Redis) failed or did not answer in time;
    /// no token request was made.
    #[error("refresh coordination failed: {0}")]
    Coordination(#[from] CoordinationError),
    /// A failure inside the SDK (a background task that died); please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

/// A failure of a [`Coordinator`](crate::coordination::Coordinator).
///
/// ```
/// let error = logto::CoordinationError::new("redis is down");
/// assert_eq!(error.to_string(), "redis is down");
/// ```
#[derive(Debug)]
pub struct CoordinationError(Box<dyn std::error::Error + Send + Sync>);

impl CoordinationError {
    /// Wraps any error (or message) of a coordination backend.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(error.into())
    }
}

impl fmt::Display for CoordinationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", SourceChain(&*self.0))
    }
}

impl std::error::Error for CoordinationError {}

/// The coarse class of a [`LogtoError`]: what the web faces turn into a status code and the
/// Python package into an exception class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Nobody is signed in.
    NotAuthenticated,
    /// The session ended at the identity server; its tokens were cleared.
    SignInRequired,
    /// The sign-in callback was refused (bad or stale request, or the user denied).
    Callback,
    /// A token failed verification, or userinfo names another user.
    InvalidToken,
    /// An organization token was refused (not a member, missing scope).
    Organization,
    /// The identity server answered with an error status.
    Server,
    /// The identity server could not be reached or was too slow.
    Network,
    /// The identity server answered something unreadable, or is not the expected issuer.
    InvalidResponse,
    /// The configuration, an argument, or an unsupported feature.
    Config,
    /// The storage failed or holds an unreadable value.
    Storage,
    /// The refresh coordination store failed or was too slow.
    Coordination,
    /// A bug in the SDK.
    Internal,
}

impl LogtoError {
    /// The coarse class of the error.
    ///
    /// ```
    /// use logto::{CallbackError, ErrorKind, LogtoError};
    /// assert_eq!(LogtoError::from(CallbackError::StateMismatch).kind(), ErrorKind::Callback);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotAuthenticated => ErrorKind::NotAuthenticated,
            Self::SignInRequired { .. } => ErrorKind::SignInRequired,
            Self::Callback(_) => ErrorKind::Callback,
            Self::InvalidIdToken(_)
            | Self::InvalidAccessToken(_)
            | Self::InvalidLogoutToken(_)
            | Self::UserInfoSubjectMismatch => ErrorKind::InvalidToken,
            Self::GrantNotAllowed { .. } => ErrorKind::Config,
            Self::Organization { .. } => ErrorKind::Organization,
            Self::Server(_) => ErrorKind::Server,
            Self::Network { .. } | Self::Timeout { .. } => ErrorKind::Network,
            Self::InvalidResponse { .. } | Self::DiscoveryIssuerMismatch { .. } => ErrorKind::InvalidResponse,
            Self::Unsupported(_) | Self::InvalidConfig(_) | Self::ReservedParameter(_) => ErrorKind::Config,
            Self::Storage(_) | Self::CorruptStorage { .. } => ErrorKind::Storage,
            Self::Coordination(_) => ErrorKind::Coordination,
            Self::Internal(_) => ErrorKind::Internal,
        }
    }

    /// Whether the identity server was unreachable or too slow.
    pub fn is_network(&self) -> bool {
        self.kind() == ErrorKind::Network
    }

    /// Whether the identity server did not answer in time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Whether the user has to sign in (again): nobody is signed in, or the session's grant ended.
    ///
    /// ```
    /// assert!(logto::LogtoError::NotAuthenticated.is_sign_in_required());
    /// ```
    pub fn is_sign_in_required(&self) -> bool {
        matches!(self.kind(), ErrorKind::NotAuthenticated | ErrorKind::SignInRequired)
    }

    /// Whether the sign-in callback was refused.
    pub fn is_callback(&self) -> bool {
        self.kind() == ErrorKind::Callback
    }

    /// Whether the failure is the identity server's or the network's (a 5xx answer, unreachable,
    /// too slow, unreadable): the request may succeed later. Client-caused errors (a bad code, a
    /// dead grant) are not.
    pub fn is_upstream_failure(&self) -> bool {
        match self {
            Self::Server(server) => server.status >= 500,
            _ => matches!(
                self.kind(),
                ErrorKind::Network | ErrorKind::InvalidResponse | ErrorKind::Coordination
            ),
        }
    }

    /// The HTTP status a web app should answer when this error ends a request, the same in
    /// every face:
    /// - 400 for a refused callback, and for the identity server's 4xx answer (a bogus or
    ///   replayed code); 403 when the user or the server denied the sign-in, or for an
    ///   organization the user cannot use;
    /// - 401 when nobody is signed in or the session ended;
    /// - 502 for the identity server's 5xx and unreadable answers, an unreachable server or a
    ///   token that fails verification; 504 when it was too slow;
    /// - 503 when the session storage or the refresh coordination store (Redis) failed or was too
    ///   slow;
    /// - 500 for the app's own failures (configuration, an unreadable stored value, internal).
    ///
    /// ```
    /// use logto::{CallbackError, LogtoError, ServerError};
    /// assert_eq!(LogtoError::from(CallbackError::StateMismatch).http_status(), 400);
    /// assert_eq!(LogtoError::from(ServerError::new("https://t/oidc/token", 400)).http_status(), 400);
    /// assert_eq!(LogtoError::from(ServerError::new("https://t/oidc/token", 503)).http_status(), 502);
    /// assert_eq!(LogtoError::Timeout { endpoint: "https://t/oidc/token".into() }.http_status(), 504);
    /// ```
    pub fn http_status(&self) -> u16 {
        match self.kind() {
            ErrorKind::Callback => match self {
                Self::Callback(CallbackError::Denied { error, .. }) if error == "access_denied" => 403,
                _ => 400,
            },
            ErrorKind::NotAuthenticated | ErrorKind::SignInRequired => 401,
            ErrorKind::Organization => 403,
            // The back-channel logout endpoint answers 400 to a token it refuses (§2.8).
            // Except when the keys could not be fetched: nothing wrong with the token, try later.
            ErrorKind::InvalidToken
                if matches!(self, Self::InvalidLogoutToken(TokenError::KeysUnavailable(_))) =>
            {
                503
            }
            ErrorKind::InvalidToken if matches!(self, Self::InvalidLogoutToken(_)) => 400,
            ErrorKind::Network if self.is_timeout() => 504,
            ErrorKind::Server if !self.is_upstream_failure() => 400,
            ErrorKind::Network | ErrorKind::Server | ErrorKind::InvalidResponse | ErrorKind::InvalidToken => {
                502
            }
            ErrorKind::Coordination => 503,
            // The session store is down or too slow: temporary, like the coordination store.
            ErrorKind::Storage if matches!(self, Self::Storage(_)) => 503,
            ErrorKind::Config | ErrorKind::Storage | ErrorKind::Internal => 500,
        }
    }

    /// The OAuth error code sent by the server (token endpoint or callback), if any.
    ///
    /// ```
    /// let error = logto::LogtoError::from(logto::CallbackError::Denied {
    ///     error: "access_denied".into(),
    ///     error_description: None,
    /// });
    /// assert_eq!(error.oauth_error(), Some("access_denied"));
    /// ```
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Self::Server(server) => server.error.as_deref(),
            Self::Callback(CallbackError::Denied { error, .. }) => Some(error),
            Self::Organization {
                reason: OrganizationError::NotMember | OrganizationError::AppNotInOrganization,
                ..
            } => Some("access_denied"),
            Self::Organization { reason: OrganizationError::InsufficientScope, .. } => {
                Some("insufficient_scope")
            }
            _ => None,
        }
    }
}

/// Why a sign-in callback was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// No sign-in session is stored: the sign-in was never started with this storage (another
    /// browser, an expired session), or the callback was already handled (a replay).
    #[error("no sign-in session is stored: start the sign-in again")]
    SessionMissing,
    /// The callback arrived on another path than the redirect URI of the sign-in.
    #[error(
        "the callback arrived at path `{actual_path}`, but the sign-in's redirect URI `{redirect_uri}` has path \
         `{expected_path}`: handle the callback on that path, or start the sign-in with a redirect URI \
         pointing at this route"
    )]
    PathMismatch {
        /// The redirect URI of the sign-in session.
        redirect_uri: String,
        /// Its path.
        expected_path: String,
        /// The path the callback arrived at.
        actual_path: String,
    },
    /// With the strict origin check on: the callback's origin is not the redirect URI's.
    #[error(
        "the callback's origin `{actual}` is not the redirect URI's origin `{expected}` (strict origin check)"
    )]
    OriginMismatch {
        /// The redirect URI's origin.
        expected: String,
        /// The callback's origin, or `(none)` when the callback had no origin.
        actual: String,
    },
    /// The `state` is missing or differs from the sign-in session's: a forged or stale callback.
    #[error("the callback's state does not match the sign-in session")]
    StateMismatch,
    /// The `iss` parameter (RFC 9207) is missing while the server announces it, or names another
    /// issuer.
    #[error("the callback's issuer {actual:?} is not the expected issuer `{expected}`")]
    IssuerMismatch {
        /// The expected issuer.
        expected: String,
        /// The `iss` parameter, if any.
        actual: Option<String>,
    },
    /// The identity server redirected back with an error (for example `access_denied`).
    #[error("the sign-in failed: {error}{}", fmt_description(.error_description))]
    Denied {
        /// The OAuth error code.
        error: String,
        /// The server's description, if any.
        error_description: Option<String>,
    },
    /// The callback carries neither `code` nor `error`.
    #[error("the callback has no authorization code")]
    MissingCode,
    /// The callback cannot be read (not a URL, a parameter repeated).
    #[error("the callback cannot be read: {0}")]
    Malformed(String),
}

/// Why an organization token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrganizationError {
    /// The config lacks the `urn:logto:scope:organizations` scope.
    #[error("organization tokens need the `urn:logto:scope:organizations` scope in the config")]
    ScopeNotConfigured,
    /// The user is not a member of the organization (403 `access_denied`).
    #[error("the user is not a member of the organization")]
    NotMember,
    /// The machine-to-machine app is not associated with the organization (403
    /// `access_denied` to a client-credentials request): add the app to the organization in
    /// Logto, with a machine-to-machine organization role.
    #[error("the app is not associated with the organization: add it to the organization in Logto")]
    AppNotInOrganization,
    /// The session's grant lacks the organizations scope (403 `insufficient_scope`): the user
    /// signed in before the scope was configured and must sign in again.
    #[error("the session was not granted the organizations scope: sign in again")]
    InsufficientScope,
}

/// An error status from the identity server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("the identity server answered {status}{} ({endpoint}){}", fmt_code(.error, .error_description), fmt_hint(.hint))]
pub struct ServerError {
    /// What was called, without query.
    pub endpoint: String,
    /// The HTTP status code.
    pub status: u16,
    /// The OAuth `error` (or Logto's `code`) of the body, if any.
    pub error: Option<String>,
    /// The `error_description` (or Logto's `message`) of the body, if any.
    pub error_description: Option<String>,
    /// What to check, when the SDK can tell.
    pub hint: Option<&'static str>,
}

impl ServerError {
    /// An error status `status` from `endpoint`, without body.
    ///
    /// ```
    /// let error = logto::ServerError::new("https://t.logto.app/oidc/token", 503);
    /// assert!(logto::LogtoError::from(error).is_upstream_failure());
    /// ```
    pub fn new(endpoint: impl Into<String>, status: u16) -> Self {
        Self { endpoint: endpoint.into(), status, error: None, error_description: None, hint: None }
    }

    /// With the body's OAuth error code and description.
    pub fn with_error(mut self, error: impl Into<String>, description: Option<String>) -> Self {
        self.error = Some(error.into());
        self.error_description = description;
        self
    }
}

fn fmt_code(error: &Option<String>, description: &Option<String>) -> String {
    let error = error.as_deref().map(|e| format!(" {e}")).unwrap_or_default();
    format!("{error}{}", fmt_description(description))
}

fn fmt_description(description: &Option<String>) -> String {
    description.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

fn fmt_hint(hint: &Option<&'static str>) -> String {
    hint.map(|hint| format!("; {hint}")).unwrap_or_default()
}

/// A JSON error as text without the values it quotes: serde names the unexpected value
/// (`invalid type: string "eyJ..."`), and the value may be a token (a stored access-token map, a
/// server's answer). What was expected and where stay; field names (in backticks) stay.
pub(crate) fn json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let mut out = String::with_capacity(text.len());
    let (mut quoted, mut escaped) = (false, false);
    for c in text.chars() {
        if quoted {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => quoted = false,
                _ => {}
            }
        } else if c == '"' {
            out.push_str("\"…\"");
            quoted = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// Displays an error and its sources: `a: b: c`.
struct SourceChain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for SourceChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
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
    /// An ID token names an audience besides this client, which the SDK does not trust (OpenID
    /// Connect Core §3.1.3.7 (3)).
    #[error("the token names an audience the client does not trust")]
    UntrustedAudience,
    /// The authorized party (`azp`) is not this client.
    #[error("the authorized party (`azp`) is not `{expected}`")]
    WrongAuthorizedParty {
        /// This client's id.
        expected: String,
    },
    /// `exp` is in the past (beyond the leeway).
    #[error("the token expired")]
    Expired,
    /// `iat` is in the future (beyond the leeway).
    #[error("the token was issued in the future")]
    IssuedInFuture,
    /// `iat` is further in the past than the SDK accepts for this token.
    #[error("the token was issued too long ago")]
    IssuedTooLongAgo,
    /// `nbf` is in the future (beyond the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// The token carries a claim its kind must not have (an `events` claim makes it a logout
    /// token, not an ID token).
    #[error("the `{0}` claim is not allowed in this kind of token")]
    UnexpectedClaim(&'static str),
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
    /// The token was seen before (its `jti`): a replay.
    #[error("the token was already used")]
    Replayed,
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

#[cfg(test)]
mod tests {
    #[test]
    fn json_errors_do_not_quote_values() {
        let error = serde_json::from_str::<std::collections::HashMap<String, u8>>(
            r#"{"k": "eyJ-secret \"quoted\" tail"}"#,
        )
        .unwrap_err();
        let text = super::json_error(&error);
        assert!(!text.contains("secret") && !text.contains("tail"), "{text}");
        assert!(text.starts_with("invalid type: string \"…\", expected u8 at line 1"), "{text}");
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Needs {
            token: String,
        }
        let missing = serde_json::from_str::<Needs>("{}").unwrap_err();
        assert_eq!(super::json_error(&missing), "missing field `token` at line 1 column 2");
    }

    use super::*;

    #[test]
    fn server_errors_name_the_endpoint_and_hint() {
        let error = LogtoError::from(ServerError {
            endpoint: "https://t.example/oidc/.well-known/openid-configuration".into(),
            status: 404,
            error: None,
            error_description: None,
            hint: Some("check the endpoint"),
        });
        assert_eq!(
            error.to_string(),
            "the identity server answered 404 (https://t.example/oidc/.well-known/openid-configuration); check the endpoint"
        );
        let grant = LogtoError::from(ServerError {
            endpoint: "https://t.example/oidc/token".into(),
            status: 400,
            error: Some("invalid_grant".into()),
            error_description: Some("grant request is invalid".into()),
            hint: None,
        });
        assert_eq!(
            grant.to_string(),
            "the identity server answered 400 invalid_grant: grant request is invalid (https://t.example/oidc/token)"
        );
        assert!(!grant.is_upstream_failure());
        assert_eq!(grant.oauth_error(), Some("invalid_grant"));
    }

    #[test]
    fn kinds_group_the_variants() {
        assert_eq!(LogtoError::from(CallbackError::SessionMissing).kind(), ErrorKind::Callback);
        assert!(LogtoError::SignInRequired { reason: "x".into() }.is_sign_in_required());
        assert!(LogtoError::Timeout { endpoint: "e".into() }.is_upstream_failure());
        let organization =
            LogtoError::Organization { organization_id: "o".into(), reason: OrganizationError::NotMember };
        assert_eq!(organization.oauth_error(), Some("access_denied"));
        assert_eq!(organization.kind(), ErrorKind::Organization);
    }
}
