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

/// Logto's scopes for user claims, as string constants, so they mix with scope names of your own
/// (`UserInfoScope::Email == "email"`). The names follow the official SDKs' `UserInfoScope`.
///
/// ```
/// use logto::{LogtoConfig, UserInfoScope};
///
/// let config = LogtoConfig::new("https://tenant.logto.app", "app-id")
///     .with_scopes([UserInfoScope::Email, UserInfoScope::Organizations, "read:data"]);
/// assert_eq!(
///     config.effective_scopes(),
///     ["openid", "offline_access", "profile", "email", "urn:logto:scope:organizations", "read:data"]
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct UserInfoScope;

#[allow(non_upper_case_globals)]
impl UserInfoScope {
    /// `openid`: the `sub` claim; always requested.
    pub const Openid: &'static str = "openid";
    /// `offline_access`: a refresh token; always requested.
    pub const OfflineAccess: &'static str = "offline_access";
    /// `profile`: `name`, `username`, `picture`, `created_at`, `updated_at`; always requested.
    pub const Profile: &'static str = "profile";
    /// `email`: `email`, `email_verified`.
    pub const Email: &'static str = "email";
    /// `phone`: `phone_number`, `phone_number_verified`.
    pub const Phone: &'static str = "phone";
    /// `address`: `address`.
    pub const Address: &'static str = "address";
    /// `custom_data`: `custom_data`, in userinfo only.
    pub const CustomData: &'static str = "custom_data";
    /// `identities`: `identities` and `sso_identities`, in userinfo only.
    pub const Identities: &'static str = "identities";
    /// `roles`: the user's `roles`.
    pub const Roles: &'static str = "roles";
    /// `urn:logto:scope:organizations`: `organizations`, and organization tokens.
    pub const Organizations: &'static str = "urn:logto:scope:organizations";
    /// `urn:logto:scope:organization_roles`: `organization_roles` as `<orgId>:<role>`.
    pub const OrganizationRoles: &'static str = "urn:logto:scope:organization_roles";
    /// `urn:logto:scope:sessions`: lets the user manage their sessions through Logto's account API.
    pub const Sessions: &'static str = "urn:logto:scope:sessions";
}

/// Resources reserved by Logto, as string constants (they mix with your own resource indicators).
///
/// ```
/// assert_eq!(logto::ReservedResource::Organizations, "urn:logto:resource:organizations");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ReservedResource;

#[allow(non_upper_case_globals)]
impl ReservedResource {
    /// `urn:logto:resource:organizations`: the organization template resource.
    pub const Organizations: &'static str = "urn:logto:resource:organizations";
}
