//! [`LogtoClient`]: sign-in, callback, sign-out, tokens and user info for one user's storage,
//! over a shared core (HTTP pool, discovery, keys, refresh coordination).

mod callback;
mod refresh;
mod sign_in;
mod stored;

pub use sign_in::{DirectSignIn, FirstScreen, Identifier, InteractionMode, SignInOptions};

use crate::config::LogtoConfig;
use crate::error::{LogtoError, Result, TokenError};
use crate::http::{Http, HttpOptions};
use crate::models::{AccessTokenClaims, IdTokenClaims, UserInfoResponse, build_organization_urn};
use crate::oidc::{self, JwksPolicy, OidcCore, now_seconds};
use crate::storage::{MemoryStorage, PersistKey, Storage};
use refresh::RefreshCoordinator;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use stored::{AccessTokenMap, CachedAccessToken, SignInSession, parse_stored, to_json};

#[cfg(feature = "fuzzing")]
pub(crate) mod fuzz_entry {
    use super::*;

    pub(crate) fn callback(url: &str) {
        let session = SignInSession {
            redirect_uri: "https://app.example/callback".into(),
            code_verifier: "verifier".into(),
            state: "state".into(),
        };
        let _ = callback::read_callback(url, &session, "https://t.example/oidc", true);
    }

    pub(crate) fn stored(key: PersistKey, value: &str) {
        let _ = parse_stored::<SignInSession>(key, value);
        let _ = parse_stored::<AccessTokenMap>(key, value);
    }
}

/// What every client of one app shares: configuration, the HTTP connection pool, the discovered
/// metadata and keys, and the refresh coordination.
struct Shared {
    config: LogtoConfig,
    http: Http,
    leeway: Duration,
    jwks_policy: JwksPolicy,
    oidc: tokio::sync::OnceCell<OidcCore>,
    refresh: RefreshCoordinator,
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
    storage: Option<Arc<dyn Storage>>,
    metadata: Option<crate::models::ProviderMetadata>,
}

impl fmt::Debug for LogtoClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogtoClientBuilder").field("config", &self.config).finish_non_exhaustive()
    }
}

impl LogtoClientBuilder {
    /// Uses the caller's HTTP client (its timeouts apply; it should not follow redirects).
    ///
    /// ```
    /// let builder = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app"))
    ///     .http_client(reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap());
    /// assert!(builder.build().is_ok());
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The whole-request timeout of the SDK's HTTP client (default 10 s).
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

