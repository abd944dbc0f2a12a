//! Machine to machine: [`MachineClient`] gets access tokens as the app itself (the
//! client-credentials grant) for an API resource or an organization, cached until shortly before
//! they expire with one request in flight per target, and exchanges tokens ([`TokenExchange`]).

mod exchange;

pub use exchange::{SubjectTokenType, TokenExchange};

use crate::client::LogtoClient;
use crate::client::stored::CachedAccessToken;
use crate::config::LogtoConfig;
use crate::error::{LogtoError, OrganizationError, Result, ServerError};
use crate::models::TokenResponse;
use crate::oidc::now_seconds;
use crate::secret::{AccessToken, AppSecret};
use crate::target::TokenTarget;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

type Key = (String, String);

#[derive(Default)]
struct Cache {
    tokens: HashMap<Key, CachedAccessToken>,
    flights: HashMap<Key, Arc<tokio::sync::Mutex<()>>>,
}

/// A machine-to-machine app: access tokens as the app itself (no user), for an API resource or an
/// organization, from Logto's client-credentials grant. Tokens are cached until
/// `min(60 s, lifetime / 2)` before they expire; concurrent calls for one target wait for one
/// request. Cloning is cheap and shares the cache.
///
/// ```no_run
/// # async fn run() -> logto::Result<()> {
/// use logto::{LogtoConfig, MachineClient, TokenTarget};
///
/// let machine = MachineClient::new(
///     LogtoConfig::new("https://tenant.logto.app", "m2m-app-id").with_app_secret("m2m-app-secret"),
/// )?;
/// let api = machine.get_token("https://api.example.com").await?;
/// let organization = machine.get_token_with_scopes(TokenTarget::organization("org-1"), ["read:org"]).await?;
/// let request = reqwest::Client::new().get("https://api.example.com/data").bearer_auth(api.secret());
/// # let _ = (organization, request); Ok(()) }
/// ```
#[derive(Clone)]
pub struct MachineClient {
    client: LogtoClient,
    secret: AppSecret,
    cache: Arc<Mutex<Cache>>,
}

impl fmt::Debug for MachineClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineClient").field("app_id", &self.client.config().app_id).finish_non_exhaustive()
    }
}

impl MachineClient {
    /// A machine client for the app of `config` (its app secret is required).
    pub fn new(config: LogtoConfig) -> Result<Self> {
        Self::from_client(&LogtoClient::builder(config).build()?)
    }

    /// A machine client with the app, HTTP pool, discovery and keys of `client` (for example a
    /// traditional web app with token exchange enabled).
    pub fn from_client(client: &LogtoClient) -> Result<Self> {
        let secret = client.config().app_secret.clone().ok_or_else(|| {
            LogtoError::InvalidConfig("a machine-to-machine client needs the app secret".into())
        })?;
        Ok(Self { client: client.clone(), secret, cache: Arc::default() })
    }

    /// An access token for `target` (an API resource or an organization) with the scopes the app
    /// was given for it.
    pub async fn get_token(&self, target: impl Into<TokenTarget>) -> Result<AccessToken> {
        self.get_token_with_scopes(target, std::iter::empty::<String>()).await
    }

    /// An access token for `target` with `scopes` (Logto grants those the app has).
    pub async fn get_token_with_scopes<S: Into<String>>(
        &self,
        target: impl Into<TokenTarget>,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<AccessToken> {
        let target = target.into();
        let mut scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        scopes.sort();
        scopes.dedup();
        let key: Key = (target.cache_key().into_owned(), scopes.join(" "));
        if let Some(token) = self.cached(&key) {
            return Ok(token);
        }
        let flight = self.lock().flights.entry(key.clone()).or_default().clone();
        let _turn = flight.lock().await;
        // Another call may have fetched it while this one waited.
        if let Some(token) = self.cached(&key) {
            return Ok(token);
        }
        let core = self.client.oidc_core().await?;
        let app_id = &self.client.config().app_id;
        let response = core
            .fetch_token_by_client_credentials(app_id, &self.secret, &target, &scopes)
            .await
            .map_err(|error| refused(error, &target, "client_credentials"))?;
        let cached = CachedAccessToken::from_response(&response);
        self.lock().tokens.insert(key, cached);
        tracing::debug!(%target, "machine-to-machine token fetched");
        Ok(response.access_token)
    }

    /// Exchanges a subject token for an access token (Logto's token exchange; the app must have
    /// it enabled, otherwise [`LogtoError::GrantNotAllowed`]).
    ///
    /// ```no_run
    /// # async fn run(machine: logto::MachineClient) -> logto::Result<()> {
    /// use logto::{SubjectTokenType, TokenExchange};
    /// let request = TokenExchange::new("sub_...", SubjectTokenType::ImpersonationToken).target("https://api.example.com");
    /// let response = machine.exchange_token(&request).await?;
    /// # let _ = response; Ok(()) }
    /// ```
    pub async fn exchange_token(&self, request: &TokenExchange) -> Result<TokenResponse> {
        let core = self.client.oidc_core().await?;
        core.exchange_token(&self.client.config().app_id, Some(&self.secret), request).await.map_err(
            |error| refused(error, &request.target, "urn:ietf:params:oauth:grant-type:token-exchange"),
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn cached(&self, key: &Key) -> Option<AccessToken> {
        let now = now_seconds() as f64;
        self.lock().tokens.get(key).filter(|entry| entry.expires_at > now).map(|entry| entry.token.clone())
    }
}

/// The typed refusals of the machine grants: an organization the app is not in, a grant the app
/// may not use.
fn refused(error: LogtoError, target: &TokenTarget, grant_type: &'static str) -> LogtoError {
    let LogtoError::Server(ServerError { status, error: Some(code), error_description, .. }) = &error else {
        return error;
    };
    let code = code.strip_prefix("oidc.").unwrap_or(code);
    let description = error_description.clone().unwrap_or_default();
    match (code, target.organization_id()) {
        ("access_denied", Some(organization_id)) if *status == 403 => LogtoError::Organization {
            organization_id: organization_id.to_owned(),
            reason: OrganizationError::AppNotInOrganization,
        },
        ("unauthorized_client", _) => LogtoError::GrantNotAllowed { grant_type, description },
        ("invalid_request", _) if description.contains("grant type is not allowed") => {
            LogtoError::GrantNotAllowed { grant_type, description }
        }
        _ => error,
    }
}
