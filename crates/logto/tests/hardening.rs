//! Lying, failing and hostile identity servers (an HTTP mock, for what the real test server will
//! not produce): every case is a typed error, never a panic, and the stored session survives.

mod common;

use common::REDIRECT_URI;
use common::mock_idp::{CLIENT_ID, MockIdp};
use logto::{
    CallbackError, LogtoClient, LogtoConfig, LogtoError, MemoryStorage, PersistKey, ServerError, Storage,
    TokenError,
};
use logto_test_idp::forge::{self, SigningKey};
use logto_test_idp::mock::MockResponse;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

async fn verify(idp: &MockIdp, client: &LogtoClient, token: &str) -> Result<(), TokenError> {
    idp.verify(client, token).await
}

#[tokio::test]
async fn accepts_every_asymmetric_algorithm_the_certification_suite_uses() {
    for alg in ["ES256", "ES384", "ES512", "RS256", "PS256"] {
        let key = SigningKey::generate(alg, "k1");
        let idp = MockIdp::start(&[&key]).await;
        let (client, _) = idp.client();
        let token = key.sign(&forge::id_token_claims(&idp.issuer(), CLIENT_ID, "u"), "JWT");
        assert_eq!(verify(&idp, &client, &token).await, Ok(()), "{alg}");
    }
}

#[tokio::test]
async fn key_selection_without_kid_and_after_rotation() {
    let first = SigningKey::generate("ES384", "k1");
    let second = SigningKey::generate("ES384", "k2");
    let idp = MockIdp::start(&[&first]).await;
    let (client, _) = idp.client();
    let claims = forge::id_token_claims(&idp.issuer(), CLIENT_ID, "u");

    // No kid, one key: accepted.
    let no_kid = first.sign_with_header(&json!({"alg": "ES384"}), &claims);
    assert_eq!(verify(&idp, &client, &no_kid).await, Ok(()));

    // Rotation: a new kid triggers one refetch, then verifies.
    idp.set(|s| s.jwks = forge::jwks(&[&second, &first]));
    assert_eq!(verify(&idp, &client, &second.sign(&claims, "JWT")).await, Ok(()));

    // No kid with two keys: ambiguous.
    let ambiguous = second.sign_with_header(&json!({"alg": "ES384"}), &claims);
    assert!(matches!(verify(&idp, &client, &ambiguous).await, Err(TokenError::UnknownKey(None))));

    // Unknown kid even after the refetch.
    let stranger = SigningKey::generate("ES384", "k3");
    assert!(matches!(
        verify(&idp, &client, &stranger.sign(&claims, "JWT")).await,
        Err(TokenError::UnknownKey(_))
    ));
}

#[tokio::test]
async fn a_flood_of_unknown_kids_does_not_flood_the_jwks_endpoint() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let client = LogtoClient::builder(LogtoConfig::new(idp.server.url(), CLIENT_ID)).build().unwrap();
    let claims = forge::id_token_claims(&idp.issuer(), CLIENT_ID, "u");
    verify(&idp, &client, &key.sign(&claims, "JWT")).await.unwrap();
    for i in 0..50 {
        let stranger = SigningKey::generate("ES256", &format!("unknown-{i}"));
        assert!(verify(&idp, &client, &stranger.sign(&claims, "JWT")).await.is_err());
    }
    assert_eq!(idp.count("/oidc/jwks"), 1, "refetches are rate-limited");
}

