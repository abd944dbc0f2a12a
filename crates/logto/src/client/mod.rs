//! [`LogtoClient`]: sign-in, callback, sign-out, tokens and user info for one user's storage,
//! over a shared core (HTTP pool, discovery, keys, refresh coordination). Each flow lives in the
//! file named after it.

mod backchannel;
mod builder;
pub(crate) mod callback;
mod context;
mod refresh;
mod sign_in;
mod sign_in_options;
mod sign_out;
pub(crate) mod stored;
mod tokens;
mod user_info;

pub use builder::LogtoClientBuilder;
pub use context::{ContextOptions, LogtoContext};
pub use sign_in_options::{DirectSignIn, FirstScreen, Identifier, InteractionMode, Prompt, SignInOptions};

use crate::config::LogtoConfig;
use crate::coordination::{Coordinator, RefreshPolicy};
use crate::error::Result;
use crate::http::Http;
use crate::oidc::{Issuer, JwksPolicy, OidcCore};
use crate::storage::Storage;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What every client of one app shares: configuration, the HTTP connection pool, the discovered
/// metadata and keys, and the refresh coordination.
struct Shared {
    config: LogtoConfig,
    issuer: Issuer,
    http: Http,
    leeway: Duration,
    jwks_policy: JwksPolicy,
    strict_callback_origin: bool,
    oidc: tokio::sync::OnceCell<OidcCore>,
    coordinator: Arc<dyn Coordinator>,
    refresh_policy: RefreshPolicy,
    backchannel_logout: bool,
}

/// The Logto client of one user (one storage).
///
/// Build one per app with [`LogtoClient::builder`] (or [`LogtoClient::new`]), then bind it to
/// each request's storage with [`LogtoClient::with_storage`], which is cheap: the clients share
/// the HTTP pool, the discovery document, the signing keys and the refresh coordination.
///
/// ```no_run
/// # async fn run() -> logto::Result<()> {
/// use logto::{LogtoClient, LogtoConfig, MemoryStorage};
/// use std::sync::Arc;
///
/// let client = LogtoClient::new(
///     LogtoConfig::new("https://tenant.logto.app", "app-id").with_app_secret("app-secret"),
///     Arc::new(MemoryStorage::new()),
/// )?;
/// // 1. Send the user to the sign-in page.
/// let url = client.sign_in("https://app.example/callback").await?;
/// // 2. Logto redirects back to the callback.
/// client.handle_sign_in_callback("https://app.example/callback?code=...&state=...").await?;
/// // 3. Use the session.
/// let claims = client.get_id_token_claims().await?;
/// let token = client.get_access_token("https://api.example.com").await?;
/// # let _ = (url, claims, token); Ok(()) }
/// ```
#[derive(Clone)]
pub struct LogtoClient {
    shared: Arc<Shared>,
    storage: Arc<dyn Storage>,
}

impl fmt::Debug for LogtoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogtoClient").field("config", &self.shared.config).finish_non_exhaustive()
    }
}

impl LogtoClient {
    /// A client with default settings over `storage`.
    ///
    /// ```
    /// let storage = std::sync::Arc::new(logto::MemoryStorage::new());
    /// let client = logto::LogtoClient::new(logto::LogtoConfig::new("https://t.logto.app", "app"), storage).unwrap();
    /// assert_eq!(client.config().app_id, "app");
    /// ```
    pub fn new(config: LogtoConfig, storage: Arc<dyn Storage>) -> Result<Self> {
        Self::builder(config).storage(storage).build()
    }

    /// A builder for non-default settings.
    ///
    /// ```
    /// let client = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).build().unwrap();
    /// # let _ = client;
    /// ```
    pub fn builder(config: LogtoConfig) -> LogtoClientBuilder {
        LogtoClientBuilder::new(config)
    }

    /// A client for another user's storage that shares this client's core. Cheap: one `Arc`
    /// clone.
    ///
    /// ```
    /// # let client = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).build().unwrap();
    /// let session_client = client.with_storage(std::sync::Arc::new(logto::MemoryStorage::new()));
    /// # let _ = session_client;
    /// ```
    pub fn with_storage(&self, storage: Arc<dyn Storage>) -> Self {
        Self { shared: self.shared.clone(), storage }
    }

    /// The configuration.
    pub fn config(&self) -> &LogtoConfig {
        &self.shared.config
    }

    /// The issuer of the configured tenant.
    pub fn issuer(&self) -> &Issuer {
        &self.shared.issuer
    }

    /// The refresh coordination's policy in effect (a lease always outlives the token request:
    /// the builder lengthens a shorter one).
    ///
    /// ```
    /// let client = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app"))
    ///     .timeout(std::time::Duration::from_secs(30))
    ///     .build()
    ///     .unwrap();
    /// assert!(client.refresh_policy().lease_ttl >= std::time::Duration::from_secs(35));
    /// ```
    pub fn refresh_policy(&self) -> &crate::coordination::RefreshPolicy {
        &self.shared.refresh_policy
    }

    /// Whether this client honours back-channel logouts
    /// ([`LogtoClientBuilder::backchannel_logout`]).
    pub fn honours_backchannel_logout(&self) -> bool {
        self.shared.backchannel_logout
    }

    /// The storage of this client.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// The OIDC core: provider metadata (discovered once and cached), keys, token requests.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let core = client.oidc_core().await?;
    /// println!("{}", core.metadata().issuer);
    /// # Ok(()) }
    /// ```
    pub async fn oidc_core(&self) -> Result<OidcCore> {
        let shared = &self.shared;
        shared
            .oidc
            .get_or_try_init(|| {
                OidcCore::discover_with(
                    &shared.issuer,
                    shared.http.clone(),
                    shared.leeway,
                    shared.jwks_policy,
                )
            })
            .await
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;

    fn assert_send<T: Send>(_: T) {}

    /// Web frameworks run handlers on a multi-threaded runtime: every future must be `Send`.
    #[test]
    fn client_futures_are_send() {
        let client = LogtoClient::new(
            crate::LogtoConfig::new("http://127.0.0.1:1", "app"),
            Arc::new(MemoryStorage::new()),
        )
        .expect("valid config");
        assert_send(client.sign_in("http://127.0.0.1:2/callback"));
        assert_send(client.handle_sign_in_callback("http://127.0.0.1:2/callback"));
        assert_send(client.sign_out(None));
        assert_send(client.get_access_token(""));
        assert_send(client.get_organization_token("o"));
        assert_send(client.fetch_user_info());
        assert_send(client.get_id_token_claims());
    }
}
