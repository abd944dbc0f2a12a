//! [`TokenTarget`]: what an access token is for (user info, an API resource, an organization, or
//! an organization's API resource). It owns the token's cache key, the parameters of its token
//! request, and the audience its JWT carries.

use crate::models::{ORGANIZATION_URN_PREFIX, organization_id_from_urn};
use std::borrow::Cow;
use std::fmt;

/// What an access token is for.
///
/// A `&str` converts the way the official SDKs read a resource string: `""` is the user-info
/// token, `urn:logto:organization:<id>` an organization token, anything else an API resource.
///
/// ```
/// use logto::TokenTarget;
///
/// assert_eq!(TokenTarget::from(""), TokenTarget::UserInfo);
/// assert_eq!(TokenTarget::from("https://api.example.com"), TokenTarget::resource("https://api.example.com"));
/// assert_eq!(TokenTarget::from("urn:logto:organization:acme"), TokenTarget::organization("acme"));
///
/// let target = TokenTarget::organization_resource("acme", "https://api.example.com");
/// assert_eq!(target.audience().as_deref(), Some("https://api.example.com"));
/// assert_eq!(TokenTarget::organization("acme").audience().as_deref(), Some("urn:logto:organization:acme"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenTarget {
    /// The opaque token for the userinfo endpoint (the token of the sign-in itself).
    UserInfo,
    /// A JWT for an API resource (its resource indicator).
    Resource(String),
    /// A JWT for an organization (`aud` = `urn:logto:organization:<id>`).
    Organization(String),
    /// A JWT for an API resource in the context of an organization (`aud` = the resource, with
    /// an `organization_id` claim).
    OrganizationResource {
        /// The organization.
        organization_id: String,
        /// The API resource indicator.
        resource: String,
    },
}

impl TokenTarget {
    /// A token for the API `resource`.
    pub fn resource(resource: impl Into<String>) -> Self {
        Self::Resource(resource.into())
    }

    /// A token for the organization `organization_id`.
    pub fn organization(organization_id: impl Into<String>) -> Self {
        Self::Organization(organization_id.into())
    }

    /// A token for the API `resource` in the organization `organization_id`.
    pub fn organization_resource(organization_id: impl Into<String>, resource: impl Into<String>) -> Self {
        Self::OrganizationResource { organization_id: organization_id.into(), resource: resource.into() }
    }

    /// Reads a resource string as the official SDKs do (see the type's docs).
    pub fn from_resource_indicator(resource: &str) -> Self {
        if resource.is_empty() {
            Self::UserInfo
        } else if let Some(organization_id) = organization_id_from_urn(resource) {
            Self::Organization(organization_id.to_owned())
        } else {
            Self::Resource(resource.to_owned())
        }
    }

    /// The key of the token in the stored access-token map: `""` for user info, the resource,
    /// the organization URN (as the official SDKs store them), or `<resource>#<organization id>`.
    ///
    /// ```
    /// use logto::TokenTarget;
    /// assert_eq!(TokenTarget::UserInfo.cache_key(), "");
    /// assert_eq!(TokenTarget::organization("acme").cache_key(), "urn:logto:organization:acme");
    /// assert_eq!(TokenTarget::organization_resource("acme", "https://api").cache_key(), "https://api#acme");
    /// ```
    pub fn cache_key(&self) -> Cow<'_, str> {
        match self {
            Self::UserInfo => Cow::Borrowed(""),
            Self::Resource(resource) => Cow::Borrowed(resource),
            Self::Organization(id) => Cow::Owned(format!("{ORGANIZATION_URN_PREFIX}{id}")),
            Self::OrganizationResource { organization_id, resource } => {
                Cow::Owned(format!("{resource}#{organization_id}"))
            }
        }
    }

    /// The `aud` a JWT for this target carries (`None` for the opaque user-info token).
    pub fn audience(&self) -> Option<Cow<'_, str>> {
        match self {
            Self::UserInfo => None,
            Self::Resource(resource) | Self::OrganizationResource { resource, .. } => {
                Some(Cow::Borrowed(resource))
            }
            Self::Organization(id) => Some(Cow::Owned(format!("{ORGANIZATION_URN_PREFIX}{id}"))),
        }
    }

    /// The organization, for organization targets.
    pub fn organization_id(&self) -> Option<&str> {
        match self {
            Self::Organization(id) | Self::OrganizationResource { organization_id: id, .. } => Some(id),
            _ => None,
        }
    }

    /// The extra parameters of a token request for this target (`resource`, `organization_id`).
    pub(crate) fn token_params(&self) -> Vec<(&'static str, &str)> {
        match self {
            Self::UserInfo => Vec::new(),
            Self::Resource(resource) => vec![("resource", resource)],
            Self::Organization(id) => vec![("organization_id", id)],
            Self::OrganizationResource { organization_id, resource } => {
                vec![("resource", resource), ("organization_id", organization_id)]
            }
        }
    }
}

impl From<&str> for TokenTarget {
    fn from(resource: &str) -> Self {
        Self::from_resource_indicator(resource)
    }
}

impl From<&String> for TokenTarget {
    fn from(resource: &String) -> Self {
        Self::from_resource_indicator(resource)
    }
}

impl From<String> for TokenTarget {
    fn from(resource: String) -> Self {
        Self::from_resource_indicator(&resource)
    }
}

impl fmt::Display for TokenTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UserInfo => f.write_str("user info"),
            Self::Resource(resource) => write!(f, "resource `{resource}`"),
            Self::Organization(id) => write!(f, "organization `{id}`"),
            Self::OrganizationResource { organization_id, resource } => {
                write!(f, "resource `{resource}` in organization `{organization_id}`")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_params_per_target() {
        assert!(TokenTarget::UserInfo.token_params().is_empty());
        assert_eq!(TokenTarget::resource("https://api").token_params(), [("resource", "https://api")]);
        assert_eq!(TokenTarget::organization("o").token_params(), [("organization_id", "o")]);
        assert_eq!(
            TokenTarget::organization_resource("o", "https://api").token_params(),
            [("resource", "https://api"), ("organization_id", "o")]
        );
    }

    #[test]
    fn reads_resource_strings_like_the_official_sdks() {
        assert_eq!(
            TokenTarget::from("urn:logto:organization:"),
            TokenTarget::resource("urn:logto:organization:")
        );
        assert_eq!(
            TokenTarget::from("urn:logto:resource:organizations"),
            TokenTarget::resource("urn:logto:resource:organizations")
        );
    }
}