#[tokio::test]
async fn rejects_forged_and_invalid_id_tokens() {
    let key = SigningKey::generate("ES384", "k1");
    let rsa = SigningKey::generate("RS256", "r1");
    let idp = MockIdp::start(&[&key, &rsa]).await;
    let (client, _) = idp.client();
    let valid = forge::id_token_claims(&idp.issuer(), CLIENT_ID, "u");
    let now = forge::now();

    let impostor = SigningKey::generate("ES384", "k1");
    assert_eq!(verify(&idp, &client, &impostor.sign(&valid, "JWT")).await, Err(TokenError::BadSignature));
    let mut tampered = key.sign(&valid, "JWT");
    tampered.replace_range(tampered.len() - 6.., "AAAAAA");
    assert!(verify(&idp, &client, &tampered).await.is_err());

    assert!(matches!(
        verify(&idp, &client, &forge::unsigned(&valid)).await,
        Err(TokenError::DisallowedAlgorithm(_))
    ));
    for secret in [key.public_key_bytes(), key.jwk().to_string().into_bytes(), rsa.public_key_bytes()] {
        let token = forge::hmac(&secret, "k1", &valid);
        assert!(matches!(verify(&idp, &client, &token).await, Err(TokenError::DisallowedAlgorithm(_))));
    }
    // An RSA key may not verify an ES384-labelled token and vice versa.
    let mislabelled = rsa.sign_with_header(&json!({"alg": "ES384", "kid": "r1"}), &valid);
    assert!(matches!(verify(&idp, &client, &mislabelled).await, Err(TokenError::DisallowedAlgorithm(_))));

    type Check = fn(&TokenError) -> bool;
    let cases: Vec<(&str, Value, Check)> = vec![
        ("iss", json!("https://evil.example/oidc"), |e| matches!(e, TokenError::WrongIssuer { .. })),
        ("aud", json!("another-app"), |e| matches!(e, TokenError::WrongAudience { .. })),
        ("exp", json!(now - 3600), |e| matches!(e, TokenError::Expired)),
        ("iat", json!(now + 3600), |e| matches!(e, TokenError::IssuedInFuture)),
    ];
    for (claim, value, expected) in cases {
        let mut claims = valid.clone();
        claims[claim] = value;
        let outcome = verify(&idp, &client, &key.sign(&claims, "JWT")).await;
        assert!(outcome.as_ref().is_err_and(expected), "{claim}: {outcome:?}");
    }
    for claim in ["iss", "sub", "aud", "exp", "iat"] {
        let mut claims = valid.clone();
        claims.as_object_mut().unwrap().remove(claim);
        let outcome = verify(&idp, &client, &key.sign(&claims, "JWT")).await;
        assert_eq!(outcome, Err(TokenError::MissingClaim(claim)));
    }
}

#[tokio::test]
async fn discovery_with_another_issuer_is_refused() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    idp.set(|s| s.issuer_override = Some("https://evil.example/oidc".into()));
    let (client, _) = idp.client();
    let error = client.sign_in(REDIRECT_URI).await.unwrap_err();
    assert!(matches!(error, LogtoError::DiscoveryIssuerMismatch { .. }), "{error:?}");
}

#[tokio::test]
async fn callback_with_a_bad_id_token_stores_nothing() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, storage) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |c| c["aud"] = json!("someone-else"))));
    assert!(matches!(idp.sign_in(&client).await, Err(LogtoError::InvalidIdToken(_))));
    assert!(storage.get(PersistKey::IdToken).await.unwrap().is_none());
    assert!(storage.get(PersistKey::RefreshToken).await.unwrap().is_none());

    // Then a good one lands, and a wrong callback `iss` (RFC 9207) is refused.
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    let url = client.sign_in(REDIRECT_URI).await.unwrap();
    let state =
        url::Url::parse(&url).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let wrong_iss = format!("{REDIRECT_URI}?code=c&state={state}&iss=https://evil.example/oidc");
    let error = client.handle_sign_in_callback(&wrong_iss).await.unwrap_err();
    assert!(matches!(error, LogtoError::Callback(CallbackError::IssuerMismatch { .. })), "{error:?}");
    assert!(client.is_authenticated().await.unwrap(), "the earlier session is kept");
}

