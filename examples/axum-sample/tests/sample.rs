//! The sample app's pages and API route against the test identity server.

use axum_sample::{SampleConfig, app};
use logto::{LogtoClient, LogtoConfig, MemoryStorage};
use logto_test_idp::{TestIdp, clients, demo_user, resources};
use std::sync::Arc;
use std::time::Duration;

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[reqwest::header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_page_and_the_api_route() {
    let idp = TestIdp::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let config = SampleConfig::new(
        idp.endpoint(),
        clients::CONFIDENTIAL_ID,
        Some(clients::CONFIDENTIAL_SECRET),
        &base,
    );
    let router = app(&config).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let browser = browser();

    let home = browser.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Not authenticated") && home.contains("href=\"/sign-in\""));
    let protected = browser.get(format!("{base}/protected/userinfo")).send().await.unwrap();
    assert_eq!(protected.status(), 302);
    assert!(location(&protected).contains("/sign-in?return_to=%2Fprotected%2Fuserinfo"));

    let start = browser.get(format!("{base}/sign-in")).send().await.unwrap();
    let done = browser.get(idp.login(&location(&start)).await).send().await.unwrap();
    assert_eq!(location(&done), "/");

    let home = browser.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains(demo_user::NAME) && home.contains(demo_user::EMAIL), "{home}");
    assert!(home.contains("An access token for"), "{home}");
    let page = browser.get(format!("{base}/protected")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(demo_user::SUB));
    let page = browser.get(format!("{base}/protected/userinfo")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("custom_data") && page.contains("pro"), "{page}");
    let page =
        browser.get(format!("{base}/protected/organizations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("org-acme") && page.contains("urn:logto:organization:org-acme"), "{page}");
    assert!(page.contains("org-globex"), "{page}");

    // The API route: a real access token with read:data passes, no token is 401.
    let api_client = LogtoClient::new(
        LogtoConfig::new(idp.endpoint(), clients::CONFIDENTIAL_ID)
            .with_app_secret(clients::CONFIDENTIAL_SECRET)
            .with_scopes(["read:data"])
            .with_resources([resources::API]),
        Arc::new(MemoryStorage::new()),
    )
    .unwrap();
    let sign_in = api_client.sign_in("http://127.0.0.1:1/callback").await.unwrap();
    api_client.handle_sign_in_callback(&idp.login(&sign_in).await).await.unwrap();
    let token = api_client.get_access_token(resources::API).await.unwrap();
    let data = reqwest::Client::new()
        .get(format!("{base}/api/data"))
        .bearer_auth(token.secret())
        .send()
        .await
        .unwrap();
    assert_eq!(data.status(), 200);
    let data: serde_json::Value = data.json().await.unwrap();
    assert_eq!(data["sub"], demo_user::SUB);
    let none = reqwest::Client::new().get(format!("{base}/api/data")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer realm=\"sample-api\"");

    let out = browser.post(format!("{base}/sign-out")).send().await.unwrap();
    assert_eq!(idp.logout(&location(&out)).await, format!("{base}/"));
    let home = browser.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Not authenticated"));
}
