//! One refresh in flight per refresh token: concurrent token requests of one session, and of two
//! copies of one session (two web requests), all succeed against a server that rotates refresh
//! tokens on every use and revokes the grant when a used one comes back (Logto's 3-second reuse
//! grace turned off, so a duplicate refresh cannot hide). The server is the kit's (`logto-testing`).

mod common;

use common::*;
use logto::{LogtoClient, MemoryStorage, PersistKey, Storage};
use logto_test_idp::resources;
use std::sync::Arc;

#[tokio::test]
async fn concurrent_refreshes_for_many_resources_share_one_rotating_token() {
    let idp = kit::strict_kit();
    let (client, _) = client(kit::kit_public_config(&idp));
    kit::kit_sign_in(&idp, &client).await;

    let mut tasks = Vec::new();
    for round in 0..3 {
        for audience in
            ["", resources::API, "urn:logto:organization:org-acme", "urn:logto:organization:org-globex"]
        {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                match audience.strip_prefix("urn:logto:organization:") {
                    Some(org) => client.get_organization_token(org).await.map(|_| (round, audience)),
                    None => client.get_access_token(audience).await.map(|_| (round, audience)),
                }
            }));
        }
    }
    for task in tasks {
        task.await.unwrap().expect("every concurrent token request succeeds");
    }
    let refresh_token = client.get_refresh_token().await.unwrap().unwrap();
    assert!(idp.is_refresh_token_active(refresh_token.secret()), "the grant survived");
}

/// Two requests of one browser session each load their own copy of the session, refresh with
/// the same refresh token at once, and each save their copy.
#[tokio::test]
async fn two_requests_of_one_session_refresh_in_turn() {
    let idp = kit::strict_kit();
    let (client, storage) = client(kit::kit_public_config(&idp));
    kit::kit_sign_in(&idp, &client).await;

    let copy = || async {
        let copy = Arc::new(MemoryStorage::new());
        for key in PersistKey::ALL {
            if let Some(value) = storage.get(key).await.unwrap() {
                copy.set(key, value).await.unwrap();
            }
        }
        copy
    };
    let (first, second) = (copy().await, copy().await);
    let first_client: LogtoClient = client.with_storage(first.clone());
    let second_client: LogtoClient = client.with_storage(second.clone());
    let (a, b) = tokio::join!(
        first_client.get_access_token(resources::API),
        second_client.get_organization_token("org-acme")
    );
    a.expect("first request");
    b.expect("second request");
    // A third request arriving with the first copy's (already rotated) token still works.
    let third = client.with_storage(first.clone());
    third.get_organization_token("org-globex").await.expect("third request");
    let newest = third.get_refresh_token().await.unwrap().unwrap();
    assert!(idp.is_refresh_token_active(newest.secret()));
}

#[tokio::test]
async fn sessions_never_see_each_others_tokens() {
    let idp = kit::default_kit();
    let (alice, _) = client(kit::kit_public_config(&idp));
    let bob = alice.with_storage(Arc::new(MemoryStorage::new()));
    kit::kit_sign_in(&idp, &alice).await;
    assert!(!bob.is_authenticated().await.unwrap());
    assert!(bob.get_access_token(resources::API).await.is_err());
    kit::kit_sign_in(&idp, &bob).await;
    assert_ne!(alice.get_refresh_token().await.unwrap(), bob.get_refresh_token().await.unwrap());
    assert_ne!(
        alice.get_access_token(resources::API).await.unwrap(),
        bob.get_access_token(resources::API).await.unwrap()
    );
}
