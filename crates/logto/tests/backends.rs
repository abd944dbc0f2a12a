//! Backends and the sign-in options Logto added, against the test identity server:
//! machine-to-machine tokens, token exchange, back-channel logout, the session state per request
//! (an expired ID token renewed, a dead grant signed out), one-time tokens, `prompt=none`,
//! organization + resource tokens and the one-call context.

mod common;

use common::*;
use logto::{
    CallbackError, ContextOptions, LogtoClient, LogtoConfig, LogtoError, MachineClient, MemoryStorage,
    OidcCore, OrganizationError, Prompt, SignInOptions, Storage, SubjectTokenType, TokenError, TokenExchange,
    TokenTarget,
};
use logto_test_idp::mock::{MockResponse, MockServer};
use logto_test_idp::{
    IdpOptions, LogoutTokenShape, TestIdp, clients, demo_user, grant_types, m2m, resources,
};
use std::sync::Arc;
use std::time::Duration;

fn machine(idp: &TestIdp) -> MachineClient {
    MachineClient::new(LogtoConfig::new(idp.endpoint(), clients::M2M_ID).with_app_secret(clients::M2M_SECRET))
        .unwrap()
}

#[tokio::test]
async fn machine_tokens_for_resources_and_organizations_are_cached_and_single_flight() {
    let idp = TestIdp::start().await;
    let machine = machine(&idp);
    let burst: Vec<_> = (0..5)
        .map(|_| {
            let machine = machine.clone();
            tokio::spawn(async move { machine.get_token(resources::API).await })
        })
        .collect();
    let mut tokens = Vec::new();
    for call in burst {
        tokens.push(call.await.unwrap().unwrap().into_secret());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1);
    let claims = OidcCore::decode_access_token(&tokens[0]).unwrap();
    assert!(claims.aud.contains(resources::API));
    assert_eq!(claims.sub, clients::M2M_ID);
    assert_eq!(
        idp.token_requests().await.grant_type(grant_types::CLIENT_CREDENTIALS),
        1,
        "one request, then cached"
    );

    let scoped =
        machine.get_token_with_scopes(resources::API, m2m::API_SCOPES.iter().copied()).await.unwrap();
    assert!(OidcCore::decode_access_token(scoped.secret()).unwrap().has_scope("read:data"));
    let organization = machine.get_token(TokenTarget::organization(m2m::ORGANIZATION)).await.unwrap();
    let claims = OidcCore::decode_access_token(organization.secret()).unwrap();
    assert!(claims.aud.contains(&format!("urn:logto:organization:{}", m2m::ORGANIZATION)));
    let refused =
        machine.get_token(TokenTarget::organization(m2m::NON_MEMBER_ORGANIZATIONS[0])).await.unwrap_err();
    assert!(
        matches!(refused, LogtoError::Organization { reason: OrganizationError::AppNotInOrganization, .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("app is not associated"), "{refused}");
    let no_target = machine.get_token(TokenTarget::UserInfo).await.unwrap_err();
    assert_eq!(no_target.kind(), logto::ErrorKind::Config);
    assert!(
        MachineClient::new(LogtoConfig::new(idp.endpoint(), clients::M2M_ID)).is_err(),
        "needs the secret"
    );
}

#[tokio::test]
async fn token_exchange_acts_for_a_user_and_is_refused_to_apps_without_it() {
    let idp = TestIdp::start().await;
    let web = LogtoClient::builder(confidential_config(&idp)).build().unwrap();
    let exchanger = MachineClient::from_client(&web).unwrap();

    let impersonation = idp.impersonation_token(demo_user::SUB).await;
    let request = TokenExchange::new(impersonation, SubjectTokenType::ImpersonationToken)
        .target(resources::API)
        .scopes(["read:data"]);
    let response = exchanger.exchange_token(&request).await.unwrap();
    let claims = OidcCore::decode_access_token(response.access_token.secret()).unwrap();
    assert_eq!(claims.sub, demo_user::SUB);
    assert!(claims.aud.contains(resources::API) && claims.has_scope("read:data"));
    assert!(response.refresh_token.is_none());

    // A personal access token, and an actor (an access token of the app's own session).
    let (signed_in, _) = client(confidential_config(&idp));
    sign_in(&idp, &signed_in).await;
    let actor = signed_in.get_access_token(TokenTarget::UserInfo).await.unwrap();
    let pat = idp.personal_access_token(demo_user::SUB).await;
    let request = TokenExchange::new(pat, SubjectTokenType::PersonalAccessToken)
        .target(resources::API)
        .actor(actor, SubjectTokenType::AccessToken);
    let acting = exchanger.exchange_token(&request).await.unwrap();
    let claims = OidcCore::decode_access_token(acting.access_token.secret()).unwrap();
    assert_eq!(claims.extra["act"]["sub"], demo_user::SUB);

    // An app without token exchange: a typed refusal.
    let m2m = machine(&idp);
    let request = TokenExchange::new(
        idp.impersonation_token(demo_user::SUB).await,
        SubjectTokenType::ImpersonationToken,
    );
    let refused = m2m.exchange_token(&request).await.unwrap_err();
    assert!(matches!(refused, LogtoError::GrantNotAllowed { .. }), "{refused:?}");
    // A used impersonation token is refused.
    let used = TokenExchange::new("sub_unknown", SubjectTokenType::ImpersonationToken);
    assert_eq!(exchanger.exchange_token(&used).await.unwrap_err().oauth_error(), Some("invalid_grant"));
}

/// Logto 1.42+ (oidc-provider 9): logout tokens carry a 120 s `exp`.
#[tokio::test]
async fn a_backchannel_logout_ends_the_session_once() {
    backchannel_logout_ends_the_session_once(LogoutTokenShape::WithExp).await;
}

/// Every Logto before 1.42: logout tokens carry no `exp`, their `iat` bounds their age.
#[tokio::test]
async fn a_backchannel_logout_of_logto_before_1_42_ends_the_session_once() {
    backchannel_logout_ends_the_session_once(LogoutTokenShape::WithoutExp).await;
}

async fn backchannel_logout_ends_the_session_once(shape: LogoutTokenShape) {
    let idp = TestIdp::start().await;
    idp.set_logout_token_shape(shape).await;
    let receiver = MockServer::start(|_| MockResponse::json(200, "{}")).await;
    let logout_uri = format!("{}/backchannel-logout", receiver.url());
    idp.set_backchannel_logout_uri(clients::CONFIDENTIAL_ID, &logout_uri).await;
    let storage = Arc::new(MemoryStorage::new());
    let client = LogtoClient::builder(confidential_config(&idp))
        .storage(storage.clone())
        .backchannel_logout(true)
        .build()
        .unwrap();
    let browser = idp.browser();
    let url = client.sign_in(REDIRECT_URI).await.unwrap();
    client.handle_sign_in_callback(&browser.login(&url).await).await.unwrap();
    let sid = client.get_id_token_claims().await.unwrap().sid.expect("the ID token names its session");
    assert!(client.signed_in_claims().await.unwrap().is_some());
    // What a concurrent request loaded from the session store before the logout arrived.
    let loaded = Arc::new(MemoryStorage::new());
    for key in logto::PersistKey::ALL {
        if let Some(value) = storage.get(key).await.unwrap() {
            loaded.set(key, value).await.unwrap();
        }
    }

    // The user signs out at Logto (another app's sign-out, say): Logto posts a logout token.
    let end_session = format!("{}/session/end?client_id={}", idp.issuer(), clients::CONFIDENTIAL_ID);
    browser.try_logout(&end_session).await.ok();
    let delivered =
        receiver.requests().into_iter().find(|r| r.target == "/backchannel-logout").expect("delivered");
    let logout_token = url::form_urlencoded::parse(delivered.body.as_bytes())
        .find(|(name, _)| name == "logout_token")
        .map(|(_, value)| value.into_owned())
        .expect("a logout_token");
    let payload = logout_token.split('.').nth(1).unwrap();
    let payload = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap();
    let has_exp = serde_json::from_slice::<serde_json::Value>(&payload).unwrap().get("exp").is_some();
    assert_eq!(has_exp, shape == LogoutTokenShape::WithExp, "the server sent the {shape:?} shape");
    let ended = client.handle_backchannel_logout(&logout_token).await.unwrap();
    assert_eq!(ended.sid.as_deref(), Some(sid.as_str()));
    assert_eq!(ended.sub.as_deref(), Some(demo_user::SUB));

    assert!(client.signed_in_claims().await.unwrap().is_none(), "signed out on the next request");
    assert!(storage.get(logto::PersistKey::RefreshToken).await.unwrap().is_none(), "tokens cleared");
    // The loaded copy cannot renew the ended session through a refresh either.
    idp.reset_token_requests().await;
    let renewed = client.with_storage(loaded.clone()).get_access_token(resources::API).await;
    assert!(matches!(renewed, Err(LogtoError::SignInRequired { .. })), "{renewed:?}");
    assert_eq!(idp.token_requests().await.grant_type(grant_types::REFRESH_TOKEN), 0, "no token request");
    assert!(loaded.get(logto::PersistKey::RefreshToken).await.unwrap().is_none());
    let replay = client.handle_backchannel_logout(&logout_token).await.unwrap_err();
    assert!(matches!(replay, LogtoError::InvalidLogoutToken(TokenError::Replayed)), "{replay:?}");
    assert_eq!(replay.http_status(), 400);
    // An ID token is not a logout token.
    let (other, _) = client_pair(&idp).await;
    let id_token = other.get_id_token().await.unwrap().unwrap();
    assert!(matches!(
        client.handle_backchannel_logout(id_token.secret()).await,
        Err(LogtoError::InvalidLogoutToken(_))
    ));
}

/// A session ended by a back-channel logout is not served the access tokens it cached
/// (an API's, an organization's) until their expiry: the next request for one signs it out.
#[tokio::test]
async fn a_backchannel_logout_ends_the_cached_access_tokens_too() {
    let idp = TestIdp::start().await;
    let receiver = MockServer::start(|_| MockResponse::json(200, "{}")).await;
    idp.set_backchannel_logout_uri(
        clients::CONFIDENTIAL_ID,
        &format!("{}/backchannel-logout", receiver.url()),
    )
    .await;
    let storage = Arc::new(MemoryStorage::new());
    let client = LogtoClient::builder(confidential_config(&idp))
        .storage(storage.clone())
        .backchannel_logout(true)
        .build()
        .unwrap();
    let browser = idp.browser();
    let url = client.sign_in(REDIRECT_URI).await.unwrap();
    client.handle_sign_in_callback(&browser.login(&url).await).await.unwrap();
    let api = client.get_access_token(resources::API).await.unwrap();
    let organization = client.get_organization_token("org-acme").await.unwrap();
    // A second copy of the session (another request, another instance) with the same cache.
    let loaded = Arc::new(MemoryStorage::new());
    for key in logto::PersistKey::ALL {
        if let Some(value) = storage.get(key).await.unwrap() {
            loaded.set(key, value).await.unwrap();
        }
    }
    idp.reset_token_requests().await;
    assert_eq!(client.get_access_token(resources::API).await.unwrap(), api, "served from the cache");
    assert_eq!(client.get_organization_token("org-acme").await.unwrap(), organization);
    assert_eq!(idp.token_requests().await.total, 0, "cached");

    let end_session = format!("{}/session/end?client_id={}", idp.issuer(), clients::CONFIDENTIAL_ID);
    browser.try_logout(&end_session).await.ok();
    let delivered =
        receiver.requests().into_iter().find(|r| r.target == "/backchannel-logout").expect("delivered");
    let logout_token = url::form_urlencoded::parse(delivered.body.as_bytes())
        .find(|(name, _)| name == "logout_token")
        .map(|(_, value)| value.into_owned())
        .expect("a logout_token");
    client.handle_backchannel_logout(&logout_token).await.unwrap();

    let after = client.get_access_token(resources::API).await;
    assert!(after.as_ref().is_err_and(LogtoError::is_sign_in_required), "{after:?}");
    let organization_after = client.with_storage(loaded.clone()).get_organization_token("org-acme").await;
    assert!(
        organization_after.as_ref().is_err_and(LogtoError::is_sign_in_required),
        "{organization_after:?}"
    );
    for session in [&storage, &loaded] {
        use logto::PersistKey::{AccessTokenMap, IdToken, RefreshToken};
        for key in [IdToken, RefreshToken, AccessTokenMap] {
            assert!(session.get(key).await.unwrap().is_none(), "{key:?} cleared: signed out");
        }
    }
    assert!(client.signed_in_claims().await.unwrap().is_none());
    assert_eq!(idp.token_requests().await.total, 0, "no token request for an ended session");
}

async fn client_pair(idp: &TestIdp) -> (LogtoClient, Arc<MemoryStorage>) {
    let (client, storage) = client(confidential_config(idp));
    sign_in(idp, &client).await;
    (client, storage)
}

#[tokio::test]
async fn an_expired_id_token_is_renewed_and_a_dead_grant_signs_out() {
    let idp = TestIdp::start_with(IdpOptions { id_token_ttl: Some(2), ..Default::default() }).await;
    let storage = Arc::new(MemoryStorage::new());
    let client = LogtoClient::builder(public_config(&idp))
        .storage(storage.clone())
        .leeway(Duration::ZERO)
        .build()
        .unwrap();
    sign_in(&idp, &client).await;
    let first = client.get_id_token().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let renewed = client.signed_in_claims().await.unwrap().expect("still signed in");
    assert_eq!(renewed.sub, demo_user::SUB);
    assert_ne!(client.get_id_token().await.unwrap().unwrap(), first, "a new ID token");

    idp.revoke_grants().await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert!(client.is_authenticated().await.unwrap(), "an ID token is still stored");
    assert!(client.signed_in_claims().await.unwrap().is_none(), "but the session is over");
    assert!(!client.is_authenticated().await.unwrap());
}

#[tokio::test]
async fn one_time_tokens_prompt_none_and_organization_resource_tokens() {
    let idp = TestIdp::start().await;
    let (client, _) = client(confidential_config(&idp));

    // A magic link: no password page.
    let token = idp.one_time_token(demo_user::EMAIL).await;
    let url = client
        .sign_in(SignInOptions::new(REDIRECT_URI).one_time_token(token, demo_user::EMAIL))
        .await
        .unwrap();
    let callback = idp.authorize(&url).await.expect("signed in without the password page");
    client.handle_sign_in_callback(&callback).await.unwrap();
    assert_eq!(client.get_id_token_claims().await.unwrap().sub, demo_user::SUB);

    // prompt=none without a session at Logto comes back as login_required.
    let (fresh, _) = common::client(confidential_config(&idp));
    let url = fresh.sign_in(SignInOptions::new(REDIRECT_URI).prompt([Prompt::None])).await.unwrap();
    let callback = idp.authorize(&url).await.unwrap();
    let error = fresh.handle_sign_in_callback(&callback).await.unwrap_err();
    assert!(
        matches!(&error, LogtoError::Callback(CallbackError::Denied { error, .. }) if error == "login_required"),
        "{error:?}"
    );

    // A token for an API resource in an organization.
    let token = client
        .get_access_token(TokenTarget::organization_resource("org-acme", resources::API))
        .await
        .unwrap();
    let claims = OidcCore::decode_access_token(token.secret()).unwrap();
    assert!(claims.aud.contains(resources::API));
    assert_eq!(claims.organization_id.as_deref(), Some("org-acme"));
}

#[tokio::test]
async fn the_context_of_a_request_in_one_call() {
    let idp = TestIdp::start().await;
    let (anonymous, _) = client(confidential_config(&idp));
    let nobody = anonymous.context(&ContextOptions::default().fetch_user_info(true)).await.unwrap();
    assert!(!nobody.is_authenticated && nobody.claims.is_none());

    let (client, _) = client(confidential_config(&idp));
    sign_in(&idp, &client).await;
    let options = ContextOptions::default()
        .fetch_user_info(true)
        .access_token(resources::API)
        .organization_tokens(true);
    let context = client.context(&options).await.unwrap();
    assert!(context.is_authenticated);
    assert_eq!(context.claims.as_ref().unwrap().sub, demo_user::SUB);
    assert!(context.scopes.iter().any(|scope| scope == "read:data"), "{:?}", context.scopes);
    assert_eq!(context.user_info.as_ref().unwrap().sub, demo_user::SUB);
    assert_eq!(
        context.organization_tokens.keys().map(String::as_str).collect::<Vec<_>>(),
        demo_user::ORGANIZATIONS
    );
    assert!(!format!("{context:?}").contains("eyJ"), "Debug shows no token");
}

/// A revoked grant: the userinfo endpoint refuses the cached token; the SDK refreshes once, the
/// refresh is refused, and the session ends (not an error on every visit until the cached token
/// expires).
#[tokio::test]
async fn user_info_after_a_revoked_grant_ends_the_session() {
    let idp = TestIdp::start().await;
    let (client, _) = client(confidential_config(&idp));
    sign_in(&idp, &client).await;
    assert!(client.fetch_user_info().await.is_ok());
    idp.revoke_grants().await;
    let error = client.fetch_user_info().await.unwrap_err();
    assert!(matches!(error, LogtoError::SignInRequired { .. }), "{error:?}");
    assert!(!client.is_authenticated().await.unwrap());
}
