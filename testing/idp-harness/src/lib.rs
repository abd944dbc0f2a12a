//! Test harness for the Logto-like OpenID Connect server in `testing/idp`.
//!
//! [`TestIdp::start`] installs the server's npm dependencies on first use (`npm ci`, guarded by a
//! lock file so parallel test processes do not race), spawns `node server.mjs --port 0`, and waits
//! until discovery answers. The child process is killed when the [`TestIdp`] is dropped.
//!
//! [`TestIdp::login`] and [`TestIdp::logout`] drive the server's HTML pages over plain HTTP with a
//! cookie jar, stopping at the app's redirect URI, so tests never need a browser. Each call uses a
//! fresh cookie jar; [`TestIdp::browser`] gives an [`IdpBrowser`] that keeps its session across
//! calls (silent sign-in with `prompt=none`, sign-out that ends the session it signed in with).
//!
//! The `/__test/*` routes of the server are wrapped too: token-endpoint statistics
//! ([`TestIdp::token_requests`]), grant revocation ([`TestIdp::revoke_grants`]), session ending with
//! back-channel logout ([`TestIdp::end_sessions`], [`TestIdp::set_backchannel_logout_uri`]), and
//! tokens Logto's Management API would mint ([`TestIdp::one_time_token`],
//! [`TestIdp::impersonation_token`], [`TestIdp::personal_access_token`]).

pub mod forge;
pub mod instances;
pub mod mock;
pub mod real_logto;
pub mod redis;
pub mod resp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use url::Url;

/// The clients registered in the test server (see `testing/idp/data.mjs`).
pub mod clients {
    /// Confidential client, `client_secret_basic` (`client_secret_post` is accepted too).
    pub const CONFIDENTIAL_ID: &str = "confidential-app";
    /// Secret of [`CONFIDENTIAL_ID`].
    pub const CONFIDENTIAL_SECRET: &str = "confidential-secret";
    /// Public client, `token_endpoint_auth_method: none`.
    pub const PUBLIC_ID: &str = "public-app";
    /// Confidential client whose id and secret need URL-encoding in Basic auth (RFC 6749 2.3.1).
    pub const SPECIAL_ID: &str = "special:app id";
    /// Secret of [`SPECIAL_ID`].
    pub const SPECIAL_SECRET: &str = "p:a%ss+ w0rd";
    /// A Native app created with the device flow (public: device code, refresh token and the
    /// loopback authorization code).
    pub const NATIVE_ID: &str = "native-app";
    /// Machine-to-machine client (`client_credentials` only, `client_secret_basic`;
    /// `client_secret_post` is accepted too). What it may get is in [`crate::m2m`].
    pub const M2M_ID: &str = "m2m-app";
    /// Secret of [`M2M_ID`].
    pub const M2M_SECRET: &str = "m2m-secret";
    /// The one client with token exchange enabled (Logto's `allowTokenExchange`): the confidential
    /// client. Every other client gets HTTP 400 `invalid_request` ("requested grant type is not
    /// allowed for this client") for the token-exchange grant.
    pub const TOKEN_EXCHANGE_ID: &str = CONFIDENTIAL_ID;
}

/// What the machine-to-machine client [`clients::M2M_ID`] is allowed (like Logto's machine-to-machine
/// roles and organization memberships).
pub mod m2m {
    /// Scopes of its roles for [`crate::resources::API`]: `client_credentials` with that resource
    /// gets `scope` = requested ∩ these.
    pub const API_SCOPES: &[&str] = &["read:data"];
    /// The organization it is a member of.
    pub const ORGANIZATION: &str = "org-acme";
    /// Its organization scopes in [`ORGANIZATION`] (organization token: requested ∩ these).
    pub const ORGANIZATION_SCOPES: &[&str] = &["read:org"];
    /// Its API scopes for [`crate::resources::API`] through its roles in [`ORGANIZATION`] (used
    /// when both `resource` and `organization_id` are sent).
    pub const ORGANIZATION_API_SCOPES: &[&str] = &["read:data", "write:data"];
    /// Organizations it is not a member of: HTTP 403 `access_denied` ("app has not associated with
    /// the organization").
    pub const NON_MEMBER_ORGANIZATIONS: &[&str] = &["org-globex", "org-initech"];
}

/// Grant types the test server supports at its token endpoint.
pub mod grant_types {
    /// `authorization_code`.
    pub const AUTHORIZATION_CODE: &str = "authorization_code";
    /// `refresh_token`.
    pub const REFRESH_TOKEN: &str = "refresh_token";
    /// `client_credentials` (machine-to-machine client only).
    pub const CLIENT_CREDENTIALS: &str = "client_credentials";
    /// Logto's token exchange (RFC 8693 grant type; [`crate::clients::TOKEN_EXCHANGE_ID`] only).
    pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
}

/// `subject_token_type` / `actor_token_type` values of Logto's token exchange.
pub mod token_types {
    /// An access token of this server (opaque or JWT), or a legacy `sub_...` impersonation token.
    pub const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
    /// A personal access token (`pat_...`, see [`crate::TestIdp::personal_access_token`]).
    pub const PERSONAL_ACCESS_TOKEN: &str = "urn:logto:token-type:personal_access_token";
    /// An impersonation subject token (`sub_...`, see [`crate::TestIdp::impersonation_token`]).
    pub const IMPERSONATION_TOKEN: &str = "urn:logto:token-type:impersonation_token";
}

