//! A Logto-compatible identity server inside your tests.
//!
//! [`MockLogto`] listens on a loopback port in its own thread (so it works from plain and from
//! async tests, under any runtime) and speaks Logto's dialect of OpenID Connect: discovery, JWKS
//! (ES384, rotation on demand), authorization (signs the chosen user in at once, no page),
//! tokens (authorization code with PKCE S256, refresh with rotation for public apps and Logto's
//! reuse detection, client credentials, API resource and organization tokens), user info,
//! revocation, end session, and back-channel logout delivered to the app. Claims, scopes and error
//! bodies are Logto's. It starts in about a millisecond.
//!
//! ```
//! use logto_testing::{App, MockLogto, User};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let logto = MockLogto::start().expect("a loopback port");
//! logto.add_app(App::traditional("my-app", "my-secret").redirect_uri("http://127.0.0.1:3000/callback"));
//! logto.add_user(User::new("u_alice").username("alice").email("alice@example.com"));
//!
//! // Point the app's Logto endpoint at `logto.endpoint()`, start a sign-in there, and finish
//! // it: the user is signed in without a page.
//! let config = logto::LogtoConfig::new(logto.endpoint(), "my-app").with_app_secret("my-secret");
//! let client = logto::LogtoClient::new(config, std::sync::Arc::new(logto::MemoryStorage::new())).unwrap();
//! let sign_in_url = client.sign_in("http://127.0.0.1:3000/callback").await.unwrap();
//! let callback = logto.callback_for(&sign_in_url).await.unwrap();
//! client.handle_sign_in_callback(&callback).await.unwrap();
//! assert_eq!(client.get_id_token_claims().await.unwrap().sub, "u_alice");
//!
//! // A bearer token for an API the app protects.
//! let token = logto.mint_access_token("https://api.example.com", &["read:data"], "u_alice");
//! # let _ = token; }
//! ```
#![forbid(unsafe_code)]

mod account;
mod clock;
mod crypto;
mod directory;
mod management;
mod oauth_error;
mod routes;
mod service;
mod state;

pub use directory::{App, AppKind, User};

/// The Management API's resource indicator on an open-source Logto (what the kit serves a part
/// of: an app with its `all` scope, [`App::management_api_access`], may call it).
pub const MANAGEMENT_API_RESOURCE: &str = "https://default.logto.app/api";

use routes::SharedState;
use serde_json::{Map, json};
use state::State;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Lifetimes and Logto's refresh-token reuse grace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Access tokens' lifetime (Logto: 3600 s).
    pub access_token_ttl: Duration,
    /// ID tokens' lifetime (Logto: 3600 s).
    pub id_token_ttl: Duration,
    /// Refresh tokens' lifetime (Logto: 14 days).
    pub refresh_token_ttl: Duration,
    /// How long a rotated refresh token still works (Logto: 3 s); presented later, it revokes
    /// the whole grant.
    pub refresh_token_reuse_interval: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(3600),
            id_token_ttl: Duration::from_secs(3600),
            refresh_token_ttl: Duration::from_secs(14 * 24 * 3600),
            refresh_token_reuse_interval: Duration::from_secs(3),
        }
    }
}

/// One request to the token endpoint, for assertions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequestRecord {
    /// Its `grant_type` (`authorization_code`, `refresh_token`, `client_credentials`).
    pub grant_type: String,
    /// `ok`, or the OAuth error it was answered (`invalid_grant`, ...).
    pub outcome: String,
    /// The SHA-256 (hex) of the refresh token it presented.
    pub refresh_token_sha256: Option<String>,
    /// Whether it was answered a refresh token other than the one presented.
    pub rotated: bool,
}

/// The test server. Dropping it stops it.
pub struct MockLogto {
    state: SharedState,
    endpoint: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for MockLogto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockLogto").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

impl MockLogto {
    /// Starts a server with Logto's default lifetimes on a free loopback port.
    pub fn start() -> std::io::Result<Self> {
        Self::start_with(Settings::default())
    }

