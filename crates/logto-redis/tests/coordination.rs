//! The Redis coordinator against a real `redis-server` and the real test identity server (with
//! Logto's 3-second reuse grace off, so a duplicate refresh cannot hide): the lease and the
//! published outcomes, two app instances refreshing one session once, a Redis outage that
//! fails requests clearly, burns no grant, and heals, and app instances that die in the middle
//! of a refresh without costing the user the session.

use async_trait::async_trait;
use logto::coordination::{Coordinator, LeaseToken, RefreshPolicy};
use logto::{
    CoordinationError, LogtoClient, LogtoConfig, LogtoError, MemoryStorage, PersistKey, Storage,
    StorageError, UserInfoScope,
};
use logto_redis::{RedisCoordinator, RedisOptions};
use logto_test_idp::redis::RedisServer;
use logto_test_idp::{IdpOptions, TestIdp, clients, grant_types, resources, token_hash};
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

fn config(idp: &TestIdp) -> LogtoConfig {
    LogtoConfig::new(idp.endpoint(), clients::PUBLIC_ID)
        .with_scopes([UserInfoScope::Organizations, "read:data"])
        .with_resources([resources::API])
}

/// An app instance: its own client on its own connection pool to the shared Redis.
async fn instance(idp: &TestIdp, redis: &RedisServer) -> LogtoClient {
    let coordinator = RedisCoordinator::connect_with(&redis.url(), options()).await.expect("redis");
    LogtoClient::builder(config(idp)).coordinator(Arc::new(coordinator)).build().unwrap()
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
    assert!(
        store.try_lease("logto:lease:x", &a, Duration::from_secs(5)).await.unwrap(),
        "asked again by its holder (a resent command), the lease is still the holder's"
    );
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
async fn a_lease_whose_answer_was_lost_in_a_hang_is_released_once_redis_answers() {
    let redis = RedisServer::start().await;
    let store = RedisCoordinator::connect_with(&redis.url(), options()).await.unwrap();
    assert!(store.published("warm-up").await.unwrap().is_none());

    // Redis hangs: the command times out here, but Redis still has it and runs it later.
    redis.pause();
    let (hung, free) = (LeaseToken::generate(), LeaseToken::generate());
    let lost = store.try_lease("logto:lease:hung", &hung, Duration::from_secs(15)).await;
    assert!(lost.is_err(), "{lost:?}");
    redis.resume();

    // The lease nobody knows it holds must not block everyone for 15 s.
    let deadline = Instant::now() + Duration::from_secs(3);
    while !store.try_lease("logto:lease:hung", &free, Duration::from_secs(15)).await.unwrap() {
        assert!(Instant::now() < deadline, "the lost lease was not released after the hang");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        redis.command(&["GET", "logto:lease:hung"]).await.unwrap().text().as_deref(),
        Some(free.as_str()),
        "only the lost lease was released, not the next holder's"
    );
}

/// A caller cancelled while its lease was being taken (a timeout layer, a client that hung up)
/// releases the lease at once. The take may still be on its way to Redis, so the release must
/// run after it: were it sent on another pooled connection it could overtake the take, and the
/// lease would then be held by no one until it expires. Each cycle keeps one of the pool's
/// connections busy (a short `BLPOP` on that connection only), so a take that lands on it is
/// late; over the cycles every connection is the busy one, so a release sent on another
/// connection than the take's overtakes it.
#[tokio::test]
async fn a_release_never_overtakes_the_take_of_its_lease() {
    use logto_redis::fred::prelude::{ClientLike, KeysInterface};
    use logto_redis::fred::types::CustomCommand;

    let redis = RedisServer::start().await;
    let pool = logto_redis::pool(&redis.url(), &options().pool_size(4)).await.unwrap();
    let store = RedisCoordinator::from_pool(pool.clone(), "");
    let key = "logto:lease:cancelled";
    let blpop = CustomCommand::new_static("BLPOP", None, true);
    let mut held_after_release = 0;
    for cycle in 0..4 * pool.size() {
        let busy = pool.clients()[cycle % pool.size()].clone();
        let blocked = {
            let blpop = blpop.clone();
            tokio::spawn(async move {
                let _: Option<Vec<String>> =
                    busy.custom(blpop, vec!["logto:test:never", "0.05"]).await.unwrap();
            })
        };
        // The BLPOP has been sent before the take (its connection is busy from now on).
        tokio::time::sleep(Duration::from_millis(5)).await;
        let token = LeaseToken::generate();
        let take = tokio::time::timeout(
            Duration::from_millis(10),
            store.try_lease(key, &token, Duration::from_secs(30)),
        )
        .await;
        store.release(key, &token).await.unwrap();
        blocked.await.unwrap();
        // Every connection has run what it was sent (the take included).
        for client in pool.clients() {
            let _: Option<String> = client.get("logto:test:flush").await.unwrap();
        }
        let holder = redis.command(&["GET", key]).await.unwrap().text();
        if holder.is_some() {
            held_after_release += 1;
            redis.command(&["DEL", key]).await.unwrap();
        }
        if let Ok(taken) = take {
            assert!(taken.unwrap(), "the lease is free at each cycle");
        }
    }
    assert_eq!(held_after_release, 0, "a release overtook the take of its lease");
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

/// Where an instance "dies" in the middle of a refresh: from that step on, its call never
/// completes (as if the process were gone), while everything before it really happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DiesAt {
    /// Right after taking the lease: no token request, nothing published, the lease held.
    AfterTakingTheLease,
    /// Right after publishing the outcome: the lease is never released.
    AfterPublishing,
}

/// The Redis coordinator of an instance that dies at `dies_at`: from then on none of its
/// commands reaches Redis (not even the release of a request dropped meanwhile).
#[derive(Debug)]
struct DyingCoordinator {
    inner: RedisCoordinator,
    dies_at: DiesAt,
    dead: std::sync::atomic::AtomicBool,
}

impl DyingCoordinator {
    fn new(inner: RedisCoordinator, dies_at: DiesAt) -> Self {
        Self { inner, dies_at, dead: Default::default() }
    }

    async fn die(&self) {
        self.dead.store(true, std::sync::atomic::Ordering::SeqCst);
        std::future::pending::<()>().await;
    }
}

#[async_trait]
impl Coordinator for DyingCoordinator {
    async fn try_lease(
        &self,
        key: &str,
        token: &LeaseToken,
        ttl: Duration,
    ) -> Result<bool, CoordinationError> {
        let taken = self.inner.try_lease(key, token, ttl).await?;
        if taken && self.dies_at == DiesAt::AfterTakingTheLease {
            self.die().await;
        }
        Ok(taken)
    }

    async fn release(&self, key: &str, token: &LeaseToken) -> Result<(), CoordinationError> {
        if self.dead.load(std::sync::atomic::Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.inner.release(key, token).await
    }

    async fn publish(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CoordinationError> {
        self.inner.publish(key, value, ttl).await?;
        if self.dies_at == DiesAt::AfterPublishing {
            self.die().await;
        }
        Ok(())
    }

    async fn published(&self, key: &str) -> Result<Option<Vec<u8>>, CoordinationError> {
        self.inner.published(key).await
    }
}

/// A session whose refresh-token write never completes: the instance died after the token
/// request, before the session was written.
#[derive(Debug)]
struct UnwritableRefreshToken(Arc<MemoryStorage>);

#[async_trait]
impl Storage for UnwritableRefreshToken {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        self.0.get(key).await
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        if key == PersistKey::RefreshToken {
            std::future::pending::<()>().await;
        }
        self.0.set(key, value).await
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        self.0.delete(key).await
    }
}

/// The one refresh so far: the hash of the token it presented and of the one it was issued.
async fn the_one_refresh(idp: &TestIdp) -> (String, String) {
    let stats = idp.token_requests().await;
    assert_eq!(stats.grant_type(grant_types::REFRESH_TOKEN), 1, "{stats:?}");
    assert_eq!(stats.refresh_ok(), 1, "{stats:?}");
    let refresh = &stats.refresh_requests[0];
    assert!(refresh.rotated, "the public client's refresh token rotates");
    (refresh.refresh_token_sha256.clone().unwrap(), refresh.issued_refresh_token_sha256.clone().unwrap())
}

/// After a rotation another instance took over: the session must refresh again with the token
/// that rotation issued, and the identity server must accept it.
async fn refreshes_again_from(idp: &TestIdp, session: &LogtoClient, storage: &MemoryStorage, issued: &str) {
    let held = session.get_refresh_token().await.unwrap().expect("still signed in");
    assert_eq!(token_hash(held.secret()), issued, "the session holds the rotated refresh token");
    storage.delete(PersistKey::AccessTokenMap).await.unwrap();
    session.get_access_token(resources::API).await.expect("the next refresh succeeds");
    let stats = idp.token_requests().await;
    assert_eq!(stats.count(grant_types::REFRESH_TOKEN, "invalid_grant"), 0, "no grant burnt: {stats:?}");
    assert_eq!(stats.refreshes_with(held.secret()).len(), 1, "the rotated token was presented once");
}

#[tokio::test]
async fn a_refresh_whose_session_write_never_happens_is_taken_over_by_another_instance() {
    let (idp, redis) = (strict_idp().await, RedisServer::start().await);
    let (first, second) = (instance(&idp, &redis).await, instance(&idp, &redis).await);
    let storage = signed_in(&idp, &first).await;
    idp.reset_token_requests().await;

    // The first instance refreshes and dies before its session write: the request is dropped.
    let dying = first.with_storage(Arc::new(UnwritableRefreshToken(copy_of(&storage).await)));
    let cut = tokio::time::timeout(Duration::from_secs(3), dying.get_access_token(resources::API)).await;
    assert!(cut.is_err(), "the session write never completed");
    let (presented, issued) = the_one_refresh(&idp).await;
    assert_eq!(presented, token_hash(storage.get(PersistKey::RefreshToken).await.unwrap().unwrap().as_str()));

    // The user's next request reaches the second instance with the session as it was stored:
    // it holds the consumed refresh token, and continues from the published rotation.
    let survivor = copy_of(&storage).await;
    let session = second.with_storage(survivor.clone());
    session.get_access_token(resources::API).await.expect("the user is still signed in");
    the_one_refresh(&idp).await;
    refreshes_again_from(&idp, &session, &survivor, &issued).await;
}

#[tokio::test]
async fn an_instance_that_dies_after_publishing_holds_its_lease_but_blocks_no_one() {
    let (idp, redis) = (strict_idp().await, RedisServer::start().await);
    let inner = RedisCoordinator::connect_with(&redis.url(), options()).await.unwrap();
    let dying = LogtoClient::builder(config(&idp))
        .coordinator(Arc::new(DyingCoordinator::new(inner, DiesAt::AfterPublishing)))
        .build()
        .unwrap();
    let second = instance(&idp, &redis).await;
    let storage = signed_in(&idp, &second).await;
    idp.reset_token_requests().await;

    let on_dying = dying.with_storage(copy_of(&storage).await);
    let cut = tokio::time::timeout(Duration::from_secs(3), on_dying.get_access_token(resources::API)).await;
    assert!(cut.is_err(), "the instance died after publishing");
    let (_, issued) = the_one_refresh(&idp).await;

    // Its lease (15 s) is still held, yet the next request needs no lease: it takes the outcome.
    let survivor = copy_of(&storage).await;
    let session = second.with_storage(survivor.clone());
    let started = Instant::now();
    session.get_access_token(resources::API).await.expect("the user is still signed in");
    assert!(started.elapsed() < Duration::from_secs(2), "no wait for the lease: {:?}", started.elapsed());
    the_one_refresh(&idp).await;
    refreshes_again_from(&idp, &session, &survivor, &issued).await;
}

#[tokio::test]
async fn a_lease_left_by_a_dead_instance_expires_and_the_others_proceed() {
    let (idp, redis) = (strict_idp().await, RedisServer::start().await);
    let inner = RedisCoordinator::connect_with(&redis.url(), options()).await.unwrap();
    // A lease outlives the token request it guards: 2 s asked, the 1 s timeout + 5 s margin given.
    let dying = LogtoClient::builder(config(&idp))
        .coordinator(Arc::new(DyingCoordinator::new(inner, DiesAt::AfterTakingTheLease)))
        .refresh_policy(RefreshPolicy::default().lease_ttl(Duration::from_secs(2)))
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let lease_ttl = dying.refresh_policy().lease_ttl;
    assert_eq!(lease_ttl, Duration::from_secs(6));
    let second = instance(&idp, &redis).await;
    let storage = signed_in(&idp, &second).await;
    idp.reset_token_requests().await;

    let on_dying = dying.with_storage(copy_of(&storage).await);
    let died = Instant::now();
    let cut =
        tokio::time::timeout(Duration::from_millis(300), on_dying.get_access_token(resources::API)).await;
    assert!(cut.is_err(), "the instance died holding the lease");
    assert_eq!(idp.token_requests().await.total, 0, "it died before its token request");

    // The others wait for the lease to expire, then one of them refreshes.
    let session = second.with_storage(storage.clone());
    session.get_access_token(resources::API).await.expect("the user is still signed in");
    let waited = died.elapsed();
    assert!(waited >= lease_ttl - Duration::from_millis(200), "it waited for the lease: {waited:?}");
    assert!(waited < lease_ttl + Duration::from_secs(3), "and not much longer: {waited:?}");
    let (_, issued) = the_one_refresh(&idp).await;
    refreshes_again_from(&idp, &session, &storage, &issued).await;
}

/// The Redis coordinator of an instance that cannot reach Redis from just after its token
/// request until `back`: publications and releases fail (leases are taken before).
#[derive(Debug)]
struct RedisGoneAfterLease {
    inner: RedisCoordinator,
    back: Instant,
}

impl RedisGoneAfterLease {
    fn check(&self) -> Result<(), CoordinationError> {
        if Instant::now() < self.back {
            Err(CoordinationError::new("redis: connection refused"))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Coordinator for RedisGoneAfterLease {
    async fn try_lease(
        &self,
        key: &str,
        token: &LeaseToken,
        ttl: Duration,
    ) -> Result<bool, CoordinationError> {
        self.inner.try_lease(key, token, ttl).await
    }

    async fn release(&self, key: &str, token: &LeaseToken) -> Result<(), CoordinationError> {
        self.check()?;
        self.inner.release(key, token).await
    }

    async fn publish(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CoordinationError> {
        self.check()?;
        self.inner.publish(key, value, ttl).await
    }

    async fn published(&self, key: &str) -> Result<Option<Vec<u8>>, CoordinationError> {
        self.inner.published(key).await
    }
}

/// A session store that is down: every write fails.
#[derive(Debug)]
struct StoreDown(Arc<MemoryStorage>);

#[async_trait]
impl Storage for StoreDown {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        self.0.get(key).await
    }

    async fn set(&self, _key: PersistKey, _value: String) -> Result<(), StorageError> {
        Err(StorageError::new("redis: connection refused"))
    }

    async fn delete(&self, _key: PersistKey) -> Result<(), StorageError> {
        Err(StorageError::new("redis: connection refused"))
    }
}

#[tokio::test]
async fn a_rotation_that_could_not_be_published_is_published_once_redis_is_back() {
    let (idp, redis) = (strict_idp().await, RedisServer::start().await);
    let policy = RefreshPolicy::default().lease_ttl(Duration::from_secs(4));
    let inner = RedisCoordinator::connect_with(&redis.url(), options()).await.unwrap();
    let cut_off = LogtoClient::builder(config(&idp))
        .coordinator(Arc::new(RedisGoneAfterLease { inner, back: Instant::now() + Duration::from_secs(2) }))
        .refresh_policy(policy)
        .build()
        .unwrap();
    let other = RedisCoordinator::connect_with(&redis.url(), options()).await.unwrap();
    let second = LogtoClient::builder(config(&idp))
        .coordinator(Arc::new(other))
        .refresh_policy(policy)
        .build()
        .unwrap();
    let storage = signed_in(&idp, &second).await;
    idp.reset_token_requests().await;

    // Redis goes away between the lease and the publication: the identity server rotated the
    // token, but neither the outcome nor the session could be written.
    let on_cut_off = cut_off.with_storage(Arc::new(StoreDown(copy_of(&storage).await)));
    let error = on_cut_off.get_access_token(resources::API).await.unwrap_err();
    assert!(matches!(error, LogtoError::Storage(_)), "{error:?}");
    let (_, issued) = the_one_refresh(&idp).await;

    // The next request holds the consumed token: it must wait for the rotation, not present it.
    let session = second.with_storage(storage.clone());
    session.get_access_token(resources::API).await.expect("the user is still signed in");
    the_one_refresh(&idp).await;
    refreshes_again_from(&idp, &session, &storage, &issued).await;
}

/// A coordinator that fails the first look for an outcome after it took a lease (Redis went
/// away between the two commands).
#[derive(Debug)]
struct FailsRightAfterTheLease {
    inner: RedisCoordinator,
    leased: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl Coordinator for FailsRightAfterTheLease {
    async fn try_lease(
        &self,
        key: &str,
        token: &LeaseToken,
        ttl: Duration,
    ) -> Result<bool, CoordinationError> {
        let taken = self.inner.try_lease(key, token, ttl).await?;
        self.leased.store(taken, std::sync::atomic::Ordering::SeqCst);
        Ok(taken)
    }

    async fn release(&self, key: &str, token: &LeaseToken) -> Result<(), CoordinationError> {
        self.inner.release(key, token).await
    }

    async fn publish(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CoordinationError> {
        self.inner.publish(key, value, ttl).await
    }

    async fn published(&self, key: &str) -> Result<Option<Vec<u8>>, CoordinationError> {
        if self.leased.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Err(CoordinationError::new("redis: Timeout Error: Request timed out."));
        }
        self.inner.published(key).await
    }
}

#[tokio::test]
async fn a_request_that_fails_after_taking_the_lease_releases_it() {
    let (idp, redis) = (strict_idp().await, RedisServer::start().await);
    let inner = RedisCoordinator::connect_with(&redis.url(), options()).await.unwrap();
    let failing = LogtoClient::builder(config(&idp))
        .coordinator(Arc::new(FailsRightAfterTheLease { inner, leased: false.into() }))
        .build()
        .unwrap();
    let other = RedisCoordinator::connect_with(&redis.url(), options()).await.unwrap();
    let second = LogtoClient::builder(config(&idp)).coordinator(Arc::new(other)).build().unwrap();
    let storage = signed_in(&idp, &second).await;
    idp.reset_token_requests().await;

    let error = failing.with_storage(copy_of(&storage).await).get_access_token(resources::API).await;
    assert!(matches!(error, Err(LogtoError::Coordination(_))), "{error:?}");
    assert_eq!(idp.token_requests().await.total, 0);

    // Its lease (15 s) must not hold up the session's next request.
    let started = Instant::now();
    second.with_storage(storage).get_access_token(resources::API).await.expect("not held up by a lost lease");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    the_one_refresh(&idp).await;
}
