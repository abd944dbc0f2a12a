use serde::{Deserialize, Serialize};
use std::fmt;

/// A successful answer of the token endpoint. `Debug` never prints the tokens.
///
/// ```
/// let response: logto::TokenResponse = serde_json::from_str(
///     r#"{"access_token":"secret-at","token_type":"Bearer","expires_in":3600}"#,
/// ).unwrap();
/// assert_eq!(response.expires_in, 3600);
/// assert!(!format!("{response:?}").contains("secret-at"));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// The token type, `Bearer`.
    #[serde(default = "bearer")]
    pub token_type: String,
    /// Lifetime of the access token in seconds (RFC 6749 only recommends it: 0 when absent).
    #[serde(default)]
    pub expires_in: u64,
    /// A (possibly rotated) refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The granted scopes, space separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

fn bearer() -> String {
    "Bearer".to_owned()
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HIDDEN: &str = "<redacted>";
        f.debug_struct("TokenResponse")
            .field("access_token", &HIDDEN)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| HIDDEN))
            .field("id_token", &self.id_token.as_ref().map(|_| HIDDEN))
            .field("scope", &self.scope)
            .finish()
    }
}
