//! Test harness for the Logto-like OpenID Connect server in `testing/idp`.
//!
//! [`TestIdp::start`] installs the server's npm dependencies on first use (`npm ci`, guarded by a
//! lock file so parallel test processes do not race), spawns `node server.mjs --port 0`, and waits
//! until discovery answers. The child process is killed when the [`TestIdp`] is dropped.
//!
//! [`TestIdp::login`] and [`TestIdp::logout`] drive the server's HTML pages over plain HTTP with a
//! cookie jar, stopping at the app's redirect URI, so tests never need a browser.

pub mod forge;
pub mod mock;

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
}

impl Default for IdpOptions {
    fn default() -> Self {
        Self { alg: "ES384", access_token_ttl: None, id_token_ttl: None, refresh_token_ttl: None }
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
    pub async fn login(&self, sign_in_url: &str) -> String {
        self.login_as(sign_in_url, demo_user::USERNAME, demo_user::PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("test IdP login failed: {e}"))
    }

    /// Like [`TestIdp::login`] with any credentials. `Err` carries the reason (wrong credentials,
    /// an error page from the server, ...).
    pub async fn login_as(
        &self,
        sign_in_url: &str,
        username: &str,
        password: &str,
    ) -> Result<String, String> {
        let browser = browser_client();
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
                return Err(format!("login rejected for user {username:?} (HTTP 401)"));
            }
            if status == StatusCode::OK
                && let Some(action) = find_attr_after(&body, "<form", "action")
                && action.starts_with("/interaction/")
            {
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

    /// Follows an end-session URL through the logout confirmation and returns the final redirect
    /// Location (the post-logout redirect URI, or the server's own success page).
    pub async fn logout(&self, end_session_url: &str) -> String {
        self.try_logout(end_session_url).await.unwrap_or_else(|e| panic!("test IdP logout failed: {e}"))
    }

    /// Like [`TestIdp::logout`] but returns errors.
    pub async fn try_logout(&self, end_session_url: &str) -> Result<String, String> {
        let browser = browser_client();
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
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
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