/// The one user of the test server.
pub mod demo_user {
    /// Login name.
    pub const USERNAME: &str = "demo";
    /// Password.
    pub const PASSWORD: &str = "Demo-Passw0rd!";
    /// Subject (`sub`).
    pub const SUB: &str = "u_demo_0001";
    /// `name` claim (scope `profile`).
    pub const NAME: &str = "Demo User";
    /// `picture` claim (scope `profile`).
    pub const PICTURE: &str = "https://example.com/demo.png";
    /// `email` claim, verified (scope `email`).
    pub const EMAIL: &str = "demo@example.com";
    /// `phone_number` claim, verified (scope `phone`).
    pub const PHONE: &str = "+15555550100";
    /// `address.formatted` (scope `address`). Like Logto, the `address` claim keeps the stored
    /// camelCase member names: `formatted`, `streetAddress`, `locality`, `region`, `postalCode`,
    /// `country`.
    pub const ADDRESS_FORMATTED: &str = "1 Infinite Loop, Springfield, OR 97403, US";
    /// `address.streetAddress`.
    pub const ADDRESS_STREET_ADDRESS: &str = "1 Infinite Loop";
    /// `address.locality`.
    pub const ADDRESS_LOCALITY: &str = "Springfield";
    /// `address.region`.
    pub const ADDRESS_REGION: &str = "OR";
    /// `address.postalCode`.
    pub const ADDRESS_POSTAL_CODE: &str = "97403";
    /// `address.country`.
    pub const ADDRESS_COUNTRY: &str = "US";
    /// `created_at` claim in ms since the epoch (scope `profile`).
    pub const CREATED_AT: u64 = 1_700_000_000_000;
    /// `updated_at` claim in ms since the epoch (scope `profile`).
    pub const UPDATED_AT: u64 = 1_700_000_500_000;
    /// `roles` claim (scope `roles`).
    pub const ROLES: &[&str] = &["admin"];
    /// `organizations` claim (scope `urn:logto:scope:organizations`).
    pub const ORGANIZATIONS: &[&str] = &["org-acme", "org-globex"];
    /// `organization_roles` claim (scope `urn:logto:scope:organization_roles`).
    pub const ORGANIZATION_ROLES: &[&str] = &["org-acme:admin", "org-globex:member"];
    /// An organization the user is not a member of.
    pub const NON_MEMBER_ORGANIZATION: &str = "org-initech";
}

/// API resources known to the test server. Any other resource is `invalid_target`.
pub mod resources {
    /// An API resource with scopes `read:data write:data` (JWT access tokens).
    pub const API: &str = "https://api.example.com";
    /// Scopes of [`API`].
    pub const API_SCOPES: &[&str] = &["read:data", "write:data"];
    /// Logto's reserved organization resource, scopes `read:org write:org`.
    pub const ORGANIZATIONS: &str = "urn:logto:resource:organizations";
    /// The scope that enables organization tokens.
    pub const ORGANIZATIONS_SCOPE: &str = "urn:logto:scope:organizations";
    /// The scope for the `organization_roles` claim.
    pub const ORGANIZATION_ROLES_SCOPE: &str = "urn:logto:scope:organization_roles";
    /// The scope for the `address` claim.
    pub const ADDRESS_SCOPE: &str = "address";
    /// Logto's account-API sessions scope: accepted, adds no claims.
    pub const SESSIONS_SCOPE: &str = "urn:logto:scope:sessions";
}

/// How long a rotated refresh token stays usable after its rotation (Logto's
/// `refreshTokenReuseInterval`, 3 s). Presenting it again after this revokes the whole grant.
pub const REFRESH_TOKEN_REUSE_INTERVAL: Duration = Duration::from_secs(3);

/// Options for [`TestIdp::start_with`].
#[derive(Debug, Clone)]
pub struct IdpOptions {
    /// Signing algorithm: `ES384` (default), `ES256`, `ES512`, `RS256` or `PS256`.
    pub alg: &'static str,
    /// Access token lifetime in seconds (server default 3600).
    pub access_token_ttl: Option<u64>,
    /// ID token lifetime in seconds (server default 3600).
    pub id_token_ttl: Option<u64>,
    /// Refresh token lifetime in seconds (server default 14 days). Confidential clients get a new
    /// refresh token once 70% of it has passed, so a short lifetime makes that testable.
    pub refresh_token_ttl: Option<u64>,
    /// How long a rotated refresh token stays usable (server default
    /// [`REFRESH_TOKEN_REUSE_INTERVAL`], like Logto). `Some(Duration::ZERO)` makes any second use
    /// of a rotated token revoke the grant at once, which catches an SDK that lets two refreshes
    /// with one refresh token run concurrently.
    pub refresh_token_reuse_interval: Option<Duration>,
}

impl Default for IdpOptions {
    fn default() -> Self {
        Self {
            alg: "ES384",
            access_token_ttl: None,
            id_token_ttl: None,
            refresh_token_ttl: None,
            refresh_token_reuse_interval: None,
        }
    }
}

/// A running test server. The process is killed on drop.
#[derive(Debug)]
pub struct TestIdp {
    child: Child,
    endpoint: String,
    http: reqwest::Client,
}

const START_TIMEOUT: Duration = Duration::from_secs(20);
const NPM_TIMEOUT: Duration = Duration::from_secs(300);

/// Path of `testing/idp` in this repository.
pub fn idp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("idp")
}

static NPM_READY: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

fn npm_installed(dir: &Path) -> bool {
    dir.join("node_modules").join(".package-lock.json").is_file()
        && dir.join("node_modules").join("oidc-provider").join("package.json").is_file()
}

