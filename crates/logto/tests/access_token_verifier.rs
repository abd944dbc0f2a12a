//! The framework-agnostic access-token verifier: real tokens from the test server, and forged
//! ones from the key forge.

mod common;

use common::*;
use logto::TokenError;
use logto::verifier::{AccessTokenVerifier, BearerError};
use logto_test_idp::forge::{self, SigningKey};
use logto_test_idp::{TestIdp, resources};
use serde_json::json;

#[tokio::test]
async fn verifies_real_api_and_organization_tokens() {
    let idp = TestIdp::start().await;
    let (client, _) = client(public_config(&idp));
    sign_in(&idp, &client).await;
    let core = client.oidc_core().await.unwrap();

    let api = AccessTokenVerifier::new(core.clone(), resources::API).require_scopes(["read:data"]);
    let token = client.get_access_token(resources::API).await.unwrap();
    let claims = api.verify(token.secret()).await.unwrap();
    assert_eq!(claims.sub, logto_test_idp::demo_user::SUB);
    assert!(api.verify_header(Some(&format!("Bearer {}", token.secret()))).await.is_ok());
    assert!(matches!(
        api.clone().require_scopes(["read:data", "admin"]).verify(token.secret()).await,
        Err(BearerError::InsufficientScope { missing, .. }) if missing == ["admin"]
    ));

    let org_token = client.get_organization_token("org-acme").await.unwrap();
    let org = AccessTokenVerifier::for_organization(core.clone(), "org-acme");
    assert_eq!(org.verify(org_token.secret()).await.unwrap().organization(), Some("org-acme"));
    // Wrong audience both ways, and the ID token is not an access token.
    assert!(matches!(
        api.verify(org_token.secret()).await,
        Err(BearerError::InvalidToken(TokenError::WrongAudience { .. }))
    ));
    assert!(org.verify(token.secret()).await.is_err());
    let id_token = client.get_id_token().await.unwrap().unwrap();
    let as_client = AccessTokenVerifier::new(core, logto_test_idp::clients::PUBLIC_ID);
    assert!(matches!(
        as_client.verify(id_token.secret()).await,
        Err(BearerError::InvalidToken(TokenError::WrongType(_)))
    ));
}

#[tokio::test]
async fn offline_verifier_rejects_forgeries_and_serves_repeats_from_cache() {
    let key = SigningKey::generate("RS256", "k1");
    let issuer = "https://tenant.logto.app/oidc";
    let verifier = AccessTokenVerifier::from_jwks(issuer, &forge::jwks(&[&key]), "https://api")
        .unwrap()
        .require_scopes(["read"]);
    let cloned = verifier.clone().require_scopes(["read"]);
    let now = forge::now();
    let claims = json!({"iss": issuer, "sub": "u", "aud": "https://api", "exp": now + 60, "iat": now, "scope": "read"});
    let token = key.sign(&claims, "at+jwt");
    assert!(verifier.verify(&token).await.is_ok());
    assert!(verifier.verify(&token).await.is_ok(), "cached");
    assert!(cloned.verify(&token).await.is_ok(), "a modified clone keeps the offline keys");

    let forged = SigningKey::generate("RS256", "k1").sign(&claims, "at+jwt");
    assert!(matches!(
        verifier.verify(&forged).await,
        Err(BearerError::InvalidToken(TokenError::BadSignature))
    ));
    assert!(verifier.verify(&key.sign(&claims, "JWT")).await.is_err(), "typ must be at+jwt");
    let mut expired = claims.clone();
    expired["exp"] = json!(now - 3600);
    assert!(matches!(
        verifier.verify(&key.sign(&expired, "at+jwt")).await,
        Err(BearerError::InvalidToken(TokenError::Expired))
    ));
    assert_eq!(verifier.verify_header(None).await.unwrap_err().status(), 401);
}