#[tokio::test]
async fn userinfo_about_another_user_is_refused() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    idp.set(|s| s.userinfo = MockResponse::json(200, r#"{"sub":"someone-else","name":"Mallory"}"#));
    assert!(matches!(client.fetch_user_info().await, Err(LogtoError::UserInfoSubjectMismatch)));
    idp.set(|s| s.userinfo = MockResponse::json(200, r#"{"sub":"user-1","name":"Ada","email":null}"#));
    assert_eq!(client.fetch_user_info().await.unwrap().name.as_deref(), Some("Ada"));
    let raw = client.fetch_user_info_json().await.unwrap();
    assert_eq!(raw.get("email"), Some(&Value::Null), "a null claim stays null");
    idp.set(|s| s.userinfo = MockResponse::json(200, r#"{"name":"no subject"}"#));
    assert!(matches!(client.fetch_user_info().await, Err(LogtoError::InvalidResponse { .. })));

    // Discovery by URL checks the issuer against the URL.
    let url = format!("{}/.well-known/openid-configuration", idp.issuer());
    assert!(logto::OidcCore::discover_url(&url, reqwest::Client::new()).await.is_ok());
    let wrong = format!("{}/other/.well-known/openid-configuration", idp.server.url());
    assert!(logto::OidcCore::discover_url(&wrong, reqwest::Client::new()).await.is_err());
    assert!(matches!(
        logto::OidcCore::discover_url(idp.server.url(), reqwest::Client::new()).await,
        Err(LogtoError::InvalidConfig(_))
    ));
}

/// Every failure of the token endpoint during a refresh is typed, and the session is intact.
#[tokio::test]
async fn token_endpoint_failures_are_typed_and_keep_the_session() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, storage) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    let snapshot = || async {
        let mut values = Vec::new();
        for key in PersistKey::ALL {
            values.push(storage.get(key).await.unwrap());
        }
        values
    };
    let before = snapshot().await;

    type Check = fn(&LogtoError) -> bool;
    let cases: Vec<(MockResponse, Check)> = vec![
        (MockResponse::html(500, "<html>Internal Server Error</html>"), |e| {
            matches!(e, LogtoError::Server(ServerError { status: 500, error: None, .. }))
        }),
        (
            MockResponse::html(200, "<!doctype html><p>login</p>"),
            |e| matches!(e, LogtoError::InvalidResponse { reason, .. } if reason.contains("HTML")),
        ),
        (MockResponse::json(200, "{\"access_token\": "), |e| matches!(e, LogtoError::InvalidResponse { .. })),
        (MockResponse::json(200, r#"{"token_type":"Bearer"}"#), |e| {
            matches!(e, LogtoError::InvalidResponse { .. })
        }),
        (
            MockResponse::json(200, format!("\"{}\"", "a".repeat(2 * 1024 * 1024))),
            |e| matches!(e, LogtoError::InvalidResponse { reason, .. } if reason.contains("larger")),
        ),
        (
            MockResponse::json(400, r#"{"error":"invalid_target","error_description":"unknown resource"}"#),
            |e| e.oauth_error() == Some("invalid_target") && !e.is_upstream_failure(),
        ),
        (
            MockResponse::json(403, r#"{"code":"oidc.access_denied","message":"not a member"}"#),
            |e| matches!(e, LogtoError::Server(ServerError { status: 403, error_description: Some(d), .. }) if d == "not a member"),
        ),
        (MockResponse::json(200, "{}").delayed(Duration::from_secs(3)), |e| {
            matches!(e, LogtoError::Timeout { .. })
        }),
    ];
    for (response, expected) in cases {
        idp.set(|s| s.token = response.clone());
        let error = client.get_access_token("https://api.example.com").await.unwrap_err();
        assert!(expected(&error), "{error:?}");
        assert!(!error.to_string().is_empty());
        assert_eq!(snapshot().await, before, "session unchanged after {error}");
    }
}

/// A refused refresh token ends the session: the tokens are cleared, the caller is told to sign
/// in again, and the dead token is not sent a second time.
#[tokio::test]
async fn a_dead_grant_ends_the_session_once() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, storage) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    idp.set(|s| {
        s.token = MockResponse::json(
            400,
            r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
        )
    });
    let before = idp.count("/oidc/token");
    let error = client.get_access_token("https://api.example.com").await.unwrap_err();
    assert!(matches!(error, LogtoError::SignInRequired { .. }), "{error:?}");
    assert!(error.is_sign_in_required() && !error.is_upstream_failure());
    for key in [PersistKey::IdToken, PersistKey::RefreshToken, PersistKey::AccessTokenMap] {
        assert!(storage.get(key).await.unwrap().is_none(), "{key} cleared");
    }
    assert!(!client.is_authenticated().await.unwrap());
    let again = client.get_access_token("https://api.example.com").await.unwrap_err();
    assert!(matches!(again, LogtoError::NotAuthenticated), "{again:?}");
    assert_eq!(idp.count("/oidc/token"), before + 1, "the dead token was sent once");
}

/// A slow token endpoint: a burst of one session waits for one token request, whose failure is
/// handed to the waiters instead of being retried once per waiter.
#[tokio::test]
async fn a_failed_refresh_is_shared_with_the_waiters() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let storage = Arc::new(MemoryStorage::new());
    let client = LogtoClient::builder(LogtoConfig::new(idp.server.url(), CLIENT_ID))
        .storage(storage.clone())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    idp.set(|s| s.token = MockResponse::json(200, "{}").delayed(Duration::from_secs(2)));
    let before = idp.count("/oidc/token");
    let burst: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_access_token("https://api.example.com").await })
        })
        .collect();
    for request in burst {
        let error = request.await.unwrap().unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
    }
    assert_eq!(idp.count("/oidc/token"), before + 1, "one token request for the burst");
    assert!(client.is_authenticated().await.unwrap(), "a slow server ends no session");
}