/// Runs `npm ci` in `testing/idp` unless `node_modules` is already there. Safe to call from
/// several tests and several processes at once.
pub async fn ensure_npm_dependencies() {
    NPM_READY.get_or_init(|| async { ensure_npm_dependencies_locked(&idp_dir()).await }).await;
}

async fn ensure_npm_dependencies_locked(dir: &Path) {
    if npm_installed(dir) {
        return;
    }
    let lock = dir.join(".npm-ci.lock");
    let deadline = tokio::time::Instant::now() + NPM_TIMEOUT;
    loop {
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&lock) {
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if npm_installed(dir) {
                    return;
                }
                // A lock older than the npm timeout belongs to a process that died.
                let stale = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > NPM_TIMEOUT);
                if stale {
                    let _ = std::fs::remove_file(&lock);
                    continue;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "timed out waiting for another process to finish `npm ci` in {} (remove {} if stale)",
                    dir.display(),
                    lock.display()
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("cannot create lock file {}: {e}", lock.display()),
        }
    }
    // We hold the lock.
    let result = if npm_installed(dir) {
        Ok(())
    } else {
        let status = tokio::time::timeout(
            NPM_TIMEOUT,
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(dir)
                .stdin(Stdio::null())
                .stdout(Stdio::inherit())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .status(),
        )
        .await;
        match status {
            Ok(Ok(s)) if s.success() => Ok(()),
            Ok(Ok(s)) => Err(format!("`npm ci` in {} failed: {s}", dir.display())),
            Ok(Err(e)) => Err(format!("cannot run `npm ci` in {} (is npm installed?): {e}", dir.display())),
            Err(_) => Err(format!("`npm ci` in {} timed out", dir.display())),
        }
    };
    let _ = std::fs::remove_file(&lock);
    if let Err(message) = result {
        panic!("{message}");
    }
}

fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build reqwest client")
}

fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build reqwest client")
}

impl TestIdp {
    /// Starts a server with [`IdpOptions::default`] (ES384).
    pub async fn start() -> TestIdp {
        Self::start_with(IdpOptions::default()).await
    }

    /// Starts a server with the given options.
    pub async fn start_with(opts: IdpOptions) -> TestIdp {
        ensure_npm_dependencies().await;
        let dir = idp_dir();
        let mut cmd = Command::new("node");
        cmd.arg("server.mjs").args(["--port", "0", "--host", "127.0.0.1", "--alg", opts.alg]);
        if let Some(ttl) = opts.access_token_ttl {
            cmd.args(["--access-token-ttl", &ttl.to_string()]);
        }
        if let Some(ttl) = opts.id_token_ttl {
            cmd.args(["--id-token-ttl", &ttl.to_string()]);
        }
        if let Some(ttl) = opts.refresh_token_ttl {
            cmd.args(["--refresh-token-ttl", &ttl.to_string()]);
        }
        if let Some(interval) = opts.refresh_token_reuse_interval {
            cmd.args(["--refresh-token-reuse-interval-ms", &interval.as_millis().to_string()]);
        }
        let mut child = cmd
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn `node server.mjs` in {}: {e}", dir.display()));
        let stdout = child.stdout.take().expect("child stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let first = match tokio::time::timeout(START_TIMEOUT, lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => panic!("test IdP exited before printing its endpoint (see stderr above)"),
            Ok(Err(e)) => panic!("cannot read test IdP stdout: {e}"),
            Err(_) => panic!("test IdP did not print its endpoint within {START_TIMEOUT:?}"),
        };
        // Drain anything else the server prints so the pipe never fills up.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let info: serde_json::Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("test IdP printed {first:?}, not JSON: {e}"));
        let endpoint = info["endpoint"]
            .as_str()
            .unwrap_or_else(|| panic!("test IdP printed {first:?} without `endpoint`"))
            .trim_end_matches('/')
            .to_owned();
        let idp = TestIdp { child, endpoint, http: plain_client() };
        idp.wait_for_discovery().await;
        idp
    }

