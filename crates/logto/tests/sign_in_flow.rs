//! The whole sign-in flow against the real test identity server (oidc-provider), for both
//! signing algorithms and both kinds of client.

mod common;

use common::*;
use logto::{
    DirectSignIn, FirstScreen, Identifier, LogtoError, OidcCore, OrganizationError, PersistKey,
    SignInOptions, Storage, TokenError,
};
use logto_test_idp::{IdpOptions, TestIdp, clients, demo_user, resources};

#[tokio::test]
async fn sign_in_url_carries_every_parameter_to_the_server() {
    let idp = TestIdp::start().await;
    let (client, _) = client(confidential_config(&idp));
    let options = SignInOptions::new(REDIRECT_URI)
        .first_screen(FirstScreen::Register)
        .login_hint("demo@example.com")
        .direct_sign_in(DirectSignIn::Social("github".into()))
        .identifiers([Identifier::Email, Identifier::Phone, Identifier::Username])
        .organization_id("org-acme")
        .ui_locales("fr")
        .extra_param("one_time_token", "ott-1");
    let url = client.sign_in(options).await.unwrap();
    let callback = idp.login(&url).await;
    let received = idp.last_auth_request().await;

    assert_eq!(received["client_id"], clients::CONFIDENTIAL_ID);
    assert_eq!(received["redirect_uri"], REDIRECT_URI);
    assert_eq!(received["response_type"], "code");
    assert_eq!(received["prompt"], "consent");
    assert_eq!(received["code_challenge_method"], "S256");
    assert_eq!(received["state"], state_of(&url));
    assert_eq!(
        received["scope"],
        "openid offline_access profile email phone custom_data identities roles \
         urn:logto:scope:organizations urn:logto:scope:organization_roles read:data"
    );
    assert_eq!(received["resource"], serde_json::json!([resources::API, resources::ORGANIZATIONS]));
    assert_eq!(received["first_screen"], "register");
    assert!(received.get("interaction_mode").is_none());
    assert_eq!(received["login_hint"], "demo@example.com");
    assert_eq!(received["direct_sign_in"], "social:github");
    assert_eq!(received["identifier"], "email phone username");
    assert_eq!(received["organization_id"], "org-acme");
    assert_eq!(received["ui_locales"], "fr");
    assert_eq!(received["one_time_token"], "ott-1");
    let verifier_len = received["code_challenge"].as_str().unwrap().len();
    assert_eq!(verifier_len, 43);

    client.handle_sign_in_callback(&callback).await.unwrap();
    assert!(client.is_authenticated().await.unwrap());
}

