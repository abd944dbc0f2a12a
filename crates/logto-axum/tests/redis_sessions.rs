//! Sessions in a real Redis (`redis-server`, Debian package `redis-server`): the tokens live in
//! Redis under the session id, the cookie carries only that id, and two app instances share the
//! sessions. Never skipped: without `redis-server` the test fails and says so.

mod common;

use common::{browser, set_cookies, sign_in, start_app};
use logto_axum::redis::Redis;
use logto_axum::redis::fred::prelude::{ClientLike, Config, HashesInterface, KeysInterface, Pool};
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

    // One key per session, its id the hash tag (a Cluster keeps it on one slot): the record and
    // its version, which every save compares and bumps.
    let key = format!("logto:session:{{{id}}}");
    let raw: Option<Vec<u8>> = inspector.hget(key.as_str(), "d").await.unwrap();
    let raw = raw.expect("the session is stored in Redis under its id");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("idToken") && text.contains("eyJ"), "the tokens are in Redis");
    let version: Option<u64> = inspector.hget(key.as_str(), "v").await.unwrap();
    assert!(version.is_some_and(|v| v >= 1), "the record has a version");
    let ttl: i64 = inspector.ttl(key.as_str()).await.unwrap();
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
    let gone: i64 = inspector.exists(key.as_str()).await.unwrap();
    let gone = (gone == 1).then_some(());
    assert!(gone.is_none(), "sign-out deletes the session from Redis");
    assert_eq!(
        browser.get(format!("{app1}/whoami")).send().await.unwrap().text().await.unwrap(),
        "anonymous"
    );
}