    async fn wait_for_discovery(&self) {
        let url = self.discovery_url();
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(resp) = self.http.get(&url).send().await
                && resp.status() == StatusCode::OK
            {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "test IdP discovery at {url} did not answer");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The issuer, `endpoint + "/oidc"`.
    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.endpoint)
    }

    /// The discovery document URL.
    pub fn discovery_url(&self) -> String {
        format!("{}/oidc/.well-known/openid-configuration", self.endpoint)
    }

    /// Token endpoint URL.
    pub fn token_endpoint(&self) -> String {
        format!("{}/oidc/token", self.endpoint)
    }

    /// Query parameters of the most recent `GET /oidc/auth` (repeated ones as arrays), or `null`.
    pub async fn last_auth_request(&self) -> serde_json::Value {
        self.get_json("/__test/last-auth-request").await
    }

    /// Query parameters of every `GET /oidc/auth`, in order.
    pub async fn auth_requests(&self) -> Vec<serde_json::Value> {
        match self.get_json("/__test/auth-requests").await {
            serde_json::Value::Array(items) => items,
            other => panic!("unexpected /__test/auth-requests answer: {other}"),
        }
    }

    async fn get_json(&self, path: &str) -> serde_json::Value {
        let url = format!("{}{path}", self.endpoint);
        let resp = self.http.get(&url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        resp.json().await.unwrap_or_else(|e| panic!("GET {url}: bad JSON: {e}"))
    }

    /// Drives the login page for `sign_in_url` with the demo user and returns the URL the server
    /// redirected to (the app's redirect_uri with code/state/iss or error), without following it.
    /// Uses a fresh cookie jar (no existing session); see [`TestIdp::browser`] to keep one.
    pub async fn login(&self, sign_in_url: &str) -> String {
        self.browser().login(sign_in_url).await
    }

    /// Like [`TestIdp::login`] with any credentials. `Err` carries the reason (wrong credentials,
    /// an error page from the server, ...).
    pub async fn login_as(
        &self,
        sign_in_url: &str,
        username: &str,
        password: &str,
    ) -> Result<String, String> {
        self.browser().login_as(sign_in_url, username, password).await
    }

    /// Follows `sign_in_url` with a fresh cookie jar and never submits credentials: `Ok` with the
    /// app redirect the server ends at on its own (a one-time-token sign-in, or an error redirect
    /// such as `prompt=none` → `error=login_required`), `Err` if the password page is shown (its
    /// error text included, e.g. `one_time_token.token_consumed: ...`).
    pub async fn authorize(&self, sign_in_url: &str) -> Result<String, String> {
        self.browser().authorize(sign_in_url).await
    }

    /// Approves the device sign-in at `verification_uri_complete` as the demo user (see
    /// [`IdpBrowser::answer_device`]); the final page's text.
    pub async fn approve_device(&self, verification_uri_complete: &str) -> Result<String, String> {
        self.browser().answer_device(verification_uri_complete, true).await
    }

    /// Cancels the device sign-in at `verification_uri_complete`.
    pub async fn deny_device(&self, verification_uri_complete: &str) -> Result<String, String> {
        self.browser().answer_device(verification_uri_complete, false).await
    }

    /// A scripted browser with its own cookie jar that keeps the server's session across calls.
    pub fn browser(&self) -> IdpBrowser {
        IdpBrowser { endpoint: self.endpoint.clone(), http: browser_client() }
    }

    /// Follows an end-session URL through the logout confirmation and returns the final redirect
    /// Location (the post-logout redirect URI, or the server's own success page). Uses a fresh
    /// cookie jar, so no session is ended and no back-channel logout happens; use
    /// [`IdpBrowser::logout`] with the browser that signed in for that.
    pub async fn logout(&self, end_session_url: &str) -> String {
        self.browser().logout(end_session_url).await
    }

    /// Like [`TestIdp::logout`] but returns errors.
    pub async fn try_logout(&self, end_session_url: &str) -> Result<String, String> {
        self.browser().try_logout(end_session_url).await
    }

    /// Counts of token-endpoint requests since start or the last
    /// [`TestIdp::reset_token_requests`], and every `refresh_token` request.
    pub async fn token_requests(&self) -> TokenRequests {
        TokenRequests::from_json(&self.get_json("/__test/token-requests").await)
    }

    /// Clears what [`TestIdp::token_requests`] reports.
    pub async fn reset_token_requests(&self) {
        self.post_json("/__test/token-requests/reset", None).await;
    }

    /// Makes the token endpoint hold every answer for `delay` after doing its work (a slow
    /// server: a rotation is already made when its answer leaves); zero turns it off.
    pub async fn set_token_delay(&self, delay: std::time::Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.post_json("/__test/token-delay", Some(&serde_json::json!({ "ms": ms }))).await;
    }

    /// Revokes every grant (like an administrator revoking them): all their access tokens, refresh
    /// tokens and codes die, so refreshes answer HTTP 400 `invalid_grant`. Sessions stay (a new
    /// sign-in asks for consent again). Returns how many grants were revoked.
    pub async fn revoke_grants(&self) -> u64 {
        self.post_json("/__test/revoke-grants", None).await["revoked"].as_u64().unwrap_or_default()
    }

    /// Like [`TestIdp::revoke_grants`] for the grants of one user.
    pub async fn revoke_grants_for(&self, sub: &str) -> u64 {
        let path = format!("/__test/revoke-grants?sub={}", enc(sub));
        self.post_json(&path, None).await["revoked"].as_u64().unwrap_or_default()
    }

    /// Ends every session like a sign-out of all its apps: each app of the session with a
    /// back-channel logout URI gets a logout token (awaited; see the result), grants without
    /// `offline_access` are revoked (refresh tokens survive, as with `/oidc/session/end`), the
    /// session is destroyed (the next `prompt=none` gets `login_required`).
    pub async fn end_sessions(&self) -> EndedSessions {
        EndedSessions::from_json(&self.post_json("/__test/end-sessions", None).await)
    }

    /// Like [`TestIdp::end_sessions`] for the sessions of one user.
    pub async fn end_sessions_for(&self, sub: &str) -> EndedSessions {
        let path = format!("/__test/end-sessions?sub={}", enc(sub));
        EndedSessions::from_json(&self.post_json(&path, None).await)
    }

    /// Registers `uri` (an `http://127.0.0.1` or `http://localhost` URL) as the client's
    /// `backchannel_logout_uri` with `backchannel_logout_session_required: true`: ID tokens of
    /// sign-ins started after this carry `sid`, and logout tokens too.
    pub async fn set_backchannel_logout_uri(&self, client_id: &str, uri: &str) {
        self.set_backchannel_logout(client_id, Some(uri), true).await;
    }

    /// Sets (`Some`) or removes (`None`) a client's back-channel logout URI and whether the
    /// session (`sid`) is required. Panics if the server refuses (unknown client, non-loopback URI).
    pub async fn set_backchannel_logout(&self, client_id: &str, uri: Option<&str>, session_required: bool) {
        let body = serde_json::json!({
            "client_id": client_id,
            "backchannel_logout_uri": uri,
            "backchannel_logout_session_required": session_required,
        });
        self.post_json("/__test/backchannel-logout", Some(&body)).await;
    }

    /// Every back-channel logout delivery so far (from `/oidc/session/end` and
    /// [`TestIdp::end_sessions`]), in order.
    pub async fn backchannel_logouts(&self) -> Vec<BackchannelLogout> {
        match self.get_json("/__test/backchannel-logouts").await {
            serde_json::Value::Array(items) => items.iter().map(BackchannelLogout::from_json).collect(),
            other => panic!("unexpected /__test/backchannel-logouts answer: {other}"),
        }
    }

    /// Makes the server send back-channel logout tokens of `shape` from now on (it starts with
    /// [`LogoutTokenShape::WithExp`]).
    pub async fn set_logout_token_shape(&self, shape: LogoutTokenShape) {
        let exp = shape == LogoutTokenShape::WithExp;
        self.post_json("/__test/logout-tokens", Some(&serde_json::json!({ "exp": exp }))).await;
    }

    /// A one-time token for `email` (Logto's magic link, like `POST /api/one-time-tokens`),
    /// valid 10 minutes. An authorization request with `one_time_token=<token>` and
    /// `login_hint=<email>` then signs that user in without the password page (single use). An
    /// unknown email registers a new user, as in Logto. See [`TestIdp::authorize`].
    pub async fn one_time_token(&self, email: &str) -> String {
        self.one_time_token_record(email, None).await["token"].as_str().expect("token").to_owned()
    }

    /// Like [`TestIdp::one_time_token`] with a lifetime in seconds (at least 1).
    pub async fn one_time_token_expiring(&self, email: &str, expires_in_secs: u64) -> String {
        self.one_time_token_record(email, Some(expires_in_secs)).await["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// The whole record Logto's Management API answers with: `id`, `email`, `token`, `context`,
    /// `status` (`active`), `createdAt`, `expiresAt` (ms since the epoch).
    pub async fn one_time_token_record(
        &self,
        email: &str,
        expires_in_secs: Option<u64>,
    ) -> serde_json::Value {
        let mut body = serde_json::json!({ "email": email });
        if let Some(secs) = expires_in_secs {
            body["expiresIn"] = secs.into();
        }
        self.post_json("/__test/one-time-tokens", Some(&body)).await
    }

    /// An impersonation subject token (`sub_...`) for user `sub`, like Logto's
    /// `POST /api/subject-tokens`: single use, valid 600 s; exchange it with
    /// [`grant_types::TOKEN_EXCHANGE`] and [`token_types::IMPERSONATION_TOKEN`] (or, legacy,
    /// [`token_types::ACCESS_TOKEN`]).
    pub async fn impersonation_token(&self, sub: &str) -> String {
        let body = serde_json::json!({ "userId": sub });
        let answer = self.post_json("/__test/subject-tokens", Some(&body)).await;
        answer["subjectToken"].as_str().expect("subjectToken").to_owned()
    }

    /// A personal access token (`pat_...`) of user `sub` without expiry, like Logto's
    /// `POST /api/users/{sub}/personal-access-tokens`; reusable with
    /// [`token_types::PERSONAL_ACCESS_TOKEN`].
    pub async fn personal_access_token(&self, sub: &str) -> String {
        self.personal_access_token_expiring_at(sub, None).await
    }

    /// Like [`TestIdp::personal_access_token`] with an expiry (ms since the epoch; may be in the
    /// past, to test `subject token is expired`).
    pub async fn personal_access_token_expiring_at(&self, sub: &str, expires_at_ms: Option<u64>) -> String {
        let body = serde_json::json!({ "userId": sub, "expiresAt": expires_at_ms });
        let answer = self.post_json("/__test/personal-access-tokens", Some(&body)).await;
        answer["value"].as_str().expect("value").to_owned()
    }

    async fn post_json(&self, path: &str, body: Option<&serde_json::Value>) -> serde_json::Value {
        let url = format!("{}{path}", self.endpoint);
        let mut req = self.http.post(&url);
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = resp.status();
        let json: serde_json::Value =
            resp.json().await.unwrap_or_else(|e| panic!("POST {url}: bad JSON: {e}"));
        assert!(status.is_success(), "POST {url}: HTTP {status}: {json}");
        json
    }

    /// Calls the introspection endpoint with the confidential client; returns the JSON.
    pub async fn introspect(&self, token: &str) -> serde_json::Value {
        let url = format!("{}/oidc/token/introspection", self.endpoint);
        let resp = self
            .http
            .post(&url)
            .basic_auth(clients::CONFIDENTIAL_ID, Some(clients::CONFIDENTIAL_SECRET))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        resp.json().await.unwrap_or_else(|e| panic!("POST {url}: bad JSON: {e}"))
    }

    /// Process id of the server, if still running.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.try_wait();
    }
}

/// A scripted browser (a cookie jar driving the server's pages over plain HTTP) that keeps the
/// server's session between calls. Get one with [`TestIdp::browser`]; clones share the jar.
#[derive(Debug, Clone)]
pub struct IdpBrowser {
    endpoint: String,
    http: reqwest::Client,
}

/// What a browser does when the password page appears.
enum OnLoginPage<'a> {
    Submit(&'a str, &'a str),
    Stop,
}

