//! Concurrent web requests of one browser session refresh one rotating refresh token in turn:
//! each request loads its own copy of the session, yet none presents a consumed refresh token
//! (which would make the server revoke the whole grant). Public client: rotation on every use.

mod common;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use common::*;
use logto::{LogtoClient, LogtoConfig, UserInfoScope};
use logto_axum::{AuthSettings, LogtoAuth, SessionConfig, SignedInUser};
use logto_test_idp::{TestIdp, clients, resources};

async fn token(user: SignedInUser, Path(audience): Path<String>) -> Result<String, logto_axum::AuthError> {
    let token = match audience.strip_prefix("org-") {
        Some(_) => user.organization_token(&audience).await?,
        None if audience == "api" => user.access_token(resources::API).await?,
        None => user.access_token("").await?,
    };
    Ok(format!("{} bytes", token.secret().len()))
}

async fn start(idp: &TestIdp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://127.0.0.1:{}", listener.local_addr().expect("addr").port());
    let config = LogtoConfig::new(idp.endpoint(), clients::PUBLIC_ID)
        .with_scopes([UserInfoScope::Organizations, "read:data"])
        .with_resources([resources::API]);
    let auth =
        LogtoAuth::new(LogtoClient::builder(config).build().expect("client"), AuthSettings::new(&base))
            .expect("auth");
    let app = Router::new()
        .route("/token/{audience}", get(token))
        .merge(auth.routes())
        .layer(auth.layer())
        .layer(SessionConfig::default().secure(false).layer(logto_axum::MemorySessionStore::new()));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    base
}

async fn burst(browser: &reqwest::Client, base: &str, audiences: &[&str]) {
    let requests = audiences.iter().map(|audience| {
        let url = format!("{base}/token/{audience}");
        async move { (url.clone(), browser.get(&url).send().await.expect("request")) }
    });
    for (url, response) in futures_join_all(requests).await {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, 200, "{url}: {body}");
    }
}

async fn futures_join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.collect();
    let mut outputs = Vec::with_capacity(handles.len());
    let mut pinned: Vec<_> = handles.into_iter().map(Box::pin).collect();
    // Poll them together: each `send` runs concurrently on the same runtime.
    let mut pending: Vec<usize> = (0..pinned.len()).collect();
    let mut results: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        pending.retain(|&i| match pinned[i].as_mut().poll(cx) {
            std::task::Poll::Ready(output) => {
                results[i] = Some(output);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    outputs.extend(results.into_iter().map(|r| r.expect("finished")));
    outputs
}

#[tokio::test]
async fn concurrent_requests_of_one_session_all_succeed() {
    let idp = TestIdp::start().await;
    let base = start(&idp).await;
    let browser = browser();
    let callback = sign_in(&idp, &browser, &format!("{base}/sign-in")).await;
    assert_eq!(callback.status(), 302, "signed in");

    // Several requests at once, each needing a refresh with the same refresh token.
    burst(&browser, &base, &["api", "org-acme", "api", "org-acme", "org-globex", "org-globex"]).await;
    // The grant survived: later refreshes still work.
    burst(&browser, &base, &["org-acme", "api", "userinfo"]).await;
    let status = browser.get(format!("{base}/token/org-initech")).send().await.expect("request").status();
    assert_ne!(status, 200, "a non-member organization is still refused");
}
