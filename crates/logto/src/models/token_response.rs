use crate::secret::{AccessToken, IdToken, RefreshToken};
use serde::{Deserialize, Serialize};

/// A successful answer of the token endpoint. `Debug` never prints the tokens.
///
/// ```
/// let response: logto::TokenResponse = serde_json::from_str(
///     r#"{"access_token":"secret-at","token_type":"Bearer","expires_in":3600}"#,
/// ).unwrap();
/// assert_eq!(response.expires_in, 3600);
/// assert!(!format!("{response:?}").contains("secret-at"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// The token type (required by RFC 6749 §5.1); the SDK accepts only `Bearer`.
    pub token_type: String,
    /// Lifetime of the access token in seconds (RFC 6749 only recommends it: 0 when absent).
    #[serde(default, deserialize_with = "lenient_seconds")]
    pub expires_in: u64,
    /// A (possibly rotated) refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// The ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<IdToken>,
    /// The granted scopes, space separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// `expires_in` as a whole number of seconds, whatever number the server sent (a fraction is
/// dropped, a negative value is 0, a huge one saturates).
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    Ok(number.as_u64().unwrap_or_else(|| number.as_f64().filter(|s| s.is_finite()).map_or(0, |s| s as u64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_is_read_leniently() {
        for (value, seconds) in [("3600", 3600), ("3600.9", 3600), ("-1", 0), ("1e30", u64::MAX)] {
            let json = format!(r#"{{"access_token":"a","token_type":"Bearer","expires_in":{value}}}"#);
            assert_eq!(serde_json::from_str::<TokenResponse>(&json).unwrap().expires_in, seconds, "{value}");
        }
    }
}
