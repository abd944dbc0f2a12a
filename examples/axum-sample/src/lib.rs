//! The Logto sample web app (the Python SDK's Flask sample) on axum, with pages that show the
//! session as a person wants to see it:
//!
//! - `/`: what the sample is, with sign-in and create-account buttons; once signed in, who is
//!   signed in, the ID token's issuer, audience and expiry, whether a refresh token is held, and
//!   every access token of the session with its audience, scopes and a live expiry countdown;
//! - `/protected`: the ID token's claims; `/protected/userinfo`: the userinfo claims;
//!   `/protected/organizations`: the user's organizations, roles and organization tokens;
//!   `/protected/api`: a server-side call of `/api/data` with the access token, and without;
//! - `/sign-in`, `/sign-up`, `/callback`, `/sign-out` (a POST form): the `logto-axum` routes;
//! - `/api/data`: a JSON API behind the bearer guard (`read:data` on the API resource).
//!
//! Errors are pages in the same style. Token values never appear on a page.
//!
//! [`SampleConfig::from_env`] reads `LOGTO_ENDPOINT`, `LOGTO_APP_ID`, `LOGTO_APP_SECRET`,
//! `APP_BASE_URL`, `HOST`, `PORT`, `LOGTO_API_RESOURCE` (or `API_RESOURCE`), `API_URL`, `COOKIE_SECURE`, `REDIS_URL` and
//! `LOGTO_COORDINATION`; [`app`] builds the router.
//!
//! Several instances of the sample behind one load balancer share one `REDIS_URL`: the
//! sessions live in Redis and the instances refresh a session's rotating refresh token one at a
//! time through it (see [`Coordination`]). Set `APP_BASE_URL` to the load balancer's public URL.

use axum::Router;
use axum::middleware::map_response;
use axum::routing::get;
use logto::verifier::AccessTokenVerifier;
use logto::{LogtoClient, LogtoConfig, UserInfoScope};
use logto_axum::redis::Redis;
use logto_axum::{AuthSettings, BearerAuthLayer, LogtoAuth, MemorySessionStore, SessionConfig};
use std::time::Duration;

mod api;
mod errors;
mod layout;
mod pages;
mod tokens;
mod view;

/// Everything the sample needs to know.
#[derive(Debug, Clone)]
pub struct SampleConfig {
    /// The Logto endpoint (`LOGTO_ENDPOINT`).
    pub endpoint: String,
    /// The app id (`LOGTO_APP_ID`).
    pub app_id: String,
    /// The app secret (`LOGTO_APP_SECRET`).
    pub app_secret: Option<String>,
    /// The public URL of the app (`APP_BASE_URL`, default `http://{HOST}:{PORT}`).
    pub base_url: String,
    /// The API resource of `/api/data` (`LOGTO_API_RESOURCE`, or `API_RESOURCE`, as the Python
    /// samples read it; default `https://api.example.com`).
    pub api_resource: String,
    /// Where the API-call page calls `/api/data` from the server (`API_URL`, default
    /// `{base_url}/api/data`; set it when the app cannot reach its own public address).
    pub api_url: String,
    /// Whether the session cookie is `Secure` (`COOKIE_SECURE`, default: base URL is https).
    pub cookie_secure: bool,
    /// Redis URL for sessions and refresh coordination (`REDIS_URL`); memory when unset.
    pub redis_url: Option<String>,
    /// How refreshes are coordinated (`LOGTO_COORDINATION`).
    pub coordination: Coordination,
    /// A machine-to-machine app with the Management API's `all` permission, for the
    /// organization admin page (`LOGTO_M2M_APP_ID`, `LOGTO_M2M_APP_SECRET`); the page says it is
    /// off without one.
    pub management_app: Option<(String, String)>,
}

/// How the app's refreshes of a session are coordinated (`LOGTO_COORDINATION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Coordination {
    /// Across every instance on the same Redis (`redis`, the default with `REDIS_URL`); within
    /// this process without it.
    #[default]
    Shared,
    /// Within this process only (`local`), even with `REDIS_URL`: several instances then
    /// refresh one session's refresh token at the same time and the identity server revokes
    /// the grant. Only for showing why coordination matters (the multi-instance test proves
    /// it fails).
    Local,
}

/// The scope `/api/data` requires (requested at sign-in, so the API resource token has it).
pub const API_SCOPE: &str = "read:data";

/// The organization scopes requested at sign-in: an organization token carries those of them
/// the user's organization roles grant.
pub const ORGANIZATION_SCOPES: [&str; 2] = ["read:org", "write:org"];

