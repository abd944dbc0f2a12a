//! Refresh coordination against the real test server with Logto's 3-second reuse grace turned
//! off (any second use of a rotated refresh token revokes the grant), so a duplicate refresh
//! cannot hide: bursts of one session make one token request, app instances that share a
//! coordinator refresh a session once, stale copies follow a rotation only within the rotation
//! window, and a dead grant is not retried. The server is the kit's (`logto-testing`).

mod common;

use common::*;
use logto::CoordinationError;
use logto::coordination::{Clock, Coordinator, LeaseToken, LocalCoordinator, RefreshPolicy};
use logto::{LogtoClient, LogtoError, MemoryStorage, PersistKey, Storage};
use logto_test_idp::{grant_types, resources};
use logto_testing::MockLogto;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A copy of a session's stored values: what another app instance (or a concurrent request)
/// loaded from the session store.
async fn copy_of(storage: &MemoryStorage) -> Arc<MemoryStorage> {
    let copy = Arc::new(MemoryStorage::new());
    for key in PersistKey::ALL {
        if let Some(value) = storage.get(key).await.unwrap() {
            copy.set(key, value).await.unwrap();
        }
    }
    copy
}

/// An app instance: its own client (own HTTP pool, discovery, keys) on `coordinator`.
fn instance(idp: &MockLogto, coordinator: Option<Arc<LocalCoordinator>>) -> LogtoClient {
    let builder = LogtoClient::builder(kit::kit_public_config(idp));
    match coordinator {
        Some(coordinator) => builder.coordinator(coordinator),
        None => builder,
    }
    .build()
    .unwrap()
}

fn refreshes(idp: &MockLogto) -> usize {
    kit::refreshes(idp)
}

#[tokio::test]
async fn a_burst_of_one_session_makes_one_token_request() {
    let idp = kit::strict_kit();
    let (client, _) = client(kit::kit_public_config(&idp));
    kit::kit_sign_in(&idp, &client).await;
    idp.reset_token_requests();
    let burst: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_access_token(resources::API).await })
        })
        .collect();
    let mut tokens = Vec::new();
    for request in burst {
        tokens.push(request.await.unwrap().expect("every request of the burst succeeds").into_secret());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "the waiters took the published token");
    assert_eq!(refreshes(&idp), 1, "one token request for the burst");
}

#[tokio::test]
async fn instances_sharing_a_coordinator_refresh_a_session_once() {
    let idp = kit::strict_kit();
    let shared = Arc::new(LocalCoordinator::new());
    let (first, second) = (instance(&idp, Some(shared.clone())), instance(&idp, Some(shared)));
    let storage = Arc::new(MemoryStorage::new());
    let signed_in = first.with_storage(storage.clone());
    kit::kit_sign_in(&idp, &signed_in).await;
    idp.reset_token_requests();

    let (on_first, on_second) =
        (first.with_storage(copy_of(&storage).await), second.with_storage(copy_of(&storage).await));
    let (a, b) = tokio::join!(
        on_first.get_access_token(resources::API),
        on_second.get_access_token("urn:logto:organization:org-acme")
    );
    a.expect("the first instance's request");
    b.expect("the second instance's request");
    // One refresh per target (the second continued from the first one's rotation), no reuse.
    assert_eq!(idp.count_token_requests(grant_types::REFRESH_TOKEN, Some("ok")), 2);
    assert_eq!(idp.count_token_requests(grant_types::REFRESH_TOKEN, Some("invalid_grant")), 0);
    let newest = on_second.get_refresh_token().await.unwrap().unwrap();
    assert!(idp.is_refresh_token_active(newest.secret()), "the grant survived");
    // The first copy now holds a consumed token: it follows the rotation instead of replaying.
    on_first.get_access_token("urn:logto:organization:org-acme").await.unwrap();
    assert_eq!(on_first.get_refresh_token().await.unwrap().unwrap(), newest);
    assert_eq!(idp.count_token_requests(grant_types::REFRESH_TOKEN, Some("ok")), 2, "followed, not replayed");
}