    /// The storage of this first client (default: a new [`MemoryStorage`]).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let stored = client.storage().get(logto::PersistKey::IdToken).await?;
    /// # let _ = stored;
    /// # Ok(()) }
    /// ```
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
    /// still be `{endpoint}/oidc`).
    pub fn provider_metadata(mut self, metadata: crate::models::ProviderMetadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Validates the configuration and builds the client. No network call is made.
    ///
    /// ```
    /// let error = logto::LogtoClient::builder(logto::LogtoConfig::new("not a url", "app")).build().unwrap_err();
    /// assert!(matches!(error, logto::LogtoError::InvalidConfig(_)));
    /// ```
    pub fn build(self) -> Result<LogtoClient> {
        self.config.validate()?;
        if self.leeway > oidc::MAX_LEEWAY {
            return Err(LogtoError::InvalidConfig(format!(
                "the leeway may be at most {} seconds",
                oidc::MAX_LEEWAY.as_secs()
            )));
        }
        let http_client = match self.http_client {
            Some(client) => client,
            None => self.http_options.build_client()?,
        };
        let http = Http::new(http_client);
        let oidc = match self.metadata {
            Some(metadata) => {
                let issuer = self.config.issuer();
                if metadata.issuer.trim_end_matches('/') != issuer {
                    return Err(LogtoError::DiscoveryIssuerMismatch {
                        expected: issuer,
                        actual: metadata.issuer,
                    });
                }
                let core =
                    OidcCore::from_metadata_with(metadata, http.clone(), self.leeway, self.jwks_policy);
                tokio::sync::OnceCell::new_with(Some(core))
            }
            None => tokio::sync::OnceCell::new(),
        };
        let shared = Shared {
            config: self.config,
            http,
            leeway: self.leeway,
            jwks_policy: self.jwks_policy,
            oidc,
            refresh: RefreshCoordinator::default(),
        };
        let storage = self.storage.unwrap_or_else(|| Arc::new(MemoryStorage::new()));
        Ok(LogtoClient { shared: Arc::new(shared), storage })
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
        LogtoClientBuilder {
            config,
            http_client: None,
            http_options: HttpOptions::default(),
            leeway: oidc::DEFAULT_LEEWAY,
            jwks_policy: JwksPolicy::default(),
            storage: None,
            metadata: None,
        }
    }

    /// A client for another user's storage that shares this client's core. Cheap: one `Arc`
    /// clone.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let session_client = client.with_storage(std::sync::Arc::new(logto::MemoryStorage::new()));
    /// # let _ = session_client;
    /// # Ok(()) }
    /// ```
    pub fn with_storage(&self, storage: Arc<dyn Storage>) -> Self {
        Self { shared: self.shared.clone(), storage }
    }

    /// The configuration.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// assert!(!client.config().app_id.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn config(&self) -> &LogtoConfig {
        &self.shared.config
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
            .get_or_try_init(|| async {
                let issuer = shared.config.issuer();
                OidcCore::discover_with(&issuer, shared.http.clone(), shared.leeway, shared.jwks_policy).await
            })
            .await
            .cloned()
    }

    fn client_secret(&self) -> Option<&str> {
        self.shared.config.app_secret.as_deref()
    }

    /// Starts a sign-in: stores a new sign-in session (state, PKCE verifier, redirect URI) and
    /// returns the URL to redirect the user to.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// use logto::{FirstScreen, SignInOptions};
    /// let url = client.sign_in(SignInOptions::new("https://app.example/callback").first_screen(FirstScreen::Register)).await?;
    /// # let _ = url;
    /// # Ok(()) }
    /// ```
    pub async fn sign_in(&self, options: impl Into<SignInOptions>) -> Result<String> {
        let options = options.into();
        let core = self.oidc_core().await?;
        let state = oidc::generate_state();
        let code_verifier = oidc::generate_code_verifier();
        let challenge = oidc::generate_code_challenge(&code_verifier);
        let url = sign_in::authorization_url(
            &core.metadata().authorization_endpoint,
            &self.shared.config,
            &options,
            &state,
            &challenge,
        )?;
        let session = SignInSession { redirect_uri: options.redirect_uri, code_verifier, state };
        self.storage.set(PersistKey::SignInSession, to_json(&session)).await?;
        tracing::debug!(redirect_uri = %session.redirect_uri, "sign-in started");
        Ok(url)
    }