impl IdpBrowser {
    /// Follows `sign_in_url`, signing in as the demo user if the password page appears, and
    /// returns the app redirect (redirect_uri with code/state/iss or error). Panics on failure.
    pub async fn login(&self, sign_in_url: &str) -> String {
        self.login_as(sign_in_url, demo_user::USERNAME, demo_user::PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("test IdP login failed: {e}"))
    }

    /// Like [`IdpBrowser::login`] with any credentials.
    pub async fn login_as(
        &self,
        sign_in_url: &str,
        username: &str,
        password: &str,
    ) -> Result<String, String> {
        self.drive(sign_in_url, OnLoginPage::Submit(username, password)).await
    }

    /// Follows `sign_in_url` without ever submitting credentials: `Ok` with the app redirect when
    /// the server finishes on its own (existing session, one-time token, error redirect such as
    /// `prompt=none` → `login_required`), `Err` when the password page is shown (with its error
    /// text, if any).
    pub async fn authorize(&self, sign_in_url: &str) -> Result<String, String> {
        self.drive(sign_in_url, OnLoginPage::Stop).await
    }

    async fn drive(&self, sign_in_url: &str, on_login: OnLoginPage<'_>) -> Result<String, String> {
        let browser = &self.http;
        let redirect_uri = Url::parse(sign_in_url)
            .map_err(|e| format!("bad sign-in URL {sign_in_url}: {e}"))?
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| v.into_owned());
        let mut resp = send(browser.get(sign_in_url), sign_in_url).await?;
        let mut current = sign_in_url.to_owned();
        let mut submitted = false;
        for _ in 0..30 {
            let status = resp.status();
            if status.is_redirection() {
                let location = location(&resp, &current)?;
                if self.is_app_redirect(&location, redirect_uri.as_deref()) {
                    return Ok(location);
                }
                resp = send(browser.get(&location), &location).await?;
                current = location;
                continue;
            }
            let body = resp.text().await.map_err(|e| format!("reading {current}: {e}"))?;
            if status == StatusCode::UNAUTHORIZED && submitted {
                let user = match on_login {
                    OnLoginPage::Submit(username, _) => format!(" for user {username:?}"),
                    OnLoginPage::Stop => String::new(),
                };
                return Err(format!("login rejected{user} (HTTP 401)"));
            }
            if status == StatusCode::OK
                && let Some(action) = find_attr_after(&body, "<form", "action")
                && action.starts_with("/interaction/")
            {
                let (username, password) = match on_login {
                    OnLoginPage::Stop => {
                        let error = page_error(&body).map(|e| format!(": {e}")).unwrap_or_default();
                        return Err(format!("login page shown{error}"));
                    }
                    OnLoginPage::Submit(username, password) => (username, password),
                };
                if submitted {
                    return Err("login page shown again after submitting credentials".into());
                }
                let target = join(&current, &action)?;
                submitted = true;
                resp = send(
                    browser.post(&target).form(&[("username", username), ("password", password)]),
                    &target,
                )
                .await?;
                current = target;
                continue;
            }
            return Err(format!("unexpected HTTP {status} at {current}: {body}"));
        }
        Err("too many redirects".into())
    }

    fn is_app_redirect(&self, location: &str, redirect_uri: Option<&str>) -> bool {
        let strip = |s: &str| s.split(['?', '#']).next().unwrap_or_default().to_owned();
        if redirect_uri.is_some_and(|r| strip(location) == strip(r)) {
            return true;
        }
        !location.starts_with(&format!("{}/", self.endpoint))
    }

    /// Answers a device sign-in as its user would at `verification_uri_complete` (Logto's
    /// `{endpoint}/device?user_code=...`): confirms the code and signs the demo user in
    /// (`approve`), or cancels. `Ok` with the final page's text.
    pub async fn answer_device(
        &self,
        verification_uri_complete: &str,
        approve: bool,
    ) -> Result<String, String> {
        let browser = &self.http;
        let mut current = verification_uri_complete.to_owned();
        let mut resp = send(browser.get(&current), &current).await?;
        let mut confirmed = false;
        let mut submitted = false;
        for _ in 0..30 {
            let status = resp.status();
            if status.is_redirection() {
                let next = location(&resp, &current)?;
                resp = send(browser.get(&next), &next).await?;
                current = next;
                continue;
            }
            let body = resp.text().await.map_err(|e| format!("reading {current}: {e}"))?;
            if !status.is_success() {
                return Err(format!("HTTP {status} at {current}: {body}"));
            }
            // The code page (`/device?user_code=...` posts it at once, as a browser's script
            // would; or shows it filled in), then the confirmation.
            let auto_submit =
                body.contains("document.forms[0].submit()").then(|| body.find("<form")).flatten();
            let code_form =
                auto_submit.or_else(|| body.find("id=\"op.deviceInputForm\"")).filter(|_| !confirmed);
            if let Some(at) =
                code_form.or_else(|| body.find("id=\"op.deviceConfirmForm\"").filter(|_| !confirmed))
            {
                let confirming = code_form.is_none();
                let form = &body[body[..at].rfind("<form").unwrap_or(at)..];
                let form = &form[..form.find("</form>").unwrap_or(form.len())];
                let action = find_attr_after(form, "<form", "action").ok_or("no form action")?;
                let mut fields: Vec<(String, String)> = form
                    .match_indices("<input")
                    .filter_map(|(i, _)| {
                        let tag = &form[i..i + form[i..].find('>').unwrap_or(form.len() - i)];
                        Some((attr_value(tag, "name")?, attr_value(tag, "value")?))
                    })
                    .collect();
                if confirming && !approve {
                    fields.push(("abort".into(), "yes".into()));
                }
                let target = join(&current, &action)?;
                confirmed = confirming;
                resp = send(browser.post(&target).form(&fields), &target).await?;
                current = target;
                continue;
            }
            if let Some(action) =
                find_attr_after(&body, "<form", "action").filter(|a| a.starts_with("/interaction/"))
                && !submitted
            {
                let target = join(&current, &action)?;
                submitted = true;
                let form = [("username", demo_user::USERNAME), ("password", demo_user::PASSWORD)];
                resp = send(browser.post(&target).form(&form), &target).await?;
                current = target;
                continue;
            }
            return Ok(body);
        }
        Err("too many redirects".into())
    }

    /// Follows an end-session URL through the logout confirmation (ending this browser's session,
    /// so apps with a back-channel logout URI get logout tokens) and returns the final redirect
    /// Location (the post-logout redirect URI, or the server's own success page).
    pub async fn logout(&self, end_session_url: &str) -> String {
        self.try_logout(end_session_url).await.unwrap_or_else(|e| panic!("test IdP logout failed: {e}"))
    }

    /// Like [`IdpBrowser::logout`] but returns errors.
    pub async fn try_logout(&self, end_session_url: &str) -> Result<String, String> {
        let browser = &self.http;
        let mut current = end_session_url.to_owned();
        let mut resp = send(browser.get(&current), &current).await?;
        let mut last_location: Option<String> = None;
        for _ in 0..10 {
            let status = resp.status();
            if status.is_redirection() {
                let location = location(&resp, &current)?;
                if !location.starts_with(&format!("{}/", self.endpoint)) {
                    return Ok(location);
                }
                last_location = Some(location.clone());
                resp = send(browser.get(&location), &location).await?;
                current = location;
                continue;
            }
            let body = resp.text().await.map_err(|e| format!("reading {current}: {e}"))?;
            if status != StatusCode::OK {
                return Err(format!("unexpected HTTP {status} at {current}: {body}"));
            }
            let Some(form_start) = body.find("/session/end/confirm") else {
                // The success page (no post_logout_redirect_uri).
                return last_location.ok_or_else(|| format!("no logout form at {current}: {body}"));
            };
            let form_open = body[..form_start].rfind("<form").unwrap_or(form_start);
            let form_end = body[form_open..].find("</form>").map_or(body.len(), |i| form_open + i);
            let form = &body[form_open..form_end];
            let action = find_attr_after(form, "<form", "action").ok_or("logout form without action")?;
            let mut fields = hidden_inputs(form);
            fields.retain(|(name, _)| name != "logout");
            fields.push(("logout".into(), "yes".into()));
            let target = join(&current, &action)?;
            resp = send(browser.post(&target).form(&fields), &target).await?;
            current = target;
        }
        Err("too many redirects".into())
    }
}

