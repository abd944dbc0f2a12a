//! The Logto sample web app (the Python SDK's Flask sample) on axum: `/`, `/sign-in`,
//! `/sign-up`, `/callback`, `/sign-out`, `/protected`, `/protected/userinfo`,
//! `/protected/organizations`, and `/api/data` behind the bearer guard.
//!
//! [`SampleConfig::from_env`] reads `LOGTO_ENDPOINT`, `LOGTO_APP_ID`, `LOGTO_APP_SECRET`,
//! `APP_BASE_URL`, `HOST`, `PORT`, `API_RESOURCE`, `COOKIE_SECURE` and `REDIS_URL`;
//! [`app`] builds the router.

use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use logto::verifier::AccessTokenVerifier;
use logto::{LogtoClient, LogtoConfig, UserInfoScope};
use logto_axum::redis::Redis;
use logto_axum::tower_sessions::MemoryStore;
use logto_axum::{
    AuthSettings, BearerAuthLayer, BearerClaims, LogtoAuth, RedirectToSignIn, SessionConfig, SignedInUser,
    escape_html,
};
use serde_json::json;

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
    /// The API resource of `/api/data` (`API_RESOURCE`, default `https://api.example.com`).
    pub api_resource: String,
    /// Whether the session cookie is `Secure` (`COOKIE_SECURE`, default: base URL is https).
    pub cookie_secure: bool,
    /// Redis URL for sessions (`REDIS_URL`); memory when unset.
    pub redis_url: Option<String>,
}

/// The scope `/api/data` requires.
pub const API_SCOPE: &str = "read:data";

impl SampleConfig {
    /// A config for the Logto server at `endpoint` and the app served at `base_url`.
    pub fn new(endpoint: &str, app_id: &str, app_secret: Option<&str>, base_url: &str) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            app_id: app_id.to_owned(),
            app_secret: app_secret.map(str::to_owned),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_resource: "https://api.example.com".to_owned(),
            cookie_secure: base_url.starts_with("https://"),
            redis_url: None,
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
        if let Some(resource) = var("API_RESOURCE") {
            config.api_resource = resource;
        }
        if let Some(secure) = var("COOKIE_SECURE") {
            config.cookie_secure = matches!(secure.as_str(), "1" | "true" | "yes");
        }
        config.redis_url = var("REDIS_URL");
        Ok(config)
    }
}

#[derive(Clone)]
struct AppState {
    api_resource: String,
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
        .with_scopes([
            UserInfoScope::Email,
            UserInfoScope::Phone,
            UserInfoScope::CustomData,
            UserInfoScope::Identities,
            UserInfoScope::Roles,
            UserInfoScope::Organizations,
            UserInfoScope::OrganizationRoles,
        ])
        .with_resources([config.api_resource.as_str()]);
    if let Some(secret) = &config.app_secret {
        logto_config = logto_config.with_app_secret(secret.as_str());
    }
    let redis = match &config.redis_url {
        Some(url) => Some(Redis::connect(url).await?),
        None => None,
    };
    let mut builder = LogtoClient::builder(logto_config);
    if let Some(redis) = &redis {
        // Every instance on this Redis refreshes a session's refresh token one at a time.
        builder = builder.coordinator(redis.coordinator());
    }
    let client = builder.build()?;
    let verifier =
        AccessTokenVerifier::new(client.oidc_core().await?, &config.api_resource).require_scopes([API_SCOPE]);
    let auth = LogtoAuth::new(client, AuthSettings::new(&config.base_url))?;

    let api = Router::new()
        .route("/api/data", get(api_data))
        .route_layer(BearerAuthLayer::new(verifier).realm("sample-api"));
    let router = Router::new()
        .route("/", get(home))
        .route("/protected", get(protected))
        .route("/protected/userinfo", get(protected_userinfo))
        .route("/protected/organizations", get(protected_organizations))
        .merge(auth.routes())
        .with_state(AppState { api_resource: config.api_resource.clone() })
        .merge(api)
        .merge(extra)
        .layer(auth.layer());
    let session = SessionConfig::default().secure(config.cookie_secure);
    Ok(match redis {
        Some(redis) => router.layer(session.layer(redis.session_store())),
        None => router.layer(session.layer(MemoryStore::default())),
    })
}

