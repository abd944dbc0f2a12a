//! The bearer guard with real access tokens of the test identity server, and forged, expired,
//! wrong-audience and missing-scope ones.

mod common;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use logto::verifier::AccessTokenVerifier;
use logto::{LogtoClient, MemoryStorage};
use logto_axum::{BearerAuthLayer, BearerClaims};
use logto_test_idp::{IdpOptions, TestIdp, demo_user, resources};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// A signed-in client (scopes `read:data` on the API) and its API access token.
async fn api_token(idp: &TestIdp) -> (LogtoClient, String) {
    let client = LogtoClient::new(common::logto_config(idp), Arc::new(MemoryStorage::new())).unwrap();
    let sign_in = client.sign_in("http://127.0.0.1:1/callback").await.unwrap();
    client.handle_sign_in_callback(&idp.login(&sign_in).await).await.unwrap();
    let token = client.get_access_token(resources::API).await.unwrap();
    (client, token.into_secret())
}

async fn verifier(client: &LogtoClient, audience: &str) -> AccessTokenVerifier {
    AccessTokenVerifier::new(client.oidc_core().await.unwrap(), audience)
}

fn api(verifier: AccessTokenVerifier) -> Router {
    async fn data(BearerClaims(claims): BearerClaims) -> axum::Json<serde_json::Value> {
        axum::Json(serde_json::json!({ "sub": claims.sub, "scope": claims.scope }))
    }
    async fn open() -> &'static str {
        "open"
    }
    async fn misconfigured(BearerClaims(claims): BearerClaims) -> String {
        claims.sub.clone()
    }
    Router::new()
        .route("/api/data", get(data))
        .route_layer(BearerAuthLayer::new(verifier).realm("test-api"))
        .route("/open", get(open))
        .route("/misconfigured", get(misconfigured))
}

struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    body: serde_json::Value,
}

async fn call(app: &Router, path: &str, authorization: Option<&str>) -> Answer {
    let mut request = Request::get(path);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let challenge = response.headers().get(header::WWW_AUTHENTICATE).map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| serde_json::json!(String::from_utf8_lossy(&bytes)));
    Answer { status, challenge, body }
}

fn assert_invalid_token(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    let challenge = answer.challenge.as_deref().expect("WWW-Authenticate");
    assert!(challenge.starts_with("Bearer realm=\"test-api\", error=\"invalid_token\""), "{challenge}");
    assert_eq!(answer.body["error"], "invalid_token");
}