/// The proof that the coordination matters: the same two instances without a shared
/// coordinator present one refresh token twice, and the server revokes the grant.
#[tokio::test]
async fn instances_without_a_shared_coordinator_burn_the_grant() {
    let idp = kit::strict_kit();
    let (first, second) = (instance(&idp, None), instance(&idp, None));
    let storage = Arc::new(MemoryStorage::new());
    kit::kit_sign_in(&idp, &first.with_storage(storage.clone())).await;
    let (on_first, on_second) =
        (first.with_storage(copy_of(&storage).await), second.with_storage(copy_of(&storage).await));
    let (a, b) =
        tokio::join!(on_first.get_access_token(resources::API), on_second.get_access_token(resources::API));
    let ended = [a, b].into_iter().filter(|r| matches!(r, Err(LogtoError::SignInRequired { .. }))).count();
    assert!(ended >= 1, "a duplicate refresh is refused");
    assert_eq!(idp.count_token_requests(grant_types::REFRESH_TOKEN, Some("invalid_grant")), 1);
}

#[derive(Debug)]
struct ManualClock(Mutex<Instant>);

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn a_stale_copy_follows_a_rotation_only_within_the_rotation_window() {
    let idp = kit::strict_kit();
    let clock = Arc::new(ManualClock(Mutex::new(Instant::now())));
    let client = LogtoClient::builder(kit::kit_public_config(&idp))
        .coordinator(Arc::new(LocalCoordinator::with_clock(clock.clone())))
        .refresh_policy(RefreshPolicy::default().rotation_window(Duration::from_secs(5)))
        .build()
        .unwrap();
    let storage = Arc::new(MemoryStorage::new());
    kit::kit_sign_in(&idp, &client.with_storage(storage.clone())).await;
    let (stale, staler) = (copy_of(&storage).await, copy_of(&storage).await);
    client.with_storage(storage.clone()).get_access_token(resources::API).await.unwrap();
    idp.reset_token_requests();

    // Within the window, a copy holding the consumed token continues from the new one.
    let within = client.with_storage(stale.clone()).get_access_token(resources::API).await.unwrap();
    assert_eq!(refreshes(&idp), 0, "followed, not replayed");
    assert_eq!(
        within.secret(),
        client.with_storage(storage.clone()).get_access_token(resources::API).await.unwrap().secret()
    );
    assert_eq!(
        stale.get(PersistKey::RefreshToken).await.unwrap(),
        storage.get(PersistKey::RefreshToken).await.unwrap()
    );

    // After it, the consumed token reaches the server, whose reuse detection does its job.
    *clock.0.lock().unwrap() += Duration::from_secs(6);
    let after = client.with_storage(staler.clone()).get_access_token(resources::API).await;
    assert!(matches!(after, Err(LogtoError::SignInRequired { .. })), "{after:?}");
    assert!(staler.get(PersistKey::RefreshToken).await.unwrap().is_none(), "the stale copy is signed out");
}

/// A coordinator on this process's memory that keeps a copy of every value published, as
/// someone who can read and write the shared store could.
#[derive(Debug, Default)]
struct Eavesdropped {
    inner: LocalCoordinator,
    published: Mutex<Vec<(String, Vec<u8>)>>,
    /// Every call, by method.
    calls: Mutex<Vec<&'static str>>,
}