/// Token-endpoint statistics from [`TestIdp::token_requests`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRequests {
    /// All token requests.
    pub total: u64,
    /// Requests by `grant_type` (`(none)` if missing).
    pub by_grant_type: BTreeMap<String, u64>,
    /// Requests by outcome: `ok` (HTTP 200), the OAuth `error` code (`invalid_grant`, ...), or
    /// `http_<status>` for an error without one.
    pub by_outcome: BTreeMap<String, u64>,
    /// Requests by `grant_type`, then outcome.
    pub by_grant_type_and_outcome: BTreeMap<String, BTreeMap<String, u64>>,
    /// Every `refresh_token` request, in order.
    pub refresh_requests: Vec<RefreshRequest>,
}

impl TokenRequests {
    /// Requests with this grant type and outcome (`"ok"`, `"invalid_grant"`, ...).
    pub fn count(&self, grant_type: &str, outcome: &str) -> u64 {
        self.by_grant_type_and_outcome.get(grant_type).and_then(|m| m.get(outcome)).copied().unwrap_or(0)
    }

    /// Requests with this grant type, whatever the outcome.
    pub fn grant_type(&self, grant_type: &str) -> u64 {
        self.by_grant_type.get(grant_type).copied().unwrap_or(0)
    }

    /// Successful `refresh_token` requests.
    pub fn refresh_ok(&self) -> u64 {
        self.count(grant_types::REFRESH_TOKEN, "ok")
    }

