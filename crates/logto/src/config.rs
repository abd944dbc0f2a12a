//! [`LogtoConfig`]: which Logto tenant and application, and which scopes and resources to ask for.

use crate::error::{LogtoError, Result};
use crate::models::{ReservedResource, UserInfoScope};
use crate::oidc::Issuer;
use crate::secret::AppSecret;

/// The scopes every sign-in asks for.
pub const DEFAULT_SCOPES: [&str; 3] = ["openid", "offline_access", "profile"];

/// The configuration of a Logto application.
///
/// `Debug` hides the app secret.
///
/// ```
/// use logto::{LogtoConfig, UserInfoScope};
///
/// let config = LogtoConfig::new("https://tenant.logto.app", "my-app-id")
///     .with_app_secret("my-app-secret")
///     .with_scopes([UserInfoScope::Email, UserInfoScope::Email, "custom_data"])
///     .with_resources(["https://api.example.com"]);
/// assert_eq!(config.effective_scopes(), ["openid", "offline_access", "profile", "email", "custom_data"]);
/// assert!(!format!("{config:?}").contains("my-app-secret"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogtoConfig {
    /// The Logto endpoint, e.g. `https://tenant.logto.app` (the issuer is `{endpoint}/oidc`; an
    /// endpoint given as the issuer, ending in `/oidc`, works too).
    pub endpoint: String,
    /// The application (client) id.
    pub app_id: String,
    /// The application secret of a confidential (traditional web) app; `None` for a public app.
    pub app_secret: Option<AppSecret>,
    /// Extra scopes; `openid`, `offline_access` and `profile` are always added.
    pub scopes: Vec<String>,
    /// API resources to request at sign-in.
    pub resources: Vec<String>,
    /// The `prompt` of the sign-in request; `consent` by default (needed for a refresh token).
    pub prompt: Vec<String>,
}

impl LogtoConfig {
    /// A config for the app `app_id` of the Logto tenant at `endpoint`.
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app");
    /// assert_eq!(config.prompt, ["consent"]);
    /// ```
    pub fn new(endpoint: impl Into<String>, app_id: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            app_id: app_id.into(),
            app_secret: None,
            scopes: Vec::new(),
            resources: Vec::new(),
            prompt: vec!["consent".to_owned()],
        }
    }

    /// Sets the app secret (confidential client).
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app").with_app_secret("s");
    /// assert!(config.is_confidential());
    /// ```
    pub fn with_app_secret(mut self, secret: impl Into<AppSecret>) -> Self {
        self.app_secret = Some(secret.into());
        self
    }

    /// Sets the extra scopes ([`UserInfoScope`] constants and scope names of your own).
    ///
    /// ```
    /// use logto::UserInfoScope;
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app").with_scopes([UserInfoScope::Phone, "read:data"]);
    /// assert_eq!(config.scopes, ["phone", "read:data"]);
    /// ```
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the API resources.
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app").with_resources(["https://api.example.com"]);
    /// assert_eq!(config.effective_resources(), ["https://api.example.com"]);
    /// ```
    pub fn with_resources<S: Into<String>>(mut self, resources: impl IntoIterator<Item = S>) -> Self {
        self.resources = resources.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the prompt values (e.g. `["login"]` or `["login", "consent"]`).
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app").with_prompt(["login", "consent"]);
    /// assert_eq!(config.prompt.join(" "), "login consent");
    /// ```
    pub fn with_prompt<S: Into<String>>(mut self, prompt: impl IntoIterator<Item = S>) -> Self {
        self.prompt = prompt.into_iter().map(Into::into).collect();
        self
    }

    /// The issuer of the configured tenant: `{endpoint}/oidc`.
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://tenant.logto.app/", "app");
    /// assert_eq!(config.issuer().unwrap().as_str(), "https://tenant.logto.app/oidc");
    /// ```
    pub fn issuer(&self) -> Result<Issuer> {
        Issuer::from_endpoint(&self.endpoint)
    }

    /// The scopes sent at sign-in: the defaults, then the configured ones, without duplicates.
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app").with_scopes(["profile", "email"]);
    /// assert_eq!(config.effective_scopes(), ["openid", "offline_access", "profile", "email"]);
    /// ```
    pub fn effective_scopes(&self) -> Vec<String> {
        dedup(DEFAULT_SCOPES.iter().copied().chain(self.scopes.iter().map(String::as_str)))
    }

    /// The resources sent at sign-in: the configured ones, plus the organizations resource when
    /// the organizations scope is requested, without duplicates.
    ///
    /// ```
    /// use logto::{LogtoConfig, UserInfoScope};
    /// let config = LogtoConfig::new("https://t.logto.app", "app").with_scopes([UserInfoScope::Organizations]);
    /// assert_eq!(config.effective_resources(), ["urn:logto:resource:organizations"]);
    /// ```
    pub fn effective_resources(&self) -> Vec<String> {
        let organizations = self.has_organizations_scope().then_some(ReservedResource::Organizations);
        dedup(self.resources.iter().map(String::as_str).chain(organizations))
    }

    /// Whether the organizations scope is configured (needed for organization tokens).
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app").with_scopes([logto::UserInfoScope::Organizations]);
    /// assert!(config.has_organizations_scope());
    /// ```
    pub fn has_organizations_scope(&self) -> bool {
        self.scopes.iter().any(|scope| scope == UserInfoScope::Organizations)
    }

    /// Whether the app authenticates with a secret.
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app");
    /// assert!(!config.is_confidential());
    /// ```
    pub fn is_confidential(&self) -> bool {
        self.app_secret.is_some()
    }

    /// Checks the configuration and returns the issuer.
    pub(crate) fn validate(&self) -> Result<Issuer> {
        if self.app_id.is_empty() {
            return Err(LogtoError::InvalidConfig("app id is empty".to_owned()));
        }
        self.issuer()
    }
}

/// The non-empty values, each once, in their first order.
fn dedup<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        if !value.is_empty() && !out.iter().any(|v| v == value) {
            out.push(value.to_owned());
        }
    }
    out
}