async fn full_flow(alg: &'static str, confidential: bool) {
    let idp = TestIdp::start_with(IdpOptions { alg, ..Default::default() }).await;
    let config = if confidential { confidential_config(&idp) } else { public_config(&idp) };
    let (client, storage) = client(config.clone());
    assert!(!client.is_authenticated().await.unwrap());
    assert!(matches!(client.get_access_token("").await, Err(LogtoError::NotAuthenticated)));

    sign_in(&idp, &client).await;
    assert!(client.is_authenticated().await.unwrap());
    assert!(storage.get(PersistKey::SignInSession).await.unwrap().is_none(), "sign-in session ended");

    // ID token: verified, with the scope claims, without the userinfo-only ones.
    let id_token = client.get_id_token().await.unwrap().unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&base64_url_decode(id_token.secret().split('.').next().unwrap())).unwrap();
    assert_eq!(header["alg"], alg);
    let claims = client.get_id_token_claims().await.unwrap();
    assert_eq!(claims.sub, demo_user::SUB);
    assert_eq!(claims.iss, idp.issuer());
    assert!(claims.aud.contains(&config.app_id));
    assert_eq!(claims.name.as_deref(), Some(demo_user::NAME));
    assert_eq!(claims.email.as_deref(), Some(demo_user::EMAIL));
    assert_eq!(claims.phone_number.as_deref(), Some(demo_user::PHONE));
    assert_eq!(claims.organizations.as_deref().unwrap(), demo_user::ORGANIZATIONS);
    assert_eq!(claims.organization_roles.as_deref().unwrap(), demo_user::ORGANIZATION_ROLES);
    assert!(!claims.extra.contains_key("custom_data"));
    let core = client.oidc_core().await.unwrap();
    core.verify_id_token(id_token.secret(), &config.app_id).await.unwrap();
    let wrong_client = core.verify_id_token(id_token.secret(), "another-app").await.unwrap_err();
    assert!(matches!(wrong_client, LogtoError::InvalidIdToken(TokenError::WrongAudience { .. })));

    // Userinfo, with the userinfo-only claims.
    let info = client.fetch_user_info().await.unwrap();
    assert_eq!(info.sub, demo_user::SUB);
    assert_eq!(info.custom_data.as_ref().unwrap()["plan"], "pro");
    assert_eq!(info.identities.as_ref().unwrap()["github"].user_id, "gh-123");
    assert!(info.extra.contains_key("organization_data"));

    // API resource token: a JWT for the resource, then served from the cache.
    let refresh_before = client.get_refresh_token().await.unwrap().unwrap();
    let api_token = client.get_access_token(resources::API).await.unwrap();
    let api_claims = OidcCore::decode_access_token(api_token.secret()).unwrap();
    assert!(api_claims.aud.contains(resources::API));
    assert_eq!(api_claims.sub, demo_user::SUB);
    assert_eq!(api_claims.client_id.as_deref(), Some(config.app_id.as_str()));
    assert!(api_claims.has_scope("read:data"));
    assert_eq!(client.get_access_token(resources::API).await.unwrap(), api_token, "cached");
    assert_eq!(client.get_access_token_claims(resources::API).await.unwrap(), api_claims);

    // Refresh-token rotation: a public client gets a new one on every use (the old one lives on
    // for Logto's 3-second grace only).
    let refresh_after = client.get_refresh_token().await.unwrap().unwrap();
    if confidential {
        assert_eq!(refresh_before, refresh_after);
    } else {
        assert_ne!(refresh_before, refresh_after, "rotated");
        assert_eq!(idp.introspect(refresh_after.secret()).await["active"], true);
    }

    // Organization tokens.
    let org_claims = client.get_organization_token_claims("org-acme").await.unwrap();
    assert!(org_claims.aud.contains("urn:logto:organization:org-acme"));
    // As in Logto: the organization is named by `aud` alone (no `organization_id` claim).
    assert_eq!(org_claims.organization_id, None);
    assert_eq!(org_claims.organization(), Some("org-acme"));
    let denied = client.get_organization_token(demo_user::NON_MEMBER_ORGANIZATION).await.unwrap_err();
    assert!(
        matches!(denied, LogtoError::Organization { reason: OrganizationError::NotMember, ref organization_id }
            if organization_id == demo_user::NON_MEMBER_ORGANIZATION),
        "{denied:?}"
    );
    assert_eq!(denied.oauth_error(), Some("access_denied"));
    assert!(client.is_authenticated().await.unwrap(), "a refused organization keeps the session");
    assert!(client.get_access_token(resources::API).await.is_ok());

    // Sign-out: revokes the refresh token, clears local tokens, returns the end-session URL.
    let refresh_token = client.get_refresh_token().await.unwrap().unwrap();
    assert_eq!(idp.introspect(refresh_token.secret()).await["active"], true);
    let id_token = client.get_id_token().await.unwrap().unwrap();
    let url = client.sign_out(Some("http://127.0.0.1:3000/")).await.unwrap();
    assert!(url.starts_with(&format!("{}/session/end?", idp.issuer())), "{url}");
    let params: Vec<(String, String)> = url::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
    assert!(params.contains(&("client_id".into(), config.app_id.clone())));
    assert!(params.contains(&("post_logout_redirect_uri".into(), "http://127.0.0.1:3000/".into())));
    // RP-Initiated Logout §2: the ID token as a hint, which the server checks (signature, client)
    // before it redirects below.
    assert!(params.contains(&("id_token_hint".into(), id_token.secret().to_owned())), "{url}");
    assert_eq!(idp.introspect(refresh_token.secret()).await["active"], false, "revoked");
    assert!(!client.is_authenticated().await.unwrap());
    assert!(client.get_refresh_token().await.unwrap().is_none());
    assert_eq!(idp.logout(&url).await, "http://127.0.0.1:3000/");
}

fn base64_url_decode(part: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()
}

#[tokio::test]
async fn es384_confidential_client() {
    full_flow("ES384", true).await;
}

#[tokio::test]
async fn es384_public_client() {
    full_flow("ES384", false).await;
}

#[tokio::test]
async fn rs256_confidential_client() {
    full_flow("RS256", true).await;
}

#[tokio::test]
async fn rs256_public_client() {
    full_flow("RS256", false).await;
}

#[tokio::test]
async fn secret_with_reserved_characters_is_url_encoded() {
    let idp = TestIdp::start().await;
    let mut config = confidential_config(&idp);
    config.app_id = clients::SPECIAL_ID.into();
    config.app_secret = Some(clients::SPECIAL_SECRET.into());
    let (client, _) = client(config);
    sign_in(&idp, &client).await;
    assert!(client.get_access_token(resources::API).await.is_ok());
}

#[tokio::test]
async fn organization_token_needs_the_organizations_scope() {
    let idp = TestIdp::start().await;
    let (client, _) = client(logto::LogtoConfig::new(idp.endpoint(), clients::PUBLIC_ID));
    sign_in(&idp, &client).await;
    let error = client.get_organization_token("org-acme").await.unwrap_err();
    assert!(matches!(error, LogtoError::Organization { reason: OrganizationError::ScopeNotConfigured, .. }));
}