    /// Starts a server with these lifetimes.
    pub fn start_with(settings: Settings) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let endpoint = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let state: SharedState = Arc::new(Mutex::new(State::new(endpoint.clone(), settings)));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = routes::router(state.clone());
        let thread = std::thread::Builder::new().name("mock-logto".into()).spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
        })?;
        Ok(Self { state, endpoint, stop: Some(stop), thread: Some(thread) })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The Logto endpoint to configure the app with (`http://127.0.0.1:<port>`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The issuer (`<endpoint>/oidc`).
    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.endpoint)
    }

    /// Registers an application (replacing one with the same id).
    pub fn add_app(&self, app: App) -> &Self {
        self.lock().apps.insert(app.id.clone(), app);
        self
    }

    /// Adds a user (replacing one with the same `sub`).
    pub fn add_user(&self, user: User) -> &Self {
        self.lock().users.insert(user.sub.clone(), user);
        self
    }

    /// Who the next sign-ins sign in (by `sub`). Without it, the only user added.
    pub fn sign_in_as(&self, sub: &str) -> &Self {
        self.lock().signing_in = Some(sub.to_owned());
        self
    }

    /// Serves a login page at the authorization endpoint (one button per user, and Cancel)
    /// instead of signing the chosen user in at once: for browser tests (Playwright, Chromium).
    /// Cancel answers the app with `error=access_denied`.
    pub fn set_login_page(&self, on: bool) -> &Self {
        self.lock().login_page = on;
        self
    }

    /// Where the browser lands after `sign_in_url` (the app's callback URL with `code`, `state`
    /// and `iss`, or with `error`): the authorization request made over HTTP, its redirect read.
    pub async fn callback_for(&self, sign_in_url: &str) -> Result<String, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let answer = client.get(sign_in_url).send().await.map_err(|e| e.to_string())?;
        if !answer.status().is_redirection() {
            let status = answer.status();
            return Err(format!(
                "the authorization request was refused ({status}): {}",
                answer.text().await.unwrap_or_default()
            ));
        }
        answer
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| "a redirect without a location".to_owned())
    }

    /// A signed access token (`at+jwt`) for `audience` (an API resource indicator, or
    /// `urn:logto:organization:<id>`) with `scopes`, about `sub`, valid for the access-token
    /// lifetime: what an API protected by the SDK accepts.
    pub fn mint_access_token(&self, audience: &str, scopes: &[&str], sub: &str) -> String {
        let mut claims = Map::new();
        claims.insert("aud".into(), json!(audience));
        claims.insert("scope".into(), json!(scopes.join(" ")));
        claims.insert("sub".into(), json!(sub));
        claims.insert("client_id".into(), json!("mock-logto"));
        let state = self.lock();
        state.access_token_jwt(claims, state.settings.access_token_ttl.as_secs())
    }

    /// A subject token for `sub`, for token exchange (as Logto's `POST /api/subject-tokens`
    /// gives: `sub_…`, valid 600 s). Exchange it with an app that
    /// [`allow_token_exchange`](App::allow_token_exchange)s, as
    /// `urn:logto:token-type:impersonation_token`.
    pub fn mint_subject_token(&self, sub: &str) -> String {
        self.lock().mint_subject_token(sub)
    }

    /// Moves the server's clock on: codes, refresh tokens and the reuse grace expire sooner, and
    /// tokens issued afterwards carry the later `iat` and `exp` (beyond the SDK's clock leeway,
    /// an app then refuses them as issued in the future).
    pub fn advance_clock(&self, by: Duration) {
        let mut state = self.lock();
        state.clock_offset_ms = state.clock_offset_ms.saturating_add(by.as_millis() as u64);
    }

    /// Makes the token endpoint wait `delay` before answering (zero: no wait), for timeouts.
    pub fn set_token_delay(&self, delay: Duration) {
        self.lock().token_delay = delay;
    }

    /// Starts a signing-key rotation: a new key signs from now on, the old ones stay published.
    pub fn rotate_signing_key(&self) {
        self.lock().keys.insert(0, crypto::SigningKey::generate());
    }

    /// Ends a rotation: only the current signing key stays published.
    pub fn retire_old_keys(&self) {
        self.lock().keys.truncate(1);
    }

    /// Makes the next `count` token requests fail with `status` and the OAuth `error` (e.g. 500
    /// `server_error`, 400 `invalid_grant`).
    pub fn fail_next_token_requests(&self, count: usize, status: u16, error: &str) {
        let failure = oauth_error::OAuthError::new(
            status,
            error,
            format!("{error} (MockLogto::fail_next_token_requests)"),
        );
        // Bounded: a test asking for more failures than it could ever cause gets this many.
        self.lock().token_failures.extend(std::iter::repeat_n(failure, count.min(10_000)));
    }

    /// Takes the server down (every route answers 503) or back up.
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    /// Revokes every grant of `sub` (its refresh and access tokens stop working), as Logto does
    /// when an administrator revokes the user's grants.
    pub fn revoke_grants(&self, sub: &str) {
        self.lock().revoke_grants(sub);
    }

    /// Ends every session of `sub`: delivers a logout token (Logto's shape: no `exp`) to each
    /// app with a back-channel logout URI that the user signed in to. Returns how many
    /// deliveries the apps answered with a success status. As in Logto, refresh tokens keep
    /// working: an app that ignores the logout token stays signed in (add
    /// [`revoke_grants`](Self::revoke_grants) to revoke them too).
    pub async fn end_sessions(&self, sub: &str) -> Result<usize, String> {
        let deliveries = self.lock().end_sessions(sub);
        let client = reqwest::Client::new();
        let mut delivered = 0;
        for (uri, logout_token) in deliveries {
            let answer = client
                .post(&uri)
                .form(&[("logout_token", logout_token)])
                .send()
                .await
                .map_err(|e| format!("delivering the logout token to {uri}: {e}"))?;
            if answer.status().is_success() {
                delivered += 1;
            }
        }
        Ok(delivered)
    }

    /// Whether the server would still accept `refresh_token` (as Logto's introspection answers
    /// `active`): for asserting that a sign-out revoked it, or that a grant survived.
    ///
    /// ```
    /// let logto = logto_testing::MockLogto::start()?;
    /// assert!(!logto.is_refresh_token_active("never-issued"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_refresh_token_active(&self, refresh_token: &str) -> bool {
        self.lock().refresh_token_active(refresh_token)
    }

    /// How many refresh tokens of the user `sub` the server would still accept: none after
    /// the user's only sign-in was signed out (its refresh token revoked), when the test cannot
    /// see the token itself (a command-line tool keeps it in the OS keyring).
    ///
    /// ```
    /// let logto = logto_testing::MockLogto::start()?;
    /// assert_eq!(logto.active_refresh_tokens("u_nobody"), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn active_refresh_tokens(&self, sub: &str) -> usize {
        self.lock().active_refresh_tokens(sub)
    }

    /// Approves the device sign-in showing `user_code` (any case, with or without its dash) for
    /// `sub`, as the user would on Logto's device page; the client's next poll gets the tokens.
    /// Whether a pending device sign-in had that code (and `sub` is a user of the server).
    pub fn approve_device(&self, user_code: &str, sub: &str) -> bool {
        self.lock().answer_device(user_code, Some(sub))
    }

    /// Denies the device sign-in showing `user_code` (the user cancelled): the next poll gets
    /// `access_denied`.
    pub fn deny_device(&self, user_code: &str) -> bool {
        self.lock().answer_device(user_code, None)
    }

    /// The user codes of the device sign-ins waiting for the user.
    pub fn pending_device_codes(&self) -> Vec<String> {
        self.lock().pending_user_codes()
    }

    /// Every token request so far.
    pub fn token_requests(&self) -> Vec<TokenRequestRecord> {
        self.lock().token_requests.clone()
    }

    /// How many token requests had `grant_type` (and, with `outcome`, that outcome).
    pub fn count_token_requests(&self, grant_type: &str, outcome: Option<&str>) -> usize {
        self.lock()
            .token_requests
            .iter()
            .filter(|r| r.grant_type == grant_type && outcome.is_none_or(|o| r.outcome == o))
            .count()
    }

    /// Forgets the token requests counted so far.
    pub fn reset_token_requests(&self) {
        self.lock().token_requests.clear();
    }
}

impl Drop for MockLogto {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