    /// `refresh_token` requests that presented `refresh_token` (compared by hash).
    pub fn refreshes_with(&self, refresh_token: &str) -> Vec<&RefreshRequest> {
        let hash = token_hash(refresh_token);
        self.refresh_requests.iter().filter(|r| r.refresh_token_sha256.as_deref() == Some(&hash)).collect()
    }

    fn from_json(v: &serde_json::Value) -> Self {
        let counts = |v: &serde_json::Value| -> BTreeMap<String, u64> {
            v.as_object()
                .map(|o| o.iter().map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0))).collect())
                .unwrap_or_default()
        };
        Self {
            total: v["total"].as_u64().unwrap_or(0),
            by_grant_type: counts(&v["by_grant_type"]),
            by_outcome: counts(&v["by_outcome"]),
            by_grant_type_and_outcome: v["by_grant_type_and_outcome"]
                .as_object()
                .map(|o| o.iter().map(|(k, m)| (k.clone(), counts(m))).collect())
                .unwrap_or_default(),
            refresh_requests: v["refresh_requests"]
                .as_array()
                .map(|a| a.iter().map(RefreshRequest::from_json).collect())
                .unwrap_or_default(),
        }
    }
}

/// One `refresh_token` request seen by the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRequest {
    /// When it was answered, ms since the epoch (server clock).
    pub at_ms: u64,
    /// The client (Basic auth user or `client_id`).
    pub client_id: Option<String>,
    /// [`token_hash`] of the presented refresh token (never the value).
    pub refresh_token_sha256: Option<String>,
    /// The `resource` parameter (first value if repeated).
    pub resource: Option<String>,
    /// The `organization_id` parameter.
    pub organization_id: Option<String>,
    /// HTTP status of the answer.
    pub status: u16,
    /// `ok` or the error code.
    pub outcome: String,
    /// [`token_hash`] of the refresh token in the answer (`None` on errors).
    pub issued_refresh_token_sha256: Option<String>,
    /// Whether the answer carried a different refresh token than the presented one.
    pub rotated: bool,
}

