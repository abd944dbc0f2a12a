use serde::{Deserialize, Serialize};

/// The OpenID Connect discovery document (provider metadata) the SDK uses.
///
/// Unknown fields are kept in `extra`.
///
/// ```
/// let metadata: logto::ProviderMetadata = serde_json::from_str(r#"{
///     "issuer": "https://tenant.logto.app/oidc",
///     "authorization_endpoint": "https://tenant.logto.app/oidc/auth",
///     "token_endpoint": "https://tenant.logto.app/oidc/token",
///     "userinfo_endpoint": "https://tenant.logto.app/oidc/me",
///     "jwks_uri": "https://tenant.logto.app/oidc/jwks"
/// }"#).unwrap();
/// assert_eq!(metadata.issuer, "https://tenant.logto.app/oidc");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProviderMetadata {
    /// The issuer identifier.
    pub issuer: String,
    /// The authorization endpoint.
    pub authorization_endpoint: String,
    /// The token endpoint.
    pub token_endpoint: String,
    /// The userinfo endpoint (Logto always has one).
    pub userinfo_endpoint: String,
    /// The JWKS endpoint.
    pub jwks_uri: String,
    /// RP-initiated logout endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    /// Token revocation endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// Token introspection endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    /// Supported response types.
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    /// Supported subject types.
    #[serde(default)]
    pub subject_types_supported: Vec<String>,
    /// ID-token signing algorithms.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Supported scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
    /// Supported claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims_supported: Option<Vec<String>>,
    /// PKCE methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// Token endpoint client authentication methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// Whether the callback carries `iss` (RFC 9207).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// Every other field of the document.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ProviderMetadata {
    /// The device authorization endpoint (RFC 8628), when the server serves the device flow
    /// (Logto from 1.38).
    ///
    /// ```
    /// let metadata: logto::ProviderMetadata = serde_json::from_value(serde_json::json!({
    ///     "issuer": "https://t.logto.app/oidc", "authorization_endpoint": "a", "token_endpoint": "t",
    ///     "userinfo_endpoint": "u", "jwks_uri": "j",
    ///     "device_authorization_endpoint": "https://t.logto.app/oidc/device/auth"
    /// })).unwrap();
    /// assert_eq!(metadata.device_authorization_endpoint().as_deref(), Some("https://t.logto.app/oidc/device/auth"));
    /// ```
    pub fn device_authorization_endpoint(&self) -> Option<String> {
        self.extra.get("device_authorization_endpoint").and_then(|v| v.as_str()).map(str::to_owned)
    }
}