    /// Handles the callback URL Logto redirected to: checks it against the sign-in session,
    /// exchanges the code, verifies the ID token, then stores the tokens and ends the sign-in
    /// session. On any error the previously stored tokens are left untouched.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// client.handle_sign_in_callback("https://app.example/callback?code=c&state=s&iss=i").await?;
    /// # Ok(()) }
    /// ```
    pub async fn handle_sign_in_callback(&self, callback_url: &str) -> Result<()> {
        let stored =
            self.storage.get(PersistKey::SignInSession).await?.ok_or(LogtoError::SignInSessionMissing)?;
        let session: SignInSession = parse_stored(PersistKey::SignInSession, &stored)?;
        let core = self.oidc_core().await?;
        let metadata = core.metadata();
        let code = match callback::read_callback(
            callback_url,
            &session,
            &metadata.issuer,
            metadata.authorization_response_iss_parameter_supported,
        ) {
            Ok(code) => code,
            Err(error @ (LogtoError::Callback { .. } | LogtoError::CallbackIssuerMismatch { .. })) => {
                // The attempt is over (the state was right): a retry needs a new sign-in.
                self.storage.delete(PersistKey::SignInSession).await?;
                return Err(error);
            }
            Err(error) => return Err(error),
        };
        let config = &self.shared.config;
        let response = core
            .fetch_token_by_code(
                &config.app_id,
                self.client_secret(),
                &session.redirect_uri,
                &code.code,
                &session.code_verifier,
            )
            .await?;
        let id_token = response.id_token.as_deref().ok_or_else(|| LogtoError::InvalidResponse {
            endpoint: core.metadata().token_endpoint.clone(),
            reason: "the token response has no id_token (is `openid` granted?)".into(),
        })?;
        core.verify_id_token(id_token, &config.app_id).await?;

        // The ID token goes last: should a write fail half-way, nobody is signed in, rather than
        // the new user's ID token next to the previous user's tokens.
        self.storage.delete(PersistKey::IdToken).await?;
        match &response.refresh_token {
            Some(refresh_token) => self.storage.set(PersistKey::RefreshToken, refresh_token.clone()).await?,
            None => self.storage.delete(PersistKey::RefreshToken).await?,
        }
        // A new sign-in replaces every cached token of the previous one.
        let mut map = AccessTokenMap::default();
        map.x.insert(String::new(), CachedAccessToken::from_response(&response));
        self.storage.set(PersistKey::AccessTokenMap, to_json(&map)).await?;
        self.storage.set(PersistKey::IdToken, id_token.to_owned()).await?;
        self.storage.delete(PersistKey::SignInSession).await?;
        tracing::info!("sign-in completed");
        Ok(())
    }

    /// Signs out locally and returns the end-session URL to redirect the user to (with
    /// `post_logout_redirect_uri` when given). The refresh token is revoked first; a failed
    /// revocation is logged and ignored. Local tokens are cleared even when the server is down.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let end_session_url = client.sign_out(Some("https://app.example/")).await?;
    /// # let _ = end_session_url;
    /// # Ok(()) }
    /// ```
    pub async fn sign_out(&self, post_logout_redirect_uri: Option<&str>) -> Result<String> {
        let core = self.oidc_core().await;
        if let (Ok(core), Some(refresh_token)) = (&core, self.storage.get(PersistKey::RefreshToken).await?)
            && let Err(error) =
                core.revoke_token(&self.shared.config.app_id, self.client_secret(), &refresh_token).await
        {
            tracing::warn!(%error, "refresh token revocation failed; signing out locally anyway");
        }
        for key in [PersistKey::IdToken, PersistKey::RefreshToken, PersistKey::AccessTokenMap] {
            self.storage.delete(key).await?;
        }
        let core = core?;
        let endpoint =
            core.metadata().end_session_endpoint.as_deref().ok_or(LogtoError::EndSessionUnsupported)?;
        let mut url = url::Url::parse(endpoint).map_err(|e| LogtoError::InvalidResponse {
            endpoint: "discovery".into(),
            reason: format!("end_session_endpoint is not a URL: {e}"),
        })?;
        url.query_pairs_mut().append_pair("client_id", &self.shared.config.app_id);
        if let Some(uri) = post_logout_redirect_uri {
            url.query_pairs_mut().append_pair("post_logout_redirect_uri", uri);
        }
        tracing::info!("signed out");
        Ok(url.into())
    }

    /// The raw ID token, if signed in.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// if let Some(id_token) = client.get_id_token().await? { println!("{} bytes", id_token.len()); }
    /// # Ok(()) }
    /// ```
    pub async fn get_id_token(&self) -> Result<Option<String>> {
        Ok(self.storage.get(PersistKey::IdToken).await?)
    }

    /// The claims of the stored ID token (verified when it was stored).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let claims = client.get_id_token_claims().await?;
    /// println!("signed in as {}", claims.sub);
    /// # Ok(()) }
    /// ```
    pub async fn get_id_token_claims(&self) -> Result<IdTokenClaims> {
        let id_token = self.get_id_token().await?.ok_or(LogtoError::NotAuthenticated)?;
        OidcCore::decode_id_token(&id_token)
    }

