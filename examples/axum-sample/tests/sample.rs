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
    assert!(
        home.contains("Not authenticated")
            && home.contains("href=\"/sign-in\"")
            && home.contains("href=\"/sign-up\"")
    );
    let protected = browser.get(format!("{base}/protected/userinfo")).send().await.unwrap();
    assert_eq!(protected.status(), 302);
    assert!(location(&protected).contains("/sign-in?return_to=%2Fprotected%2Fuserinfo"));

    let start = browser.get(format!("{base}/sign-in")).send().await.unwrap();
    let done = browser.get(idp.login(&location(&start)).await).send().await.unwrap();
    assert_eq!(location(&done), "/");

    let get = |path: &str| {
        let (browser, url) = (browser.clone(), format!("{base}{path}"));
        async move { browser.get(url).send().await.unwrap().text().await.unwrap() }
    };
    // The home page: the user, the session and each access token with audience and scopes.
    let home = get("/").await;
    assert!(home.contains(demo_user::NAME) && home.contains(demo_user::EMAIL), "{home}");
    assert!(home.contains("id=\"status\">Signed in<") && home.contains(demo_user::SUB), "{home}");
    assert!(home.contains("<code>https://api.example.com</code>") && home.contains(">read:data<"), "{home}");
    assert!(home.contains("urn:logto:organization:org-acme") && home.contains(">write:org<"), "{home}");
    assert!(home.contains("opaque") && home.contains(">present<"), "{home}");
    assert_eq!(home.matches("data-expires=").count(), 4, "{home}");
    assert!(!home.contains("eyJ"), "no token value on the page: {home}");
    let page = get("/protected").await;
    assert!(page.contains(demo_user::SUB) && page.contains("id=\"claims\""), "{page}");
    let page = get("/protected/userinfo").await;
    assert!(page.contains("custom_data") && page.contains("&quot;pro&quot;"), "{page}");
    let page = get("/protected/organizations").await;
    assert!(page.contains("org-acme") && page.contains("urn:logto:organization:org-acme"), "{page}");
    assert_eq!(page.matches("class=\"card organization\"").count(), 2, "{page}");
    assert!(page.contains("Acme") && page.contains("Globex") && page.contains(">member<"), "{page}");
    let page = get("/protected/organizations?check=org-initech").await;
    assert!(page.contains("id=\"refusal\"") && page.contains("not a member of this organization"), "{page}");
    // The API-call page calls /api/data from the server, with the session's token and without.
    let page = get("/protected/api").await;
    assert!(page.contains("200 OK") && page.contains("401 Unauthorized"), "{page}");
    assert!(page.contains(&format!("&quot;sub&quot;: &quot;{}&quot;", demo_user::SUB)), "{page}");
    assert!(!page.contains("eyJ"), "no token value on the page: {page}");

    // Errors are pages in the sample's style, with the right status (a forged callback in a
    // session that is not signed in; a signed-in one just goes on to the page).
    let forged =
        reqwest::Client::new().get(format!("{base}/callback?code=forged&state=forged")).send().await.unwrap();
    assert_eq!(forged.status(), 400);
    let forged = forged.text().await.unwrap();
    assert!(
        forged.contains("card error-page") && forged.contains("Sign-in could not be completed"),
        "{forged}"
    );
    let missing = browser.get(format!("{base}/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("card error-page"));
    let sign_out_link = browser.get(format!("{base}/sign-out")).send().await.unwrap();
    assert_eq!(sign_out_link.status(), 405);
    assert_eq!(sign_out_link.headers()["allow"], "POST");
    assert!(sign_out_link.text().await.unwrap().contains("form button"));
    // None of that cost the session.
    assert!(get("/").await.contains(demo_user::SUB));

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
    assert_eq!(data["scope"], "read:data");
    let none = reqwest::Client::new().get(format!("{base}/api/data")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer realm=\"sample-api\"");

    let out = browser.post(format!("{base}/sign-out")).send().await.unwrap();
    assert_eq!(idp.logout(&location(&out)).await, format!("{base}/"));
    let home = browser.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Not authenticated"));
}
