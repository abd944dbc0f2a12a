use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One linked identity of a user (a social or SSO account).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserIdentity {
    /// The user's id at the identity provider.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// Whatever the identity provider said about the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Map<String, Value>>,
}

/// The userinfo endpoint's answer. Claims the model does not name are kept in `extra`.
///
/// ```
/// let info: logto::UserInfoResponse = serde_json::from_str(r#"{
///     "sub": "user-1", "custom_data": {"plan": "pro"},
///     "identities": {"github": {"userId": "42", "details": {}}}, "organization_data": []
/// }"#).unwrap();
/// assert_eq!(info.custom_data.unwrap()["plan"], "pro");
/// assert_eq!(info.identities.unwrap()["github"].user_id, "42");
/// assert!(info.extra.contains_key("organization_data"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserInfoResponse {
    /// Subject: the user id.
    pub sub: String,
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
    /// The user's custom data (any JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<Value>,
    /// Linked identities by provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identities: Option<HashMap<String, UserIdentity>>,
    /// Role names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Organization ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizations: Option<Vec<String>>,
    /// Organization roles as `<organization_id>:<role>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_roles: Option<Vec<String>>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
