//! Sessions in a real Redis (`redis-server`, Debian package `redis-server`): the tokens live in
//! Redis under the session id, the cookie carries only that id, and two app instances share the
//! sessions. Never skipped: without `redis-server` the test fails and says so.

mod common;

use common::{browser, set_cookies, sign_in, start_app};
use logto_axum::redis::Redis;
use logto_axum::redis::fred::prelude::{ClientLike, Config, KeysInterface, Pool};
use logto_test_idp::redis::RedisServer;
use logto_test_idp::{TestIdp, demo_user};

fn session_id(cookies: &[String]) -> String {
    let cookie = cookies.iter().find(|c| c.starts_with("logto_session=")).expect("session cookie");
    cookie.split(';').next().unwrap().trim_start_matches("logto_session=").to_owned()
}

#[tokio::test]
async fn sessions_live_in_redis_and_are_shared_between_instances() {
    let redis = RedisServer::start().await;
    let idp = TestIdp::start().await;
    let app1 =
        start_app(&idp, Redis::connect(&redis.url()).await.expect("redis").session_store(), |s| s).await;
    let app2 =
        start_app(&idp, Redis::connect(&redis.url()).await.expect("redis").session_store(), |s| s).await;

    let inspector = Pool::new(Config::from_url(&redis.url()).unwrap(), None, None, None, 1).unwrap();
    inspector.init().await.unwrap();

    let browser = browser();
    let done = sign_in(&idp, &browser, &format!("{app1}/sign-in")).await;
    assert_eq!(done.status(), 302);
    let id = session_id(&set_cookies(&done));
    assert!(!id.contains("eyJ"), "the cookie holds only the session id");

    let raw: Option<Vec<u8>> = inspector.get(id.as_str()).await.unwrap();
    let raw = raw.expect("the session is stored in Redis under its id");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("logto.idToken") && text.contains("eyJ"), "the tokens are in Redis");
    let ttl: i64 = inspector.ttl(id.as_str()).await.unwrap();
    assert!(ttl > 0, "the session expires in Redis (ttl {ttl})");

    // Cookies are per host, not per port: the same browser session reaches the second instance.
    let whoami = browser.get(format!("{app2}/whoami")).send().await.unwrap().text().await.unwrap();
    assert_eq!(whoami, demo_user::SUB);

    // A fresh browser has nothing.
    assert_eq!(
        common::browser().get(format!("{app1}/whoami")).send().await.unwrap().text().await.unwrap(),
        "anonymous"
    );

    let out = browser.post(format!("{app2}/sign-out")).send().await.unwrap();
    assert_eq!(out.status(), 302);
    let gone: Option<Vec<u8>> = inspector.get(id.as_str()).await.unwrap();
    assert!(gone.is_none(), "sign-out deletes the session from Redis");
    assert_eq!(
        browser.get(format!("{app1}/whoami")).send().await.unwrap().text().await.unwrap(),
        "anonymous"
    );
}
