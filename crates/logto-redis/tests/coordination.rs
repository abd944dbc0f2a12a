//! The Redis coordinator against a real `redis-server` and the real test identity server (with
//! Logto's 3-second reuse grace off, so a duplicate refresh cannot hide): the lease and the
//! published outcomes, two app instances refreshing one session once, and a Redis outage that
//! fails requests clearly, burns no grant, and heals.

use logto::coordination::{Coordinator, LeaseToken};
use logto::{LogtoClient, LogtoConfig, LogtoError, MemoryStorage, PersistKey, Storage, UserInfoScope};
use logto_redis::{RedisCoordinator, RedisOptions};
use logto_test_idp::redis::RedisServer;
use logto_test_idp::{IdpOptions, TestIdp, clients, grant_types, resources};
use std::sync::Arc;
use std::time::{Duration, Instant};

const REDIRECT_URI: &str = "http://127.0.0.1:3000/callback";

async fn strict_idp() -> TestIdp {
    TestIdp::start_with(IdpOptions {
        refresh_token_reuse_interval: Some(Duration::ZERO),
        ..Default::default()
    })
    .await
}

fn options() -> RedisOptions {
    RedisOptions::default().command_timeout(Duration::from_millis(500))
}

/// An app instance: its own client on its own connection pool to the shared Redis.
async fn instance(idp: &TestIdp, redis: &RedisServer) -> LogtoClient {
    let coordinator = RedisCoordinator::connect_with(&redis.url(), options()).await.expect("redis");
    let config = LogtoConfig::new(idp.endpoint(), clients::PUBLIC_ID)
        .with_scopes([UserInfoScope::Organizations, "read:data"])
        .with_resources([resources::API]);
    LogtoClient::builder(config).coordinator(Arc::new(coordinator)).build().unwrap()
}

async fn copy_of(storage: &MemoryStorage) -> Arc<MemoryStorage> {
    let copy = Arc::new(MemoryStorage::new());
    for key in PersistKey::ALL {
        if let Some(value) = storage.get(key).await.unwrap() {
            copy.set(key, value).await.unwrap();
        }
    }
    copy
}

async fn signed_in(idp: &TestIdp, client: &LogtoClient) -> Arc<MemoryStorage> {
    let storage = Arc::new(MemoryStorage::new());
    let session = client.with_storage(storage.clone());
    let url = session.sign_in(REDIRECT_URI).await.unwrap();
    session.handle_sign_in_callback(&idp.login(&url).await).await.unwrap();
    storage
}

#[tokio::test]
async fn leases_and_outcomes_live_in_redis() {
    let redis = RedisServer::start().await;
    let store = RedisCoordinator::connect_with(&redis.url(), options().key_prefix("app1:")).await.unwrap();
    let (a, b) = (LeaseToken::generate(), LeaseToken::generate());
    assert!(store.try_lease("logto:lease:x", &a, Duration::from_secs(5)).await.unwrap());
    assert!(!store.try_lease("logto:lease:x", &b, Duration::from_secs(5)).await.unwrap(), "held");
    store.release("logto:lease:x", &b).await.unwrap();
    assert!(
        !store.try_lease("logto:lease:x", &b, Duration::from_secs(5)).await.unwrap(),
        "only the holder releases"
    );
    store.release("logto:lease:x", &a).await.unwrap();
    assert!(store.try_lease("logto:lease:x", &b, Duration::from_millis(100)).await.unwrap());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        store.try_lease("logto:lease:x", &a, Duration::from_secs(5)).await.unwrap(),
        "a lease expires (PX)"
    );

    store.publish("logto:outcome:x", b"\x00\xffsealed", Duration::from_millis(300)).await.unwrap();
    assert_eq!(store.published("logto:outcome:x").await.unwrap().as_deref(), Some(&b"\x00\xffsealed"[..]));
    let other_app =
        RedisCoordinator::connect_with(&redis.url(), options().key_prefix("app2:")).await.unwrap();
    assert!(other_app.published("logto:outcome:x").await.unwrap().is_none(), "namespaced");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(store.published("logto:outcome:x").await.unwrap().is_none(), "outcomes expire");
}

#[tokio::test]
async fn two_instances_on_one_redis_refresh_a_session_once() {
    let (idp, redis) = (strict_idp().await, RedisServer::start().await);
    let (first, second) = (instance(&idp, &redis).await, instance(&idp, &redis).await);
    let storage = signed_in(&idp, &first).await;
    idp.reset_token_requests().await;
    // Each instance loaded its own copy of the session, and both need a token at once.
    let (on_first, on_second) =
        (first.with_storage(copy_of(&storage).await), second.with_storage(copy_of(&storage).await));
    let (a, b) =
        tokio::join!(on_first.get_access_token(resources::API), on_second.get_access_token(resources::API));
    assert_eq!(a.unwrap().secret(), b.unwrap().secret(), "the second took the first one's token");
    let stats = idp.token_requests().await;
    assert_eq!(stats.grant_type(grant_types::REFRESH_TOKEN), 1, "one token request for both instances");
    assert_eq!(on_first.get_refresh_token().await.unwrap(), on_second.get_refresh_token().await.unwrap());
}

#[tokio::test]
async fn a_redis_outage_fails_clearly_burns_no_grant_and_heals() {
    let (idp, mut redis) = (strict_idp().await, RedisServer::start().await);
    let client = instance(&idp, &redis).await;
    let storage = signed_in(&idp, &client).await;
    let session = client.with_storage(storage.clone());
    idp.reset_token_requests().await;

    redis.stop().await;
    let started = Instant::now();
    let error = session.get_access_token(resources::API).await.unwrap_err();
    assert!(matches!(error, LogtoError::Coordination(_)), "{error:?}");
    assert_eq!(error.http_status(), 503);
    assert!(started.elapsed() < Duration::from_secs(5), "bounded: {:?}", started.elapsed());
    assert_eq!(idp.token_requests().await.total, 0, "no token request without the lease");
    assert!(session.is_authenticated().await.unwrap(), "the session is kept");

    redis.restart().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let token = loop {
        match session.get_access_token(resources::API).await {
            Ok(token) => break token,
            Err(LogtoError::Coordination(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("after Redis came back: {error:?}"),
        }
    };
    assert!(!token.secret().is_empty());
    assert_eq!(
        idp.token_requests().await.count(grant_types::REFRESH_TOKEN, "invalid_grant"),
        0,
        "no grant burnt"
    );
}
