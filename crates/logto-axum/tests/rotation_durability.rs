//! A rotated refresh token is durable the moment the identity server issues it: a page that
//! refreshes and then fails with a 5xx must not lose it,
//! because the identity server has already consumed the old one. Public client (rotation on
//! every use) and Logto's 3-second reuse grace off, so presenting the consumed token again
//! would revoke the grant at once. The next request reaches another app instance on the same
//! session store (or the app after a restart): it has only what the store holds.

mod common;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::{browser, sign_in};
use logto::LogtoClient;
use logto_axum::MemorySessionStore;
use logto_axum::{AuthError, AuthSettings, JsonUnauthorized, LogtoAuth, SessionConfig, SignedInUser};
use logto_test_idp::{IdpOptions, TestIdp, clients, grant_types, resources};
use std::sync::Arc;
use std::time::Duration;

/// Refreshes (the API token is not in the session after sign-in), then fails.
async fn refresh_then_fail(user: SignedInUser) -> Result<StatusCode, AuthError> {
    user.access_token(resources::API).await?;
    Ok(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Needs the API token, which the failed page received.
async fn api_token(user: SignedInUser<JsonUnauthorized>) -> Result<&'static str, AuthError> {
    user.access_token(resources::API).await?;
    Ok("ok")
}

/// An app instance on `store` with its own client (and so its own in-process coordinator).
async fn start_instance(idp: &TestIdp, store: Arc<MemorySessionStore>) -> String {
    start_instance_on(idp, store).await
}

/// [`start_instance`] on any store.
async fn start_instance_on<Store: logto::session::SessionStore + 'static>(
    idp: &TestIdp,
    store: Arc<Store>,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://127.0.0.1:{}", listener.local_addr().expect("addr").port());
    let config = logto::LogtoConfig::new(idp.endpoint(), clients::PUBLIC_ID)
        .with_scopes(["read:data"])
        .with_resources([resources::API]);
    let auth =
        LogtoAuth::new(LogtoClient::builder(config).build().expect("client"), AuthSettings::new(&base))
            .expect("auth");
    let app = Router::new()
        .route("/refresh-then-fail", get(refresh_then_fail))
        .route("/api-token", get(api_token))
        .merge(auth.routes())
        .layer(auth.layer())
        .layer(SessionConfig::default().secure(false).layer(store));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    base
}

#[tokio::test]
async fn a_page_that_fails_after_a_refresh_keeps_the_rotated_refresh_token() {
    let idp = TestIdp::start_with(IdpOptions {
        refresh_token_reuse_interval: Some(Duration::ZERO),
        ..Default::default()
    })
    .await;
    let store = Arc::new(MemorySessionStore::new());
    let (first, second) = (start_instance(&idp, store.clone()).await, start_instance(&idp, store).await);

    let browser = browser();
    assert_eq!(sign_in(&idp, &browser, &format!("{first}/sign-in")).await.status(), 302);
    idp.reset_token_requests().await;

    let failed = browser.get(format!("{first}/refresh-then-fail")).send().await.expect("request");
    assert_eq!(failed.status(), 500);
    let stats = idp.token_requests().await;
    assert_eq!(stats.refresh_ok(), 1, "the failing page refreshed: {stats:?}");
    let rotation = stats.refresh_requests[0].clone();
    assert!(rotation.rotated);

    // Cookies are per host, not per port: the same browser session reaches the other instance.
    let next = browser.get(format!("{second}/api-token")).send().await.expect("request");
    let status = next.status();
    assert_eq!(status, 200, "still signed in: {}", next.text().await.unwrap_or_default());
    let stats = idp.token_requests().await;
    assert_eq!(stats.count(grant_types::REFRESH_TOKEN, "invalid_grant"), 0, "no grant burnt: {stats:?}");
    // The session engine saves what a request changed whatever its status: the failed page's
    // access token and rotated refresh token are both there, so no second refresh is needed.
    assert_eq!(stats.grant_type(grant_types::REFRESH_TOKEN), 1, "{stats:?}");
}

/// A store that counts what it is asked.
#[derive(Debug, Default)]
struct CountingStore {
    inner: MemorySessionStore,
    loads: std::sync::atomic::AtomicUsize,
    saves: std::sync::atomic::AtomicUsize,
}

impl CountingStore {
    fn take(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering::SeqCst;
        (self.loads.swap(0, SeqCst), self.saves.swap(0, SeqCst))
    }
}

#[async_trait::async_trait]
impl logto::session::SessionStore for CountingStore {
    async fn load(
        &self,
        id: &logto::session::SessionId,
    ) -> Result<Option<logto::session::StoredSession>, logto::StorageError> {
        self.loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.load(id).await
    }
    async fn save(
        &self,
        id: &logto::session::SessionId,
        expected: Option<u64>,
        data: &[u8],
        ttl: Duration,
    ) -> Result<logto::session::SaveOutcome, logto::StorageError> {
        self.saves.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.save(id, expected, data, ttl).await
    }
    async fn delete(&self, id: &logto::session::SessionId) -> Result<(), logto::StorageError> {
        self.inner.delete(id).await
    }
}

#[tokio::test]
async fn a_page_that_refreshes_loads_its_session_once_and_saves_it_once() {
    // The rotation must be durable before the page goes on, and the ID and access tokens that
    // came with it go in the same save: nothing is left for the end of the request.
    let idp = TestIdp::start().await;
    let store = Arc::new(CountingStore::default());
    let app = start_instance_on(&idp, store.clone()).await;
    let browser = browser();
    assert_eq!(sign_in(&idp, &browser, &format!("{app}/sign-in")).await.status(), 302);
    store.take();
    idp.reset_token_requests().await;

    let refreshing = browser.get(format!("{app}/api-token")).send().await.expect("request");
    assert_eq!(refreshing.status(), 200);
    let stats = idp.token_requests().await;
    assert_eq!(stats.refresh_ok(), 1, "{stats:?}");
    assert!(stats.refresh_requests[0].rotated, "a public client's refresh rotates");
    assert_eq!(store.take(), (1, 1), "(loads, saves) of the page that refreshed");

    let cached = browser.get(format!("{app}/api-token")).send().await.expect("request");
    assert_eq!(cached.status(), 200);
    assert_eq!(idp.token_requests().await.refresh_ok(), 1, "served from the session");
    assert_eq!(store.take(), (1, 0), "(loads, saves) of the page served from the session");
}
