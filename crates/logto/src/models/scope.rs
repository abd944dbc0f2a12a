use std::fmt;

/// The prefix of Logto organization URNs (`urn:logto:organization:<id>`).
pub const ORGANIZATION_URN_PREFIX: &str = "urn:logto:organization:";

/// The audience URN of an organization's tokens.
///
/// ```
/// assert_eq!(logto::build_organization_urn("1"), "urn:logto:organization:1");
/// ```
pub fn build_organization_urn(organization_id: &str) -> String {
    format!("{ORGANIZATION_URN_PREFIX}{organization_id}")
}

/// The organization id of an organization URN, or `None` for any other resource.
///
/// ```
/// assert_eq!(logto::organization_id_from_urn("urn:logto:organization:acme"), Some("acme"));
/// assert_eq!(logto::organization_id_from_urn("https://api.example.com"), None);
/// ```
pub fn organization_id_from_urn(resource: &str) -> Option<&str> {
    resource.strip_prefix(ORGANIZATION_URN_PREFIX).filter(|id| !id.is_empty())
}

/// The scopes that control which user claims the ID token and the userinfo endpoint return.
///
/// ```
/// use logto::{LogtoConfig, UserInfoScope};
///
/// let config = LogtoConfig::new("https://tenant.logto.app", "app-id")
///     .with_scopes([UserInfoScope::Email, UserInfoScope::Organizations]);
/// assert!(config.effective_scopes().contains(&"urn:logto:scope:organizations".to_string()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserInfoScope {
    /// `openid`: the `sub` claim; always requested.
    Openid,
    /// `offline_access`: a refresh token; always requested.
    OfflineAccess,
    /// `profile`: `name`, `username`, `picture`, `created_at`, `updated_at`; always requested.
    Profile,
    /// `email`: `email`, `email_verified`.
    Email,
    /// `phone`: `phone_number`, `phone_number_verified`.
    Phone,
    /// `custom_data`: `custom_data`, in userinfo only.
    CustomData,
    /// `identities`: `identities` and `sso_identities`, in userinfo only.
    Identities,
    /// `roles`: the user's `roles`.
    Roles,
    /// `urn:logto:scope:organizations`: `organizations`, and organization tokens.
    Organizations,
    /// `urn:logto:scope:organization_roles`: `organization_roles` as `<orgId>:<role>`.
    OrganizationRoles,
}

impl UserInfoScope {
    /// The scope's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Openid => "openid",
            Self::OfflineAccess => "offline_access",
            Self::Profile => "profile",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::CustomData => "custom_data",
            Self::Identities => "identities",
            Self::Roles => "roles",
            Self::Organizations => "urn:logto:scope:organizations",
            Self::OrganizationRoles => "urn:logto:scope:organization_roles",
        }
    }
}

impl fmt::Display for UserInfoScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<UserInfoScope> for String {
    fn from(scope: UserInfoScope) -> Self {
        scope.as_str().to_owned()
    }
}

/// Resources reserved by Logto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReservedResource {
    /// `urn:logto:resource:organizations`: the organization template resource.
    Organizations,
}

impl ReservedResource {
    /// The resource indicator.
    ///
    /// ```
    /// assert_eq!(logto::ReservedResource::Organizations.as_str(), "urn:logto:resource:organizations");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Organizations => "urn:logto:resource:organizations",
        }
    }
}

impl fmt::Display for ReservedResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<ReservedResource> for String {
    fn from(resource: ReservedResource) -> Self {
        resource.as_str().to_owned()
    }
}
