//! Forged, failed and misdirected callbacks are typed errors that leave the stored tokens alone.

mod common;

use common::*;
use logto::{LogtoError, PersistKey, Storage};
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
    assert!(matches!(client.handle_sign_in_callback(&forged).await, Err(LogtoError::StateMismatch)));
    assert_eq!(client.get_id_token().await.unwrap(), id_token, "tokens untouched");
    assert!(
        storage.get(PersistKey::SignInSession).await.unwrap().is_some(),
        "the real callback can still land"
    );

    client.handle_sign_in_callback(&callback).await.unwrap();
    // A replay of the same callback finds no sign-in session.
    let replay = client.handle_sign_in_callback(&callback).await;
    assert!(matches!(replay, Err(LogtoError::SignInSessionMissing)), "{replay:?}");
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
        Err(LogtoError::Callback { error, error_description }) => {
            assert_eq!(error, "access_denied");
            assert_eq!(error_description.as_deref(), Some("the user said no"));
        }
        other => panic!("expected a callback error, got {other:?}"),
    }
    assert!(!client.is_authenticated().await.unwrap());
}

#[tokio::test]
async fn wrong_redirect_uri_is_refused() {
    let idp = TestIdp::start().await;
    let (client, _) = client(confidential_config(&idp));
    let url = client.sign_in(REDIRECT_URI).await.unwrap();
    let callback = idp.login(&url).await;
    for target in
        ["http://127.0.0.1:3001/callback", "http://localhost:3000/callback", "http://127.0.0.1:3000/other"]
    {
        let moved = callback.replace(REDIRECT_URI, target);
        let error = client.handle_sign_in_callback(&moved).await.unwrap_err();
        assert!(matches!(error, LogtoError::RedirectUriMismatch { .. }), "{target}: {error:?}");
        assert!(!error.to_string().contains("code="), "the message leaks no code: {error}");
    }
    client.handle_sign_in_callback(&callback).await.unwrap();
}

#[tokio::test]
async fn callback_without_sign_in_session_is_refused() {
    let idp = TestIdp::start().await;
    let (client, _) = client(confidential_config(&idp));
    let error = client.handle_sign_in_callback(&format!("{REDIRECT_URI}?code=x&state=y")).await.unwrap_err();
    assert!(matches!(error, LogtoError::SignInSessionMissing));
    assert!(matches!(
        client.handle_sign_in_callback("not a url").await,
        Err(LogtoError::SignInSessionMissing)
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
