//! [`LogtoClientBuilder`]: the HTTP client, timeouts, leeway, key policy, storage and callback
//! checks of a [`LogtoClient`].

use super::{LogtoClient, Shared};
use crate::config::LogtoConfig;
use crate::coordination::{Coordinator, LocalCoordinator, RefreshPolicy};
use crate::error::{LogtoError, Result};
use crate::http::{Http, HttpOptions};
use crate::models::ProviderMetadata;
use crate::oidc::{self, JwksPolicy, OidcCore};
use crate::storage::{MemoryStorage, Storage};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What a refresh lease must cover beyond the token request's timeout: the coordination store's
/// commands and the publication of the outcome.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// Builds a [`LogtoClient`] with non-default HTTP client, timeouts, leeway or storage.
///
/// ```
/// use logto::{LogtoClient, LogtoConfig};
/// use std::time::Duration;
///
/// let client = LogtoClient::builder(LogtoConfig::new("https://tenant.logto.app", "app-id"))
///     .timeout(Duration::from_secs(5))
///     .leeway(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// # drop(client);
/// ```
#[must_use]
pub struct LogtoClientBuilder {
    config: LogtoConfig,
    http_client: Option<reqwest::Client>,
    http_options: HttpOptions,
    leeway: Duration,
    jwks_policy: JwksPolicy,
    strict_callback_origin: bool,
    storage: Option<Arc<dyn Storage>>,
    metadata: Option<ProviderMetadata>,
    coordinator: Option<Arc<dyn Coordinator>>,
    refresh_policy: RefreshPolicy,
    backchannel_logout: bool,
}

impl fmt::Debug for LogtoClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogtoClientBuilder").field("config", &self.config).finish_non_exhaustive()
    }
}

impl LogtoClientBuilder {
    pub(super) fn new(config: LogtoConfig) -> Self {
        Self {
            config,
            http_client: None,
            http_options: HttpOptions::default(),
            leeway: oidc::DEFAULT_LEEWAY,
            jwks_policy: JwksPolicy::default(),
            strict_callback_origin: false,
            storage: None,
            metadata: None,
            coordinator: None,
            refresh_policy: RefreshPolicy::default(),
            backchannel_logout: false,
        }
    }