impl Eavesdropped {
    fn calls(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

#[async_trait::async_trait]
impl Coordinator for Eavesdropped {
    async fn try_lease(
        &self,
        key: &str,
        token: &LeaseToken,
        ttl: Duration,
    ) -> Result<bool, CoordinationError> {
        self.calls.lock().unwrap().push("try_lease");
        self.inner.try_lease(key, token, ttl).await
    }

    async fn release(&self, key: &str, token: &LeaseToken) -> Result<(), CoordinationError> {
        self.calls.lock().unwrap().push("release");
        self.inner.release(key, token).await
    }

    async fn publish(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CoordinationError> {
        self.calls.lock().unwrap().push("publish");
        self.published.lock().unwrap().push((key.to_owned(), value.to_vec()));
        self.inner.publish(key, value, ttl).await
    }

    async fn published(&self, key: &str) -> Result<Option<Vec<u8>>, CoordinationError> {
        self.calls.lock().unwrap().push("published");
        self.inner.published(key).await
    }
}

/// An outcome written back into the store after its window (kept by someone who can write to
/// the store) is refused: a copy of the session holding the consumed refresh token does not
/// follow it, and its token reaches the server, whose reuse detection ends the grant.
#[tokio::test]
async fn an_outcome_replayed_after_its_window_is_refused() {
    let idp = kit::strict_kit();
    let store = Arc::new(Eavesdropped::default());
    let client = LogtoClient::builder(kit::kit_public_config(&idp))
        .coordinator(store.clone())
        .refresh_policy(RefreshPolicy::default().rotation_window(Duration::from_millis(500)))
        .leeway(Duration::ZERO)
        .build()
        .unwrap();
    let storage = Arc::new(MemoryStorage::new());
    kit::kit_sign_in(&idp, &client.with_storage(storage.clone())).await;
    let stale = copy_of(&storage).await;
    let consumed = storage.get(PersistKey::RefreshToken).await.unwrap().unwrap();
    client.with_storage(storage.clone()).get_access_token(resources::API).await.unwrap();
    let (key, sealed) = store
        .published
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(key, _)| key.contains("outcome"))
        .cloned()
        .expect("the rotation was published");

    tokio::time::sleep(Duration::from_millis(1500)).await;
    store.publish(&key, &sealed, Duration::from_secs(60)).await.unwrap();
    idp.reset_token_requests();
    let replayed = client.with_storage(stale.clone()).get_access_token(resources::API).await;
    assert_eq!(
        idp.token_requests()
            .iter()
            .filter(|r| r.refresh_token_sha256.as_deref() == Some(sha256_hex(consumed.as_bytes()).as_str()))
            .count(),
        1,
        "the replayed outcome was not followed: {replayed:?}"
    );
    assert!(matches!(replayed, Err(LogtoError::SignInRequired { .. })), "{replayed:?}");
}

/// A cached access token costs the coordinator nothing unless the client honours back-channel
/// logouts; then one look at the session's logout markers (its session's, its user's), no lease.
#[tokio::test]
async fn a_cached_token_looks_up_the_logout_markers_only_when_they_are_honoured() {
    let idp = kit::default_kit();
    for honoured in [false, true] {
        let store = Arc::new(Eavesdropped::default());
        let client = LogtoClient::builder(kit::kit_public_config(&idp))
            .coordinator(store.clone())
            .backchannel_logout(honoured)
            .build()
            .unwrap();
        kit::kit_sign_in(&idp, &client).await;
        let token = client.get_access_token(resources::API).await.unwrap();
        store.calls();
        assert_eq!(client.get_access_token(resources::API).await.unwrap(), token, "cached");
        let calls = store.calls();
        if honoured {
            assert!(!calls.is_empty() && calls.iter().all(|call| *call == "published"), "{calls:?}");
            assert!(calls.len() <= 2, "{calls:?}");
        } else {
            assert!(calls.is_empty(), "no coordinator call: {calls:?}");
        }
    }
}

#[tokio::test]
async fn a_dead_grant_is_sent_once() {
    let idp = kit::strict_kit();
    let (client, storage) = client(kit::kit_public_config(&idp));
    kit::kit_sign_in(&idp, &client).await;
    let copies = [copy_of(&storage).await, copy_of(&storage).await, copy_of(&storage).await];
    idp.revoke_grants(logto_test_idp::demo_user::SUB);
    idp.reset_token_requests();
    for copy in copies {
        let error = client.with_storage(copy.clone()).get_access_token(resources::API).await.unwrap_err();
        assert!(matches!(error, LogtoError::SignInRequired { .. }), "{error:?}");
        assert!(copy.get(PersistKey::IdToken).await.unwrap().is_none(), "signed out");
    }
    assert_eq!(refreshes(&idp), 1, "the dead refresh token went to the server once");
}

/// A copy that follows an old rotation stores the newest refresh token of the chain, not the one
/// the outcome it followed names (which a later rotation has consumed).
#[tokio::test]
async fn a_follower_stores_the_newest_rotation_of_the_chain() {
    let idp = kit::strict_kit();
    let (client, storage) = client(kit::kit_public_config(&idp));
    kit::kit_sign_in(&idp, &client).await;
    let oldest = copy_of(&storage).await;
    client.get_access_token(resources::API).await.unwrap();
    let middle = copy_of(&storage).await;
    client.with_storage(middle.clone()).get_access_token("urn:logto:organization:org-acme").await.unwrap();
    let newest = middle.get(PersistKey::RefreshToken).await.unwrap();
    idp.reset_token_requests();

    client.with_storage(oldest.clone()).get_access_token(resources::API).await.unwrap();
    assert_eq!(refreshes(&idp), 0, "followed, not replayed");
    assert_eq!(oldest.get(PersistKey::RefreshToken).await.unwrap(), newest, "the newest of the chain");
}

#[tokio::test]
async fn two_copies_of_one_callback_send_the_code_once() {
    // A double click, a browser's retry, two instances: both copies of the callback pass the
    // `state` check, but the code may be sent once; a server answers a reused code by revoking
    // the grant the first use created (RFC 6749 §4.1.2).
    let idp = kit::strict_kit();
    let coordinator = Arc::new(LocalCoordinator::new());
    let (first, second) = (instance(&idp, Some(coordinator.clone())), instance(&idp, Some(coordinator)));
    let storage = Arc::new(MemoryStorage::new());
    let url = first.with_storage(storage.clone()).sign_in(REDIRECT_URI).await.unwrap();
    let callback = idp.callback_for(&url).await.expect("the kit signs the user in");
    let (a, b) = (first.with_storage(copy_of(&storage).await), second.with_storage(copy_of(&storage).await));
    let (left, right) =
        tokio::join!(a.handle_sign_in_callback(&callback), b.handle_sign_in_callback(&callback));
    let (winner, loser) = match (&left, &right) {
        (Ok(()), Err(error)) => (a, error),
        (Err(error), Ok(())) => (b, error),
        _ => panic!("exactly one copy completes the sign-in: {left:?} / {right:?}"),
    };
    assert!(
        matches!(loser, LogtoError::Callback(logto::CallbackError::SessionMissing)),
        "the other copy finds the sign-in taken: {loser:?}"
    );
    let codes = idp.count_token_requests(grant_types::AUTHORIZATION_CODE, None);
    assert_eq!(codes, 1, "the code was sent once");
    winner.get_access_token(resources::API).await.expect("the grant is alive");
}

/// A coordinator whose reads hang once the first refresh lease is taken (a store that stops
/// answering right after a request took the lease), until `hang` is turned off.
#[derive(Debug, Default)]
struct HangsAfterLease {
    inner: LocalCoordinator,
    leases: std::sync::atomic::AtomicUsize,
    hang: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl Coordinator for HangsAfterLease {
    async fn try_lease(
        &self,
        key: &str,
        token: &LeaseToken,
        ttl: Duration,
    ) -> Result<bool, CoordinationError> {
        let taken = self.inner.try_lease(key, token, ttl).await?;
        if taken
            && key.starts_with("logto:refresh:lease:")
            && self.leases.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0
        {
            self.hang.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(taken)
    }
    async fn release(&self, key: &str, token: &LeaseToken) -> Result<(), CoordinationError> {
        self.inner.release(key, token).await
    }
    async fn publish(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CoordinationError> {
        self.inner.publish(key, value, ttl).await
    }
    async fn published(&self, key: &str) -> Result<Option<Vec<u8>>, CoordinationError> {
        if self.hang.load(std::sync::atomic::Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.inner.published(key).await
    }
}

#[tokio::test]
async fn a_caller_cancelled_right_after_taking_the_lease_releases_it() {
    // Cancelled between taking the lease and starting the refresh (a client hung up): the
    // session's next request must not wait for the lease to expire.
    let idp = kit::strict_kit();
    let coordinator = Arc::new(HangsAfterLease::default());
    let client = LogtoClient::builder(kit::kit_public_config(&idp))
        .coordinator(coordinator.clone())
        .refresh_policy(
            RefreshPolicy::default().lease_ttl(Duration::from_secs(120)).lease_wait(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    let storage = Arc::new(MemoryStorage::new());
    let client = client.with_storage(storage.clone());
    kit::kit_sign_in(&idp, &client).await;
    let cancelled =
        tokio::time::timeout(Duration::from_millis(300), client.get_access_token(resources::API)).await;
    assert!(cancelled.is_err(), "the call hung after taking the lease and was cancelled");
    coordinator.hang.store(false, std::sync::atomic::Ordering::SeqCst);
    let started = Instant::now();
    let next = tokio::time::timeout(Duration::from_secs(30), client.get_access_token(resources::API)).await;
    assert!(matches!(next, Ok(Ok(_))), "the next request refreshes: {next:?}");
    let waited = started.elapsed();
    assert!(waited < client.refresh_policy().lease_wait, "it did not wait out the lease: {waited:?}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