impl SampleConfig {
    /// A config for the Logto server at `endpoint` and the app served at `base_url`.
    pub fn new(endpoint: &str, app_id: &str, app_secret: Option<&str>, base_url: &str) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            app_id: app_id.to_owned(),
            app_secret: app_secret.map(str::to_owned),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_resource: "https://api.example.com".to_owned(),
            api_url: format!("{}/api/data", base_url.trim_end_matches('/')),
            cookie_secure: base_url.starts_with("https://"),
            redis_url: None,
            coordination: Coordination::Shared,
            management_app: None,
        }
    }

    /// Reads the environment; `host` and `port` are where the app listens (the default base
    /// URL is `http://{host}:{port}`, `localhost` for a wildcard host).
    pub fn from_env(host: &str, port: u16) -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let endpoint = var("LOGTO_ENDPOINT").ok_or("LOGTO_ENDPOINT is not set")?;
        let app_id = var("LOGTO_APP_ID").ok_or("LOGTO_APP_ID is not set")?;
        let shown_host = if matches!(host, "0.0.0.0" | "::" | "[::]") { "localhost" } else { host };
        let base_url = var("APP_BASE_URL").unwrap_or_else(|| format!("http://{shown_host}:{port}"));
        let mut config = Self::new(&endpoint, &app_id, var("LOGTO_APP_SECRET").as_deref(), &base_url);
        if let Some(resource) = var("LOGTO_API_RESOURCE").or_else(|| var("API_RESOURCE")) {
            config.api_resource = resource;
        }
        if let Some(url) = var("API_URL") {
            config.api_url = url;
        }
        if let Some(secure) = var("COOKIE_SECURE") {
            config.cookie_secure = matches!(secure.as_str(), "1" | "true" | "yes");
        }
        config.redis_url = var("REDIS_URL");
        config.management_app = var("LOGTO_M2M_APP_ID").zip(var("LOGTO_M2M_APP_SECRET"));
        config.coordination = match var("LOGTO_COORDINATION").as_deref() {
            None | Some("redis") => Coordination::Shared,
            Some("local") => Coordination::Local,
            Some(other) => return Err(format!("LOGTO_COORDINATION is `redis` or `local`, not `{other}`")),
        };
        Ok(config)
    }
}

/// What the pages need besides the session.
#[derive(Debug, Clone)]
struct AppState {
    api_resource: String,
    api_url: String,
    /// The HTTP client of the API-call page.
    http: reqwest::Client,
    /// Where sessions are kept, in words.
    store: &'static str,
    /// The Management API, when the sample has a machine-to-machine app for it.
    management: Option<logto_management::ManagementClient>,
}

/// Builds the sample's router (discovers the Logto server once, for the bearer guard).
pub async fn app(config: &SampleConfig) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    app_with(config, Router::new()).await
}

/// [`app`] with `extra` routes behind the same session and auth layers (used by tests).
pub async fn app_with(
    config: &SampleConfig,
    extra: Router,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let mut logto_config = LogtoConfig::new(&config.endpoint, &config.app_id)
        .with_scopes(
            [
                UserInfoScope::Email,
                UserInfoScope::Phone,
                UserInfoScope::Address,
                UserInfoScope::CustomData,
                UserInfoScope::Identities,
                UserInfoScope::Roles,
                UserInfoScope::Organizations,
                UserInfoScope::OrganizationRoles,
                API_SCOPE,
            ]
            .into_iter()
            .chain(ORGANIZATION_SCOPES),
        )
        .with_resources([config.api_resource.as_str()]);
    if let Some(secret) = &config.app_secret {
        logto_config = logto_config.with_app_secret(secret.as_str());
    }
    let redis = match &config.redis_url {
        Some(url) => Some(Redis::connect(url).await?),
        None => None,
    };
    let mut builder = LogtoClient::builder(logto_config);
    if let Some(redis) = &redis
        && config.coordination == Coordination::Shared
    {
        // Every instance on this Redis refreshes a session's refresh token one at a time.
        builder = builder.coordinator(redis.coordinator());
    }
    let client = builder.build()?;
    let verifier =
        AccessTokenVerifier::new(client.oidc_core().await?, &config.api_resource).require_scopes([API_SCOPE]);
    let auth = LogtoAuth::new(client, AuthSettings::new(&config.base_url))?;
    let state = AppState {
        api_resource: config.api_resource.clone(),
        api_url: config.api_url.clone(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        store: if config.redis_url.is_some() { "Redis, server-side" } else { "memory, server-side" },
        management: match &config.management_app {
            Some((id, secret)) => {
                Some(logto_management::ManagementClient::new(&config.endpoint, id, secret)?)
            }
            None => None,
        },
    };

    let api = Router::new()
        .route("/api/data", get(api::data))
        .route_layer(BearerAuthLayer::new(verifier).realm("sample-api"));
    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/protected", get(pages::id_token))
        .route("/protected/userinfo", get(pages::user_info))
        .route("/protected/organizations", get(pages::organizations))
        .route("/protected/api", get(pages::api_call))
        .route("/protected/account", get(pages::account).post(pages::change_account))
        .route("/protected/organizations/{id}/members", get(pages::members).post(pages::change_members))
        .merge(auth.routes())
        .fallback(errors::not_found)
        .with_state(state)
        // Error pages of the integration (a forged callback, a failed session) in this style.
        .layer(map_response(errors::restyle));
    let router = pages.merge(api).merge(extra).layer(auth.layer());
    let session = SessionConfig::default().secure(config.cookie_secure);
    let router = match redis {
        Some(redis) => router.layer(session.layer(redis.session_store())),
        None => router.layer(session.layer(MemorySessionStore::new())),
    };
    // The session layer's own answers (the store unreachable: 503) in the sample's style too.
    Ok(router.layer(map_response(errors::restyle)).layer(map_response(errors::fill_empty_server_error)))
}