    /// Honour back-channel logouts: sessions ended by
    /// [`handle_backchannel_logout`](LogtoClient::handle_backchannel_logout) are signed out by
    /// [`signed_in_claims`](LogtoClient::signed_in_claims) (one coordinator lookup per call; with
    /// Redis, one round trip). Off by default.
    ///
    /// ```
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).backchannel_logout(true);
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn backchannel_logout(mut self, honour: bool) -> Self {
        self.backchannel_logout = honour;
        self
    }

    /// Where refreshes are coordinated (default: a [`LocalCoordinator`] of this client and its
    /// [`with_storage`](LogtoClient::with_storage) clones). Give every app instance the same
    /// shared store (the `logto-redis` crate's `RedisCoordinator`) so that only one of them
    /// refreshes a session's refresh token at a time.
    ///
    /// ```
    /// use logto::coordination::LocalCoordinator;
    /// let shared = std::sync::Arc::new(LocalCoordinator::new());
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).coordinator(shared);
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn coordinator(mut self, coordinator: Arc<dyn Coordinator>) -> Self {
        self.coordinator = Some(coordinator);
        self
    }

    /// The refresh coordination's lease and memory durations ([`RefreshPolicy`]).
    ///
    /// ```
    /// use logto::coordination::RefreshPolicy;
    /// let policy = RefreshPolicy::default().rotation_window(std::time::Duration::from_secs(5));
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).refresh_policy(policy);
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.refresh_policy = policy;
        self
    }

    /// Uses the caller's HTTP client. The SDK still applies its own timeout to every request and
    /// refuses redirected answers, whatever the client's settings; a client that follows
    /// redirects never replays a token request's body (the code, the verifier, a refresh token)
    /// to the redirect target. Build it with `redirect(reqwest::redirect::Policy::none())` all
    /// the same: otherwise it still sends a bodyless GET (with the Basic credentials, within the
    /// identity server's own origin) where a 301/302/303 points.
    ///
    /// ```
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app"))
    ///     .http_client(reqwest::Client::new());
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The transport settings (timeouts, plain http to non-loopback hosts).
    ///
    /// ```
    /// use logto::HttpOptions;
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("http://idp.internal", "app"))
    ///     .http_options(HttpOptions::default().with_insecure_http(true));
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http_options = options;
        self
    }

    /// The whole-request timeout (default 10 s).
    ///
    /// ```
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).timeout(std::time::Duration::from_secs(3));
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http_options.timeout = timeout;
        self
    }

    /// The connect timeout of the SDK's HTTP client (default 5 s).
    ///
    /// ```
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).connect_timeout(std::time::Duration::from_secs(1));
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http_options.connect_timeout = timeout;
        self
    }

    /// The clock leeway for `exp`, `iat` and `nbf` (default 60 s, at most 300 s).
    ///
    /// ```
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).leeway(std::time::Duration::from_secs(600));
    /// assert!(builder.build().is_err(), "more than 300 s is refused");
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// How long after a JWKS fetch an unknown `kid` may trigger another fetch (default 10 s).
    ///
    /// ```
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).jwks_refetch_cooldown(std::time::Duration::from_secs(30));
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn jwks_refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.jwks_policy.refetch_cooldown = cooldown;
        self
    }

    /// Also require the callback to arrive at the redirect URI's origin (scheme, host, port), not
    /// only its path. Off by default: behind a reverse proxy or under a test client the app sees
    /// another origin than the public one, and the callback is bound to the browser by `state`,
    /// PKCE and `iss` anyway. Turn it on when the app always sees its public origin.
    ///
    /// ```
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).strict_callback_origin(true);
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn strict_callback_origin(mut self, strict: bool) -> Self {
        self.strict_callback_origin = strict;
        self
    }

    /// The storage of this first client (default: a new [`MemoryStorage`]).
    ///
    /// ```
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).storage(std::sync::Arc::new(logto::MemoryStorage::new()));
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn storage(mut self, storage: Arc<dyn Storage>) -> Self {
        self.storage = Some(storage);
        self
    }

    /// Uses this provider metadata instead of fetching the discovery document (its issuer must
    /// still be exactly `{endpoint}/oidc`).
    ///
    /// ```
    /// let metadata: logto::ProviderMetadata = serde_json::from_value(serde_json::json!({
    ///     "issuer": "https://t.logto.app/oidc", "authorization_endpoint": "https://t.logto.app/oidc/auth",
    ///     "token_endpoint": "https://t.logto.app/oidc/token", "userinfo_endpoint": "https://t.logto.app/oidc/me",
    ///     "jwks_uri": "https://t.logto.app/oidc/jwks"
    /// })).unwrap();
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).provider_metadata(metadata);
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn provider_metadata(mut self, metadata: ProviderMetadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Validates the configuration and builds the client. No network call is made.
    ///
    /// ```
    /// let error = logto::LogtoClient::builder(logto::LogtoConfig::new("not a url", "app")).build().unwrap_err();
    /// assert_eq!(error.kind(), logto::ErrorKind::Config);
    /// ```
    pub fn build(self) -> Result<LogtoClient> {
        let issuer = self.config.validate()?;
        if self.leeway > oidc::MAX_LEEWAY {
            return Err(LogtoError::InvalidConfig(format!(
                "the leeway may be at most {} seconds",
                oidc::MAX_LEEWAY.as_secs()
            )));
        }
        self.http_options.check_url(issuer.as_str())?;
        let http_client = match self.http_client {
            Some(client) => client,
            None => self.http_options.build_client()?,
        };
        let http = Http::with_options(http_client, self.http_options);
        // A lease must outlive the token request it guards (plus the store's own commands and
        // the publication), or another instance could take it and present the same refresh token.
        let mut refresh_policy = self.refresh_policy;
        let needed = self.http_options.timeout.saturating_add(LEASE_MARGIN);
        refresh_policy.lease_ttl = refresh_policy.lease_ttl.max(needed);
        refresh_policy.lease_wait = refresh_policy.lease_wait.max(needed);
        let oidc = match self.metadata {
            Some(metadata) => {
                if !issuer.matches(&metadata.issuer) {
                    return Err(LogtoError::DiscoveryIssuerMismatch {
                        expected: issuer.to_string(),
                        actual: metadata.issuer,
                    });
                }
                oidc::check_endpoints(&self.http_options, &metadata)?;
                let core =
                    OidcCore::from_metadata_with(metadata, http.clone(), self.leeway, self.jwks_policy);
                tokio::sync::OnceCell::new_with(Some(core))
            }
            None => tokio::sync::OnceCell::new(),
        };
        let shared = Shared {
            config: self.config,
            issuer,
            http,
            leeway: self.leeway,
            jwks_policy: self.jwks_policy,
            strict_callback_origin: self.strict_callback_origin,
            oidc,
            coordinator: self.coordinator.unwrap_or_else(|| Arc::new(LocalCoordinator::new())),
            refresh_policy,
            backchannel_logout: self.backchannel_logout,
        };
        let storage = self.storage.unwrap_or_else(|| Arc::new(MemoryStorage::new()));
        Ok(LogtoClient { shared: Arc::new(shared), storage })
    }
}