    /// The refresh token, if any.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let has_refresh_token = client.get_refresh_token().await?.is_some();
    /// # let _ = has_refresh_token;
    /// # Ok(()) }
    /// ```
    pub async fn get_refresh_token(&self) -> Result<Option<String>> {
        Ok(self.storage.get(PersistKey::RefreshToken).await?)
    }

    /// Whether a user is signed in (an ID token is stored).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// if !client.is_authenticated().await? { /* redirect to sign-in */ }
    /// # Ok(()) }
    /// ```
    pub async fn is_authenticated(&self) -> Result<bool> {
        Ok(self.storage.get(PersistKey::IdToken).await?.is_some())
    }

    /// An access token for `resource` (`""` for the userinfo token), from the cache while it is
    /// valid, otherwise refreshed. [`LogtoError::NotAuthenticated`] without a refresh token.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let token = client.get_access_token("https://api.example.com").await?;
    /// # let _ = token;
    /// # Ok(()) }
    /// ```
    pub async fn get_access_token(&self, resource: &str) -> Result<String> {
        if let Some(token) = self.cached_access_token(resource).await? {
            return Ok(token);
        }
        self.refresh_access_token(resource).await
    }

    /// An organization token (audience `urn:logto:organization:<id>`); needs the organizations
    /// scope in the config.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let token = client.get_organization_token("organization-id").await?;
    /// # let _ = token;
    /// # Ok(()) }
    /// ```
    pub async fn get_organization_token(&self, organization_id: &str) -> Result<String> {
        if !self.shared.config.has_organizations_scope() {
            return Err(LogtoError::OrganizationsScopeMissing);
        }
        self.get_access_token(&build_organization_urn(organization_id)).await
    }

    /// The claims of the access token for `resource` (a JWT; the userinfo token is opaque).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let claims = client.get_access_token_claims("https://api.example.com").await?;
    /// assert!(claims.aud.contains("https://api.example.com"));
    /// # Ok(()) }
    /// ```
    pub async fn get_access_token_claims(&self, resource: &str) -> Result<AccessTokenClaims> {
        OidcCore::decode_access_token(&self.get_access_token(resource).await?)
    }

    /// The claims of an organization token.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let claims = client.get_organization_token_claims("organization-id").await?;
    /// println!("{:?}", claims.scope);
    /// # Ok(()) }
    /// ```
    pub async fn get_organization_token_claims(&self, organization_id: &str) -> Result<AccessTokenClaims> {
        OidcCore::decode_access_token(&self.get_organization_token(organization_id).await?)
    }

    /// Fetches the user's claims from the userinfo endpoint, and checks they are about the
    /// signed-in user (same `sub` as the ID token).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let info = client.fetch_user_info().await?;
    /// println!("{:?}", info.custom_data);
    /// # Ok(()) }
    /// ```
    pub async fn fetch_user_info(&self) -> Result<UserInfoResponse> {
        let claims = self.fetch_user_info_json().await?;
        let core = self.oidc_core().await?;
        oidc::user_info_from_json(&core.metadata().userinfo_endpoint, claims)
    }

    /// Like [`fetch_user_info`](Self::fetch_user_info), with the claims as sent (a claim sent
    /// as `null` stays `null`).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let claims = client.fetch_user_info_json().await?;
    /// println!("{}", claims["sub"]);
    /// # Ok(()) }
    /// ```
    pub async fn fetch_user_info_json(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        let access_token = self.get_access_token("").await?;
        let core = self.oidc_core().await?;
        let info = core.fetch_user_info_json(&access_token).await?;
        if let Some(id_token) = self.get_id_token().await? {
            let claims = OidcCore::decode_id_token(&id_token)?;
            if info.get("sub").and_then(|sub| sub.as_str()) != Some(claims.sub.as_str()) {
                tracing::warn!("userinfo subject differs from the ID token's");
                return Err(LogtoError::UserInfoSubjectMismatch);
            }
        }
        Ok(info)
    }

