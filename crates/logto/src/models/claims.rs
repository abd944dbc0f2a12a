use super::NumericDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A token's `aud`: one string or a list of strings.
///
/// ```
/// let aud: logto::Audience = serde_json::from_str(r#"["a","b"]"#).unwrap();
/// assert!(aud.contains("b"));
/// assert!(!aud.contains("c"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    Single(String),
    /// Several audiences.
    Multiple(Vec<String>),
}

impl Audience {
    /// Whether `audience` is one of the token's audiences.
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Self::Single(value) => value == audience,
            Self::Multiple(values) => values.iter().any(|value| value == audience),
        }
    }

    /// The audiences as a slice-like iterator.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let values: &[String] = match self {
            Self::Single(value) => std::slice::from_ref(value),
            Self::Multiple(values) => values,
        };
        values.iter().map(String::as_str)
    }
}

/// The claims of a Logto ID token. Claims the model does not name are kept in `extra`.
///
/// ```
/// let claims: logto::IdTokenClaims = serde_json::from_str(r#"{
///     "iss": "https://tenant.logto.app/oidc", "sub": "user-1", "aud": "app-id",
///     "exp": 1700003600, "iat": 1700000000, "name": "Ada", "at_hash": "x"
/// }"#).unwrap();
/// assert_eq!(claims.name.as_deref(), Some("Ada"));
/// assert!(claims.extra.contains_key("at_hash"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user id.
    pub sub: String,
    /// Audience: the client id.
    pub aud: Audience,
    /// Expiration time (seconds since the epoch).
    pub exp: NumericDate,
    /// Issue time (seconds since the epoch).
    pub iat: NumericDate,
    /// The session id at the identity server (for back-channel logout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Profile picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email address is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Whether the phone number is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    /// Role names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Organization ids the user is a member of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizations: Option<Vec<String>>,
    /// Organization roles as `<organization_id>:<role>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_roles: Option<Vec<String>>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The claims of a JWT access token (for an API resource or an organization).
///
/// ```
/// let claims: logto::AccessTokenClaims = serde_json::from_str(r#"{
///     "iss": "https://tenant.logto.app/oidc", "sub": "user-1", "aud": "https://api.example.com",
///     "exp": 1700003600, "iat": 1700000000, "scope": "read write", "client_id": "app"
/// }"#).unwrap();
/// assert_eq!(claims.scopes().collect::<Vec<_>>(), ["read", "write"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user id (or the client id of a machine-to-machine token).
    pub sub: String,
    /// Audience: a resource indicator, an organization URN or the client id.
    pub aud: Audience,
    /// Expiration time (seconds since the epoch).
    pub exp: NumericDate,
    /// Issue time (seconds since the epoch).
    pub iat: NumericDate,
    /// Granted scopes, space separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The organization of an organization token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AccessTokenClaims {
    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split_ascii_whitespace()
    }

    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|granted| granted == scope)
    }

    /// The organization the token is for: its `organization_id` claim (which Logto adds to a
    /// token for an API resource in an organization), else the organization its `aud` names
    /// (an organization token, `urn:logto:organization:<id>`, has no `organization_id` claim).
    ///
    /// ```
    /// let claims: logto::AccessTokenClaims = serde_json::from_str(r#"{
    ///     "iss": "https://tenant.logto.app/oidc", "sub": "user-1",
    ///     "aud": "urn:logto:organization:acme", "exp": 1700003600, "iat": 1700000000
    /// }"#).unwrap();
    /// assert_eq!(claims.organization(), Some("acme"));
    /// assert_eq!(claims.organization_id, None);
    /// ```
    pub fn organization(&self) -> Option<&str> {
        self.organization_id
            .as_deref()
            .or_else(|| self.aud.iter().find_map(super::scope::organization_id_from_urn))
    }
}

/// The `events` member of a back-channel logout token.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The claims of a back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.4).
///
/// ```
/// let claims: logto::LogoutTokenClaims = serde_json::from_str(r#"{
///     "iss": "https://tenant.logto.app/oidc", "aud": "app-id", "iat": 1700000000, "jti": "j1",
///     "sub": "user-1", "sid": "s1",
///     "events": {"http://schemas.openid.net/event/backchannel-logout": {}}
/// }"#).unwrap();
/// assert_eq!(claims.sid.as_deref(), Some("s1"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LogoutTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Audience: the client id.
    pub aud: Audience,
    /// Issue time.
    pub iat: NumericDate,
    /// Token id, for replay detection.
    #[serde(default)]
    pub jti: Option<String>,
    /// The user whose sessions end.
    #[serde(default)]
    pub sub: Option<String>,
    /// The session that ends.
    #[serde(default)]
    pub sid: Option<String>,
    /// Must hold [`BACKCHANNEL_LOGOUT_EVENT`] with an object value.
    #[serde(default)]
    pub events: Map<String, Value>,
    /// Must be absent (an ID token is not a logout token); a `null` is present too.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Value>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A member that is there, whatever its value (`null` included).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    <Value as serde::Deserialize>::deserialize(deserializer).map(Some)
}

impl LogoutTokenClaims {
    /// The checks of §2.6 beyond the registered claims: the event, a subject or a session, a
    /// token id, no nonce.
    pub(crate) fn check(&self) -> Result<(), crate::TokenError> {
        use crate::TokenError::{Malformed, MissingClaim};
        if !self.events.get(BACKCHANNEL_LOGOUT_EVENT).is_some_and(Value::is_object) {
            return Err(MissingClaim("events"));
        }
        if self.sub.as_deref().is_none_or(str::is_empty) && self.sid.as_deref().is_none_or(str::is_empty) {
            return Err(MissingClaim("sub"));
        }
        if self.jti.as_deref().is_none_or(str::is_empty) {
            return Err(MissingClaim("jti"));
        }
        if self.nonce.is_some() {
            return Err(Malformed("a logout token must not carry a nonce".into()));
        }
        Ok(())
    }
}
