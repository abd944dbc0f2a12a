//! Shared helpers: an app served on 127.0.0.1:0 against the test identity server, and a
//! cookie-jar client that does not follow redirects.
#![allow(dead_code, unreachable_pub, missing_docs)]

use axum::Json;
use axum::Router;
use axum::routing::get;
use logto::session::SessionStore;
use logto::{LogtoClient, LogtoConfig};
use logto_axum::{AuthSettings, JsonUnauthorized, LogtoAuth, RedirectToSignIn, SessionConfig, SignedInUser};
use logto_test_idp::{TestIdp, clients, resources};

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("reqwest client")
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| panic!("no Location in a {} answer", response.status()))
        .to_str()
        .expect("ASCII Location")
        .to_owned()
}

pub fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("ASCII cookie").to_owned())
        .collect()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url).ok()?.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

async fn protected(user: SignedInUser<RedirectToSignIn>) -> Json<logto::IdTokenClaims> {
    Json(user.claims().clone())
}

async fn api_me(user: SignedInUser<JsonUnauthorized>) -> Json<logto::IdTokenClaims> {
    Json(user.claims().clone())
}

async fn userinfo(user: SignedInUser) -> Result<Json<logto::UserInfoResponse>, logto_axum::AuthError> {
    Ok(Json(user.fetch_user_info().await?))
}

async fn whoami(user: Option<SignedInUser>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.claims().sub.clone())
}

pub fn logto_config(idp: &TestIdp) -> LogtoConfig {
    LogtoConfig::new(idp.endpoint(), clients::CONFIDENTIAL_ID)
        .with_app_secret(clients::CONFIDENTIAL_SECRET)
        .with_scopes(["email", "read:data"])
        .with_resources([resources::API])
}

/// Serves a test app at a fresh loopback port and returns its base URL.
pub async fn start_app<Store: SessionStore + 'static>(
    idp: &TestIdp,
    store: Store,
    customize: impl FnOnce(AuthSettings) -> AuthSettings,
) -> String {
    start_app_with(idp, store, |builder| builder, customize).await
}

/// [`start_app`] with a customized client.
pub async fn start_app_with<Store: SessionStore + 'static>(
    idp: &TestIdp,
    store: Store,
    client: impl FnOnce(logto::LogtoClientBuilder) -> logto::LogtoClientBuilder,
    customize: impl FnOnce(AuthSettings) -> AuthSettings,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://127.0.0.1:{}", listener.local_addr().expect("addr").port());
    let client = client(LogtoClient::builder(logto_config(idp))).build().expect("client");
    let auth = LogtoAuth::new(client, customize(AuthSettings::new(&base))).expect("auth");
    let app = Router::new()
        .route("/protected", get(protected))
        .route("/api/me", get(api_me))
        .route("/userinfo", get(userinfo))
        .route("/whoami", get(whoami))
        .merge(auth.routes())
        .layer(auth.layer())
        .layer(SessionConfig::default().secure(false).layer(store));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    base
}

/// [`start_app`] with customized session settings.
pub async fn start_app_configured<Store: SessionStore + 'static>(
    idp: &TestIdp,
    store: Store,
    sessions: impl FnOnce(SessionConfig) -> SessionConfig,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://127.0.0.1:{}", listener.local_addr().expect("addr").port());
    let client = LogtoClient::builder(logto_config(idp)).build().expect("client");
    let auth = LogtoAuth::new(client, AuthSettings::new(&base)).expect("auth");
    let app = Router::new()
        .route("/whoami", get(whoami))
        .merge(auth.routes())
        .layer(auth.layer())
        .layer(sessions(SessionConfig::default().secure(false)).layer(store));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    base
}

/// Signs the demo user in through the app's routes; returns the callback's answer.
pub async fn sign_in(idp: &TestIdp, browser: &reqwest::Client, sign_in_url: &str) -> reqwest::Response {
    sign_in_with(&idp.browser(), browser, sign_in_url).await
}

/// [`sign_in`] through a browser session at the identity server that outlives the sign-in.
pub async fn sign_in_with(
    at_idp: &logto_test_idp::IdpBrowser,
    browser: &reqwest::Client,
    sign_in_url: &str,
) -> reqwest::Response {
    let start = browser.get(sign_in_url).send().await.expect("GET sign-in");
    assert_eq!(start.status(), 302, "sign-in answers a redirect");
    let callback = at_idp.login(&location(&start)).await;
    browser.get(&callback).send().await.expect("GET callback")
}
