//! [`LogtoConfig`]: which Logto tenant and application, and which scopes and resources to ask for.

use crate::models::{ReservedResource, UserInfoScope};
use std::fmt;

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
///     .with_scopes([UserInfoScope::Email, UserInfoScope::Email])
///     .with_resources(["https://api.example.com"]);
/// assert_eq!(config.effective_scopes(), ["openid", "offline_access", "profile", "email"]);
/// assert!(!format!("{config:?}").contains("my-app-secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogtoConfig {
    /// The Logto endpoint, e.g. `https://tenant.logto.app` (the issuer is `{endpoint}/oidc`).
    pub endpoint: String,
    /// The application (client) id.
    pub app_id: String,
    /// The application secret of a confidential (traditional web) app; `None` for a public app.
    pub app_secret: Option<String>,
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
    pub fn with_app_secret(mut self, secret: impl Into<String>) -> Self {
        self.app_secret = Some(secret.into());
        self
    }

    /// Sets the extra scopes (strings or [`UserInfoScope`]s).
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app").with_scopes(["email", "phone"]);
    /// assert_eq!(config.scopes, ["email", "phone"]);
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

    /// The endpoint without trailing slashes.
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app//", "app");
    /// assert_eq!(config.endpoint_base(), "https://t.logto.app");
    /// ```
    pub fn endpoint_base(&self) -> &str {
        self.endpoint.trim_end_matches('/')
    }

    /// The issuer Logto uses for this endpoint: `{endpoint}/oidc`.
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://tenant.logto.app/", "app");
    /// assert_eq!(config.issuer(), "https://tenant.logto.app/oidc");
    /// ```
    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.endpoint_base())
    }

    /// The discovery document URL.
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app");
    /// assert_eq!(config.discovery_url(), "https://t.logto.app/oidc/.well-known/openid-configuration");
    /// ```
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer())
    }

    /// The scopes sent at sign-in: the defaults, then the configured ones, without duplicates.
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app").with_scopes(["profile", "email"]);
    /// assert_eq!(config.effective_scopes(), ["openid", "offline_access", "profile", "email"]);
    /// ```
    pub fn effective_scopes(&self) -> Vec<String> {
        let mut scopes: Vec<String> = Vec::with_capacity(DEFAULT_SCOPES.len() + self.scopes.len());
        for scope in DEFAULT_SCOPES.iter().copied().chain(self.scopes.iter().map(String::as_str)) {
            if !scope.is_empty() && !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
        scopes
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
        let mut resources: Vec<String> = Vec::with_capacity(self.resources.len() + 1);
        let organizations =
            self.has_organizations_scope().then_some(ReservedResource::Organizations.as_str());
        for resource in self.resources.iter().map(String::as_str).chain(organizations) {
            if !resource.is_empty() && !resources.iter().any(|r| r == resource) {
                resources.push(resource.to_owned());
            }
        }
        resources
    }

    /// Whether the organizations scope is configured (needed for organization tokens).
    ///
    /// ```
    /// let config = logto::LogtoConfig::new("https://t.logto.app", "app").with_scopes([logto::UserInfoScope::Organizations]);
    /// assert!(config.has_organizations_scope());
    /// ```
    pub fn has_organizations_scope(&self) -> bool {
        self.scopes.iter().any(|scope| scope == UserInfoScope::Organizations.as_str())
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

    pub(crate) fn validate(&self) -> crate::Result<url::Url> {
        let invalid = |reason: String| crate::LogtoError::InvalidConfig(reason);
        let url = url::Url::parse(self.endpoint_base())
            .map_err(|e| invalid(format!("endpoint `{}` is not a URL: {e}", self.endpoint)))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(invalid(format!("endpoint `{}` must be an http(s) URL", self.endpoint)));
        }
        if self.app_id.is_empty() {
            return Err(invalid("app id is empty".to_owned()));
        }
        Ok(url)
    }
}

impl fmt::Debug for LogtoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogtoConfig")
            .field("endpoint", &self.endpoint)
            .field("app_id", &self.app_id)
            .field("app_secret", &self.app_secret.as_ref().map(|_| "<redacted>"))
            .field("scopes", &self.scopes)
            .field("resources", &self.resources)
            .field("prompt", &self.prompt)
            .finish()
    }
}