    async fn access_token_map(&self) -> Result<AccessTokenMap> {
        let Some(stored) = self.storage.get(PersistKey::AccessTokenMap).await? else {
            return Ok(AccessTokenMap::default());
        };
        match parse_stored(PersistKey::AccessTokenMap, &stored) {
            Ok(map) => Ok(map),
            Err(error) => {
                // Only a cache: start over rather than lock the user out.
                tracing::warn!(%error, "ignoring an unreadable access token cache");
                Ok(AccessTokenMap::default())
            }
        }
    }

    async fn cached_access_token(&self, resource: &str) -> Result<Option<String>> {
        let now = now_seconds() as f64;
        let mut map = self.access_token_map().await?;
        Ok(map.x.remove(resource).filter(|entry| entry.expires_at > now).map(|entry| entry.token))
    }

    /// Refreshes under the refresh token's turn: one token request at a time per refresh token,
    /// the rotated refresh token stored before anything else.
    async fn refresh_access_token(&self, resource: &str) -> Result<String> {
        let stored_refresh_token =
            self.storage.get(PersistKey::RefreshToken).await?.ok_or(LogtoError::NotAuthenticated)?;
        let core = self.oidc_core().await?;
        let mut turn = self.shared.refresh.turn(&stored_refresh_token).await;
        // Another request of this storage may have fetched it while we waited.
        if let Some(token) = self.cached_access_token(resource).await? {
            return Ok(token);
        }
        let config = &self.shared.config;
        // The request and the record of its rotation run in their own task: if the caller is
        // cancelled (a client hung up), a token the server already rotated is still recorded,
        // so the next request follows it instead of replaying the consumed one.
        let request = {
            let (core, app_id, secret, resource) =
                (core.clone(), config.app_id.clone(), config.app_secret.clone(), resource.to_owned());
            async move {
                let response = core
                    .fetch_token_by_refresh_token(&app_id, secret.as_deref(), &turn.refresh_token, &resource)
                    .await;
                if let Ok(response) = &response
                    && let Some(rotated) = response.refresh_token.as_deref()
                {
                    turn.rotated(rotated);
                }
                (turn, response)
            }
        };
        let (turn, response) = tokio::spawn(request).await.map_err(|e| LogtoError::InvalidResponse {
            endpoint: core.metadata().token_endpoint.clone(),
            reason: format!("the token request task failed: {e}"),
        })?;
        let response = response?;
        let newest = response.refresh_token.as_deref().unwrap_or(&turn.refresh_token).to_owned();
        if newest != stored_refresh_token {
            self.storage.set(PersistKey::RefreshToken, newest).await?;
        }
        if let Some(id_token) = &response.id_token {
            let claims = core.verify_id_token(id_token, &config.app_id).await?;
            if let Some(current) = self.get_id_token().await?
                && OidcCore::decode_id_token(&current).is_ok_and(|current| current.sub != claims.sub)
            {
                return Err(LogtoError::InvalidIdToken(TokenError::SubjectChanged));
            }
            self.storage.set(PersistKey::IdToken, id_token.clone()).await?;
        }
        let mut map = self.access_token_map().await?;
        map.x.insert(resource.to_owned(), CachedAccessToken::from_response(&response));
        self.storage.set(PersistKey::AccessTokenMap, to_json(&map)).await?;
        drop(turn);
        tracing::debug!(resource, "access token refreshed");
        Ok(response.access_token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    /// Web frameworks run handlers on a multi-threaded runtime: every future must be `Send`.
    #[test]
    fn client_futures_are_send() {
        let client =
            LogtoClient::new(LogtoConfig::new("http://127.0.0.1:1", "app"), Arc::new(MemoryStorage::new()))
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