const NAVIGATION: &str = "<nav><a href=\"/\">Home</a> | <a href=\"/protected\">Protected</a> | \
    <a href=\"/protected/userinfo\">User info</a> | <a href=\"/protected/organizations\">Organizations</a> | \
    <form method=\"post\" action=\"/sign-out\" style=\"display:inline\"><button id=\"sign-out\">Sign out</button></form></nav>";

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title} · Logto axum sample</title>\
         <style>body{{font-family:sans-serif;margin:2em;max-width:60em}}pre{{background:#f4f4f4;padding:1em;overflow:auto}}</style>\
         </head><body><h1>{title}</h1>{body}</body></html>",
        title = escape_html(title)
    ))
}

fn pretty(value: &impl serde::Serialize) -> String {
    escape_html(&serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("unprintable: {e}")))
}

async fn home(State(state): State<AppState>, user: Option<SignedInUser>) -> Html<String> {
    let Some(user) = user else {
        return page(
            "Not signed in",
            "<p id=\"status\">Not authenticated</p>\
             <p><a id=\"sign-in\" href=\"/sign-in\">Sign in</a> or <a id=\"sign-up\" href=\"/sign-up\">Sign up</a></p>",
        );
    };
    let claims = user.claims();
    let user_info = match user.fetch_user_info().await {
        Ok(info) => format!("<pre id=\"userinfo\">{}</pre>", pretty(&info)),
        Err(error) => {
            format!("<p id=\"userinfo-error\">User info unavailable: {}</p>", escape_html(&error.to_string()))
        }
    };
    let api_token = match user.access_token(&state.api_resource).await {
        Ok(_) => format!(
            "<p>An access token for <code>{}</code> is available.</p>",
            escape_html(&state.api_resource)
        ),
        Err(error) => format!("<p>No API access token: {}</p>", escape_html(&error.to_string())),
    };
    page(
        "Signed in",
        &format!(
            "<p id=\"status\">Signed in as <strong id=\"user-name\">{name}</strong> (<code id=\"user-sub\">{sub}</code>)</p>\
             {NAVIGATION}<h2>ID token claims</h2><pre id=\"claims\">{claims}</pre><h2>User info</h2>{user_info}{api_token}",
            name = escape_html(claims.name.as_deref().or(claims.username.as_deref()).unwrap_or("unknown")),
            sub = escape_html(&claims.sub),
            claims = pretty(claims),
        ),
    )
}

async fn protected(user: SignedInUser<RedirectToSignIn>) -> Html<String> {
    page(
        "Protected",
        &format!(
            "{NAVIGATION}<p>Only signed-in users see this.</p><pre id=\"claims\">{}</pre>",
            pretty(user.claims())
        ),
    )
}

async fn protected_userinfo(user: SignedInUser<RedirectToSignIn>) -> Response {
    match user.fetch_user_info().await {
        Ok(info) => page("User info", &format!("{NAVIGATION}<pre id=\"userinfo\">{}</pre>", pretty(&info)))
            .into_response(),
        Err(error) => logto_axum::AuthError(error).into_response(),
    }
}

async fn protected_organizations(user: SignedInUser<RedirectToSignIn>) -> Response {
    let organizations = user.claims().organizations.clone().unwrap_or_default();
    let mut body = format!("{NAVIGATION}<h2>Organizations</h2>");
    if organizations.is_empty() {
        body.push_str("<p>The user is in no organization.</p>");
    }
    for organization in &organizations {
        let token = match user.client().get_organization_token_claims(organization).await {
            Ok(claims) => format!("<pre>{}</pre>", pretty(&claims)),
            Err(error) => format!("<p>No organization token: {}</p>", escape_html(&error.to_string())),
        };
        body.push_str(&format!("<h3 class=\"organization\">{}</h3>{token}", escape_html(organization)));
    }
    page("Organizations", &body).into_response()
}

async fn api_data(BearerClaims(claims): BearerClaims) -> axum::Json<serde_json::Value> {
    axum::Json(json!({
        "data": ["alpha", "beta"],
        "sub": claims.sub,
        "scope": claims.scope,
    }))
}
