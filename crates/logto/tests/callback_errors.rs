//! Forged, failed and misdirected callbacks are typed errors that leave the stored tokens alone.

mod common;

use common::*;
use logto::{CallbackError, LogtoClient, LogtoError, PersistKey, Storage};
use logto_test_idp::TestIdp;

#[tokio::test]
async fn forged_state_is_refused_and_keeps_the_session() {
    let idp = TestIdp::start().await;
    let (client, storage) = client(confidential_config(&idp));
    sign_in(&idp, &client).await;
    let id_token = client.get_id_token().await.unwrap();

    let url = client.sign_in(REDIRECT_URI).await.unwrap();
    let callback = idp.login(&url).await;
    let forged = callback.replace(&format!("state={}", state_of(&url)), "state=forged");
    assert_ne!(forged, callback);
    assert!(matches!(
        client.handle_sign_in_callback(&forged).await,
        Err(LogtoError::Callback(CallbackError::StateMismatch))
    ));
    assert_eq!(client.get_id_token().await.unwrap(), id_token, "tokens untouched");
    assert!(
        storage.get(PersistKey::SignInSession).await.unwrap().is_some(),
        "the real callback can still land"
    );

    client.handle_sign_in_callback(&callback).await.unwrap();
    // A replay of the same callback finds no sign-in session.
    let replay = client.handle_sign_in_callback(&callback).await;
    assert!(matches!(replay, Err(LogtoError::Callback(CallbackError::SessionMissing))), "{replay:?}");
    assert!(client.is_authenticated().await.unwrap());
}

#[tokio::test]
async fn access_denied_callback_is_a_typed_error() {
    let idp = TestIdp::start().await;
    let (client, _) = client(confidential_config(&idp));
    let url = client.sign_in(REDIRECT_URI).await.unwrap();
    let callback = format!(
        "{REDIRECT_URI}?error=access_denied&error_description=the+user+said+no&state={}&iss={}",
        state_of(&url),
        idp.issuer()
    );
    match client.handle_sign_in_callback(&callback).await {
        Err(LogtoError::Callback(CallbackError::Denied { error, error_description })) => {
            assert_eq!(error, "access_denied");
            assert_eq!(error_description.as_deref(), Some("the user said no"));
        }
        other => panic!("expected a callback error, got {other:?}"),
    }
    assert!(!client.is_authenticated().await.unwrap());
}

#[tokio::test]
async fn a_callback_on_another_path_is_refused_and_names_both_paths() {
    let idp = TestIdp::start().await;
    let (client, _) = client(confidential_config(&idp));
    let url = client.sign_in(REDIRECT_URI).await.unwrap();
    let callback = idp.login(&url).await;
    let moved = callback.replace(REDIRECT_URI, "http://127.0.0.1:3000/other");
    let error = client.handle_sign_in_callback(&moved).await.unwrap_err();
    assert!(matches!(error, LogtoError::Callback(CallbackError::PathMismatch { .. })), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("`/other`") && message.contains("`/callback`"), "{message}");
    assert!(!message.contains("code="), "the message leaks no code: {message}");
    client.handle_sign_in_callback(&callback).await.unwrap();
}

/// Behind a reverse proxy, a load balancer or a framework's test client, the app sees another
/// origin than the redirect URI's: the callback still completes (as with the official SDK).
#[tokio::test]
async fn a_callback_seen_at_another_origin_completes() {
    let idp = TestIdp::start().await;
    for seen_as in
        ["http://app:8000/callback", "http://localhost/callback", "https://10.0.0.7/callback", "/callback"]
    {
        let (client, _) = client(confidential_config(&idp));
        let url = client.sign_in(REDIRECT_URI).await.unwrap();
        let callback = idp.login(&url).await.replace(REDIRECT_URI, seen_as);
        client.handle_sign_in_callback(&callback).await.unwrap_or_else(|e| panic!("{seen_as}: {e}"));
        assert!(client.is_authenticated().await.unwrap(), "{seen_as}");
    }
}

#[tokio::test]
async fn the_strict_origin_check_refuses_other_origins() {
    let idp = TestIdp::start().await;
    let strict =
        LogtoClient::builder(confidential_config(&idp)).strict_callback_origin(true).build().unwrap();
    let url = strict.sign_in(REDIRECT_URI).await.unwrap();
    let callback = idp.login(&url).await;
    for seen_as in ["http://127.0.0.1:3001/callback", "http://localhost:3000/callback", "/callback"] {
        let error =
            strict.handle_sign_in_callback(&callback.replace(REDIRECT_URI, seen_as)).await.unwrap_err();
        assert!(
            matches!(error, LogtoError::Callback(CallbackError::OriginMismatch { .. })),
            "{seen_as}: {error:?}"
        );
    }
    strict.handle_sign_in_callback(&callback).await.unwrap();
}

#[tokio::test]
async fn callback_without_sign_in_session_is_refused() {
    let idp = TestIdp::start().await;
    let (client, _) = client(confidential_config(&idp));
    let error = client.handle_sign_in_callback(&format!("{REDIRECT_URI}?code=x&state=y")).await.unwrap_err();
    assert!(matches!(error, LogtoError::Callback(CallbackError::SessionMissing)));
    assert!(matches!(
        client.handle_sign_in_callback("not a url").await,
        Err(LogtoError::Callback(CallbackError::Malformed(_)))
    ));
}

#[tokio::test]
async fn corrupt_storage_is_a_typed_error_and_is_not_overwritten() {
    let idp = TestIdp::start().await;
    let (client, storage) = client(confidential_config(&idp));
    sign_in(&idp, &client).await;
    storage.set(PersistKey::SignInSession, "{not json".into()).await.unwrap();
    let error = client.handle_sign_in_callback(&format!("{REDIRECT_URI}?code=x&state=y")).await.unwrap_err();
    assert!(matches!(error, LogtoError::CorruptStorage { key: "signInSession", .. }), "{error:?}");
    assert_eq!(storage.get(PersistKey::SignInSession).await.unwrap().as_deref(), Some("{not json"));

    // An unreadable access-token cache is only a cache: it is rebuilt from the refresh token.
    storage.set(PersistKey::AccessTokenMap, "[[[".into()).await.unwrap();
    assert!(client.get_access_token("").await.is_ok());
    assert!(client.is_authenticated().await.unwrap());
}