#[tokio::test]
async fn a_server_that_is_down_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client =
        LogtoClient::new(LogtoConfig::new(endpoint, CLIENT_ID), Arc::new(MemoryStorage::new())).unwrap();
    let error = client.sign_in(REDIRECT_URI).await.unwrap_err();
    assert!(error.is_network(), "{error:?}");
    assert!(matches!(error, LogtoError::Network { .. }));
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_display() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let config = LogtoConfig::new(idp.server.url(), CLIENT_ID).with_app_secret("top-secret-value");
    let storage = Arc::new(MemoryStorage::new());
    let client = LogtoClient::builder(config.clone()).storage(storage.clone()).build().unwrap();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    let token_response: logto::TokenResponse = serde_json::from_str(&idp.tokens(&key, |_| {})).unwrap();
    let rendered = format!("{client:?} {config:?} {storage:?} {token_response:?}");
    for secret in ["top-secret-value", "refresh-1", "opaque-access-token", "eyJ"] {
        assert!(!rendered.contains(secret), "{secret} leaked: {rendered}");
    }
    // The Basic credentials went in the header, URL-encoded.
    let token_request = idp.server.requests().into_iter().find(|r| r.target == "/oidc/token").unwrap();
    assert!(token_request.headers.to_ascii_lowercase().contains("authorization: basic "));
    assert!(!token_request.body.contains("top-secret-value"));
}

#[tokio::test]
async fn a_cached_access_token_costs_no_network_call() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, _) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    let before = idp.server.requests().len();
    for _ in 0..5 {
        assert_eq!(client.get_access_token("").await.unwrap().secret(), "opaque-access-token");
        assert!(client.get_id_token_claims().await.is_ok());
    }
    assert_eq!(idp.server.requests().len(), before, "served from the cache");
    // A token response without the optional `expires_in` is still read.
    idp.set(|s| {
        s.token = MockResponse::json(
            200,
            r#"{"access_token":"opaque-2","token_type":"Bearer","refresh_token":"refresh-2"}"#,
        )
    });
    assert_eq!(client.get_access_token("https://api.example.com").await.unwrap().secret(), "opaque-2");
}

#[tokio::test]
async fn a_jwks_outage_costs_one_request_per_cooldown() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let client = LogtoClient::builder(LogtoConfig::new(idp.server.url(), CLIENT_ID)).build().unwrap();
    let claims = forge::id_token_claims(&idp.issuer(), CLIENT_ID, "u");
    let token = key.sign(&claims, "JWT");
    idp.set(|s| s.jwks = "<html>down</html>".into());
    for _ in 0..20 {
        assert!(matches!(verify(&idp, &client, &token).await, Err(TokenError::KeysUnavailable(_))));
    }
    assert_eq!(idp.count("/oidc/jwks"), 1, "failed requests are rate-limited too");
}

/// A caller that gives up while its refresh is at the server (a client hung up, a timeout layer)
/// must not lose the rotation the server made: the old refresh token is consumed.
#[tokio::test]
async fn a_caller_cancelled_during_a_refresh_keeps_the_rotated_refresh_token() {
    let key = SigningKey::generate("ES384", "k1");
    let idp = MockIdp::start(&[&key]).await;
    let (client, storage) = idp.client();
    idp.set(|s| s.token = MockResponse::json(200, idp.tokens(&key, |_| {})));
    idp.sign_in(&client).await.unwrap();
    let rotated =
        r#"{"access_token":"opaque-2","token_type":"Bearer","expires_in":3600,"refresh_token":"refresh-2"}"#;
    idp.set(|s| s.token = MockResponse::json(200, rotated).delayed(Duration::from_millis(400)));
    let gave_up =
        tokio::time::timeout(Duration::from_millis(100), client.get_access_token("https://api.example.com"))
            .await;
    assert!(gave_up.is_err(), "the caller gave up while the token request was at the server");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("refresh-2"));
    assert_eq!(idp.count("/oidc/token"), 2, "the code exchange and one refresh");
}
