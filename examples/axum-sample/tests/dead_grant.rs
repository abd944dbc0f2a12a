//! A dead grant, measured from outside on the sample app: after the identity server revokes every
//! grant, each signed-in user's next page that needs a token sends the dead refresh token once,
//! gets "sign in again" (401, not 502 "unavailable"), and from then on is a signed-out visitor
//! redirected to sign-in: no zombie session, no retry storm.

use axum_sample::{SampleConfig, app};
use logto_test_idp::{IdpOptions, TestIdp, clients, grant_types};
use std::time::Duration;

const USERS: usize = 8;

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
async fn a_revoked_grant_signs_each_user_out_once() {
    // Access tokens live 2 s, so every page after a short wait needs a refresh.
    let idp = TestIdp::start_with(IdpOptions { access_token_ttl: Some(2), ..Default::default() }).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let config = SampleConfig::new(idp.endpoint(), clients::PUBLIC_ID, None, &base);
    let router = app(&config).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let mut users = Vec::new();
    for _ in 0..USERS {
        let user = browser();
        let start = user.get(format!("{base}/sign-in")).send().await.unwrap();
        let done = user.get(idp.login(&location(&start)).await).send().await.unwrap();
        assert_eq!(done.status(), 302);
        users.push(user);
    }
    idp.revoke_grants().await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    idp.reset_token_requests().await;

    for user in &users {
        let first = user.get(format!("{base}/protected/api")).send().await.unwrap();
        assert_eq!(first.status(), 401, "the session ended: sign in again, not 'the server is unavailable'");
        assert!(first.text().await.unwrap().contains("Sign in again"));
        for _ in 0..3 {
            let again = user.get(format!("{base}/protected/api")).send().await.unwrap();
            assert_eq!(again.status(), 302, "a signed-out visitor is sent to sign in");
            assert!(location(&again).contains("/sign-in"));
            let home = user.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
            assert!(home.contains("Not authenticated"));
        }
    }
    let requests = idp.token_requests().await;
    assert_eq!(
        requests.grant_type(grant_types::REFRESH_TOKEN),
        USERS as u64,
        "each dead refresh token went to the server once: {requests:?}"
    );
}