impl RefreshRequest {
    fn from_json(v: &serde_json::Value) -> Self {
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Array(items) => items.first().and_then(|i| i.as_str()).map(str::to_owned),
            _ => None,
        };
        Self {
            at_ms: v["at_ms"].as_u64().unwrap_or(0),
            client_id: text(&v["client_id"]),
            refresh_token_sha256: text(&v["refresh_token_sha256"]),
            resource: text(&v["resource"]),
            organization_id: text(&v["organization_id"]),
            status: v["status"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0),
            outcome: v["outcome"].as_str().unwrap_or_default().to_owned(),
            issued_refresh_token_sha256: text(&v["issued_refresh_token_sha256"]),
            rotated: v["rotated"].as_bool().unwrap_or(false),
        }
    }
}

/// The shape of the back-channel logout tokens the server sends
/// ([`TestIdp::set_logout_token_shape`]); both carry `iss, aud, iat, jti, sub, events` (and `sid`
/// when the app requires it) under `typ: logout+jwt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutTokenShape {
    /// Logto 1.42 and later (oidc-provider 9): an `exp` 120 s after `iat`.
    WithExp,
    /// Every Logto before 1.42: no `exp`.
    WithoutExp,
}

impl LogoutTokenShape {
    /// Both shapes, for tests that run once with each.
    pub const ALL: [Self; 2] = [Self::WithExp, Self::WithoutExp];
}

/// One back-channel logout token delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackchannelLogout {
    /// When, ms since the epoch (server clock).
    pub at_ms: u64,
    /// The client that was notified.
    pub client_id: String,
    /// Its `backchannel_logout_uri`.
    pub uri: Option<String>,
    /// The user (`sub` of the logout token).
    pub sub: Option<String>,
    /// The session id (`sid` of the logout token when the client requires it).
    pub sid: Option<String>,
    /// Whether the app answered 200 or 204.
    pub ok: bool,
    /// Why not, if not.
    pub error: Option<String>,
}

impl BackchannelLogout {
    fn from_json(v: &serde_json::Value) -> Self {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        Self {
            at_ms: v["at_ms"].as_u64().unwrap_or(0),
            client_id: v["client_id"].as_str().unwrap_or_default().to_owned(),
            uri: text(&v["uri"]),
            sub: text(&v["sub"]),
            sid: text(&v["sid"]),
            ok: v["ok"].as_bool().unwrap_or(false),
            error: text(&v["error"]),
        }
    }
}

/// What [`TestIdp::end_sessions`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedSessions {
    /// Sessions ended.
    pub ended: u64,
    /// Logout tokens delivered (or attempted) meanwhile.
    pub backchannel_logouts: Vec<BackchannelLogout>,
}

impl EndedSessions {
    fn from_json(v: &serde_json::Value) -> Self {
        Self {
            ended: v["ended"].as_u64().unwrap_or(0),
            backchannel_logouts: v["backchannel_logouts"]
                .as_array()
                .map(|a| a.iter().map(BackchannelLogout::from_json).collect())
                .unwrap_or_default(),
        }
    }
}

/// The hash the server reports instead of a token's value: lowercase hex SHA-256 of its UTF-8
/// bytes (see [`RefreshRequest::refresh_token_sha256`]).
pub fn token_hash(token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Text of the login page's error paragraph, if any.
fn page_error(html: &str) -> Option<String> {
    let start = html.find("<p id=\"error\"")?;
    let open_end = html[start..].find('>')? + start + 1;
    let close = html[open_end..].find("</p>")? + open_end;
    Some(unescape_html(&html[open_end..close]))
}

async fn send(req: reqwest::RequestBuilder, url: &str) -> Result<reqwest::Response, String> {
    req.send().await.map_err(|e| format!("request to {url} failed: {e}"))
}

fn join(base: &str, reference: &str) -> Result<String, String> {
    Url::parse(base)
        .and_then(|b| b.join(reference))
        .map(String::from)
        .map_err(|e| format!("cannot resolve {reference} against {base}: {e}"))
}

fn location(resp: &reqwest::Response, current: &str) -> Result<String, String> {
    let value = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or_else(|| format!("HTTP {} without Location at {current}", resp.status()))?
        .to_str()
        .map_err(|e| format!("bad Location at {current}: {e}"))?;
    join(current, value)
}

fn unescape_html(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// Value of attribute `attr` in the first tag starting with `tag`.
fn find_attr_after(html: &str, tag: &str, attr: &str) -> Option<String> {
    let start = html.find(tag)?;
    let end = html[start..].find('>')? + start;
    attr_value(&html[start..end], attr)
}

fn attr_value(tag: &str, attr: &str) -> Option<String> {
    let needle = format!("{attr}=");
    let mut search = 0;
    while let Some(i) = tag[search..].find(&needle) {
        let at = search + i;
        let boundary = at == 0 || tag[..at].ends_with(|c: char| c.is_whitespace());
        let rest = &tag[at + needle.len()..];
        if boundary && let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let value = &rest[1..];
            let close = value.find(q)?;
            return Some(unescape_html(&value[..close]));
        }
        search = at + needle.len();
    }
    None
}

fn hidden_inputs(form: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find("<input") {
        let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
        let tag = &rest[i..tag_end];
        if let Some(name) = attr_value(tag, "name") {
            out.push((name, attr_value(tag, "value").unwrap_or_default()));
        }
        rest = &rest[tag_end..];
    }
    out
}