fn b64_json(part: &str) -> serde_json::Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn valid_tokens_reach_the_handler_es384_and_rs256() {
    for alg in ["ES384", "RS256"] {
        let idp = TestIdp::start_with(IdpOptions { alg, ..IdpOptions::default() }).await;
        let (client, token) = api_token(&idp).await;
        let app = api(verifier(&client, resources::API).await.require_scopes(["read:data"]));
        for _ in 0..2 {
            // The second call is served by the verified-token cache.
            let answer = call(&app, "/api/data", Some(&format!("Bearer {token}"))).await;
            assert_eq!(answer.status, StatusCode::OK, "{alg}: {}", answer.body);
            assert_eq!(answer.body["sub"], demo_user::SUB);
            assert!(answer.body["scope"].as_str().unwrap().split(' ').any(|s| s == "read:data"));
        }
        assert_eq!(call(&app, "/open", None).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn missing_or_other_scheme_is_401_without_error_code() {
    let idp = TestIdp::start().await;
    let (client, token) = api_token(&idp).await;
    let app = api(verifier(&client, resources::API).await);
    for header in [None, Some("Basic dXNlcjpwYXNz"), Some(token.as_str())] {
        let answer = call(&app, "/api/data", header).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{header:?}");
        assert_eq!(
            answer.challenge.as_deref(),
            Some("Bearer realm=\"test-api\""),
            "RFC 6750 §3.1: no error code"
        );
    }
}

#[tokio::test]
async fn forged_tokens_are_401() {
    let idp = TestIdp::start().await;
    let (client, token) = api_token(&idp).await;
    let app = api(verifier(&client, resources::API).await);
    let parts: Vec<&str> = token.split('.').collect();

    // A payload changed after signing (more scopes, another user).
    let mut claims = b64_json(parts[1]);
    claims["sub"] = "someone-else".into();
    claims["scope"] = "read:data write:data admin".into();
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);
    assert_invalid_token(&call(&app, "/api/data", Some(&format!("Bearer {tampered}"))).await);

    // A valid-looking token signed by an attacker's key under the server's kid.
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    let signature = key.sign(&rng, signing_input.as_bytes()).unwrap();
    let forged = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));
    assert_invalid_token(&call(&app, "/api/data", Some(&format!("Bearer {forged}"))).await);

    // `alg: none` and plain garbage.
    let mut header = b64_json(parts[0]);
    header["alg"] = "none".into();
    let unsigned = format!("{}.{}.", URL_SAFE_NO_PAD.encode(header.to_string()), parts[1]);
    assert_invalid_token(&call(&app, "/api/data", Some(&format!("Bearer {unsigned}"))).await);
    assert_invalid_token(&call(&app, "/api/data", Some("Bearer not-a-jwt")).await);

    // The genuine token still passes.
    assert_eq!(call(&app, "/api/data", Some(&format!("Bearer {token}"))).await.status, StatusCode::OK);
}

#[tokio::test]
async fn expired_tokens_are_401_even_after_being_cached() {
    let idp = TestIdp::start_with(IdpOptions { access_token_ttl: Some(2), ..IdpOptions::default() }).await;
    let (client, token) = api_token(&idp).await;
    let app = api(verifier(&client, resources::API).await.leeway(Duration::ZERO));
    let bearer = format!("Bearer {token}");
    assert_eq!(call(&app, "/api/data", Some(&bearer)).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let answer = call(&app, "/api/data", Some(&bearer)).await;
    assert_invalid_token(&answer);
    assert!(answer.body["error_description"].as_str().unwrap().contains("expired"), "{}", answer.body);
}

#[tokio::test]
async fn wrong_audience_is_401() {
    let idp = TestIdp::start().await;
    let (client, token) = api_token(&idp).await;
    let app = api(verifier(&client, "https://other-api.example.com").await);
    let answer = call(&app, "/api/data", Some(&format!("Bearer {token}"))).await;
    assert_invalid_token(&answer);
    assert!(answer.body["error_description"].as_str().unwrap().contains("audience"), "{}", answer.body);

    // An organization verifier refuses the API token too.
    let org = api(AccessTokenVerifier::for_organization(client.oidc_core().await.unwrap(), "org-acme"));
    assert_invalid_token(&call(&org, "/api/data", Some(&format!("Bearer {token}"))).await);
}

#[tokio::test]
async fn missing_scope_is_403_insufficient_scope() {
    let idp = TestIdp::start().await;
    let (client, token) = api_token(&idp).await;
    let app = api(verifier(&client, resources::API).await.require_scopes(["read:data", "write:data"]));
    let answer = call(&app, "/api/data", Some(&format!("Bearer {token}"))).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(
        answer.challenge.as_deref(),
        Some(
            "Bearer realm=\"test-api\", error=\"insufficient_scope\", \
             error_description=\"the scope `write:data` is missing\", scope=\"read:data write:data\""
        )
    );
    assert_eq!(answer.body["error"], "insufficient_scope");
}

#[tokio::test]
async fn claims_extractor_without_the_layer_is_a_500_not_a_pass() {
    let idp = TestIdp::start().await;
    let (client, _) = api_token(&idp).await;
    let app = api(verifier(&client, resources::API).await);
    assert_eq!(
        call(&app, "/misconfigured", Some("Bearer x")).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}
