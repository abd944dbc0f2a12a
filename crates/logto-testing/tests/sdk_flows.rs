//! The SDK's own flows against the kit: the Rust `LogtoClient`, the machine client and the
//! bearer verifier, each as an app would use them with the kit as its Logto.

use logto::verifier::AccessTokenVerifier;
use logto::{
    LogtoClient, LogtoConfig, MachineClient, MemoryStorage, PersistKey, Storage, SubjectTokenType,
    TokenExchange, UserInfoScope,
};
use logto_testing::{App, MockLogto, Settings, User};
use std::sync::Arc;
use std::time::Duration;

const REDIRECT: &str = "http://127.0.0.1:3000/callback";
const API: &str = "https://api.example.com";

fn alice() -> User {
    User::new("u_alice")
        .username("alice")
        .name("Alice")
        .email("alice@example.com")
        .custom_data(serde_json::json!({ "plan": "pro" }))
        .api_scopes(API, ["read:data", "write:data"])
        .organization("org_1", ["member"], ["read:org"])
}

fn client(logto: &MockLogto, app: &str, secret: Option<&str>, storage: Arc<MemoryStorage>) -> LogtoClient {
    let mut config = LogtoConfig::new(logto.endpoint(), app)
        .with_scopes([
            UserInfoScope::Email,
            UserInfoScope::CustomData,
            UserInfoScope::Organizations,
            "read:data",
            "read:org",
        ])
        .with_resources([API]);
    if let Some(secret) = secret {
        config = config.with_app_secret(secret);
    }
    LogtoClient::new(config, storage).expect("client")
}

async fn signed_in(logto: &MockLogto, client: &LogtoClient) {
    let url = client.sign_in(REDIRECT).await.expect("sign-in URL");
    let callback = logto.callback_for(&url).await.expect("callback");
    assert!(callback.starts_with(REDIRECT) && callback.contains("iss="), "{callback}");
    client.handle_sign_in_callback(&callback).await.expect("callback handled");
}

#[tokio::test]
async fn a_web_app_signs_in_reads_claims_user_info_and_tokens_and_signs_out() {
    let logto = MockLogto::start().unwrap();
    logto.add_app(
        App::traditional("web", "web-secret")
            .redirect_uri(REDIRECT)
            .post_logout_redirect_uri("http://127.0.0.1:3000/"),
    );
    logto.add_user(alice());
    let storage = Arc::new(MemoryStorage::new());
    let client = client(&logto, "web", Some("web-secret"), storage.clone());
    signed_in(&logto, &client).await;

    let claims = client.get_id_token_claims().await.unwrap();
    assert_eq!(claims.sub, "u_alice");
    assert_eq!(claims.iss, logto.issuer());
    assert_eq!(claims.email.as_deref(), Some("alice@example.com"));
    assert_eq!(claims.username.as_deref(), Some("alice"));
    assert_eq!(claims.organizations, Some(vec!["org_1".to_owned()]));

    let info = client.fetch_user_info_json().await.unwrap();
    assert_eq!(info["sub"], "u_alice");
    assert_eq!(info["custom_data"]["plan"], "pro");

    let api = client.get_access_token_claims(API).await.unwrap();
    assert_eq!(api.sub, "u_alice");
    assert_eq!(api.scope.as_deref(), Some("read:data"), "only what the sign-in asked for");
    let organization = client.get_organization_token_claims("org_1").await.unwrap();
    assert_eq!(organization.scope.as_deref(), Some("read:org"));
    let refused = client.get_organization_token("org_2").await.unwrap_err();
    assert!(refused.to_string().contains("org_2"), "{refused}");

    // A traditional web app keeps its refresh token.
    assert_eq!(logto.count_token_requests("refresh_token", Some("ok")), 2);
    assert!(logto.token_requests().iter().all(|r| !r.rotated));

    let end = client.sign_out(Some("http://127.0.0.1:3000/")).await.unwrap();
    assert!(end.starts_with(&format!("{}/session/end?", logto.issuer())), "{end}");
    assert!(storage.get(PersistKey::RefreshToken).await.unwrap().is_none());
}

#[tokio::test]
async fn a_public_app_rotates_and_a_reused_refresh_token_revokes_the_grant() {
    let settings = Settings { refresh_token_reuse_interval: Duration::ZERO, ..Settings::default() };
    let logto = &MockLogto::start_with(settings).unwrap();
    logto.add_app(App::spa("spa").redirect_uri(REDIRECT));
    logto.add_user(alice());
    let storage = Arc::new(MemoryStorage::new());
    let client = client(logto, "spa", None, storage.clone());
    signed_in(logto, &client).await;
    let first = storage.get(PersistKey::RefreshToken).await.unwrap().expect("a refresh token");

    client.get_access_token(API).await.unwrap();
    let second = storage.get(PersistKey::RefreshToken).await.unwrap().expect("a refresh token");
    assert_ne!(first, second, "a public app's refresh token rotates");
    assert!(logto.token_requests().last().unwrap().rotated);

    // Another instance (without the SDK's coordination) presents the consumed token: Logto
    // revokes the whole grant, the newest token with it.
    let present = |token: String| async move {
        reqwest::Client::new()
            .post(format!("{}/oidc/token", logto.endpoint()))
            .form(&[("grant_type", "refresh_token"), ("client_id", "spa"), ("refresh_token", token.as_str())])
            .send()
            .await
            .unwrap()
    };
    let reused = present(first).await;
    assert_eq!(reused.status(), 400);
    let body: serde_json::Value = reused.json().await.unwrap();
    assert_eq!(body["code"], "oidc.invalid_grant");
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(present(second).await.status(), 400, "the grant is revoked");
    let error = client.get_access_token("urn:logto:resource:organizations").await.unwrap_err();
    assert!(error.is_sign_in_required(), "{error}");
    assert_eq!(logto.count_token_requests("refresh_token", Some("invalid_grant")), 3);
}

#[tokio::test]
async fn a_machine_gets_api_and_organization_tokens_and_an_api_verifies_them() {
    let logto = MockLogto::start().unwrap();
    logto.add_app(
        App::machine_to_machine("m2m", "m2m-secret")
            .api_scopes(API, ["read:data"])
            .organization("org_1", ["read:org"]),
    );
    let machine =
        MachineClient::new(LogtoConfig::new(logto.endpoint(), "m2m").with_app_secret("m2m-secret")).unwrap();
    let token = machine.get_token(API).await.unwrap();

    let verifier = AccessTokenVerifier::discover(logto.endpoint(), API).await.unwrap();
    let claims = verifier.verify(token.secret()).await.unwrap();
    assert_eq!(claims.sub, "m2m");
    assert_eq!(claims.scope.as_deref(), Some("read:data"));

    let organization = machine.get_token(logto::TokenTarget::organization("org_1")).await.unwrap();
    let organization_verifier =
        AccessTokenVerifier::discover(logto.endpoint(), "urn:logto:organization:org_1").await.unwrap();
    assert_eq!(
        organization_verifier.verify(organization.secret()).await.unwrap().scope.as_deref(),
        Some("read:org")
    );
    let refused = machine.get_token(logto::TokenTarget::organization("org_2")).await.unwrap_err();
    assert!(matches!(refused, logto::LogtoError::Organization { .. }), "{refused}");

    // Minted tokens pass the same verifier; during a key rotation both keys are published.
    let minted = logto.mint_access_token(API, &["read:data"], "u_alice");
    assert_eq!(verifier.verify(&minted).await.unwrap().sub, "u_alice");
    logto.rotate_signing_key();
    let after_rotation = logto.mint_access_token(API, &["read:data"], "u_bob");
    let fresh_verifier = AccessTokenVerifier::discover(logto.endpoint(), API).await.unwrap();
    assert_eq!(fresh_verifier.verify(&after_rotation).await.unwrap().sub, "u_bob");
    assert_eq!(fresh_verifier.verify(&minted).await.unwrap().sub, "u_alice");
    logto.retire_old_keys();
    let without_old_key = AccessTokenVerifier::discover(logto.endpoint(), API).await.unwrap();
    assert!(without_old_key.verify(&minted).await.is_err(), "a retired key no longer verifies");
    let wrong_audience = logto.mint_access_token("https://other.example.com", &[], "u_alice");
    assert!(verifier.verify(&wrong_audience).await.is_err());
}

#[tokio::test]
async fn faults_reach_the_sdk_as_typed_errors_and_the_session_survives() {
    let logto = MockLogto::start().unwrap();
    logto.add_app(App::traditional("web", "web-secret").redirect_uri(REDIRECT));
    logto.add_user(alice());
    let storage = Arc::new(MemoryStorage::new());
    let client = client(&logto, "web", Some("web-secret"), storage.clone());
    signed_in(&logto, &client).await;

    logto.fail_next_token_requests(1, 500, "server_error");
    let error = client.get_access_token(API).await.unwrap_err();
    assert!(!error.is_sign_in_required(), "a server error does not sign the user out: {error}");
    // The SDK shares a failed refresh with the requests right behind it; another instance (its
    // own client on the same session) tries again and succeeds.
    let other_instance = self::client(&logto, "web", Some("web-secret"), storage.clone());
    assert!(other_instance.get_access_token(API).await.is_ok(), "the next request works");
    assert_eq!(logto.count_token_requests("refresh_token", None), 2);

    logto.set_down(true);
    assert!(client.fetch_user_info().await.is_err());
    logto.set_down(false);
    assert!(client.fetch_user_info().await.is_ok());

    logto.revoke_grants("u_alice");
    let error = other_instance.get_access_token("urn:logto:resource:organizations").await.unwrap_err();
    assert!(error.is_sign_in_required(), "{error}");
}

#[tokio::test]
async fn the_chosen_user_signs_in_and_without_one_the_app_gets_an_error_callback() {
    let logto = MockLogto::start().unwrap();
    logto.add_app(App::traditional("web", "web-secret").redirect_uri(REDIRECT));
    let client = client(&logto, "web", Some("web-secret"), Arc::new(MemoryStorage::new()));
    let url = client.sign_in(REDIRECT).await.unwrap();
    let callback = logto.callback_for(&url).await.unwrap();
    assert!(callback.contains("error=login_required"), "{callback}");
    assert!(client.handle_sign_in_callback(&callback).await.is_err());

    logto.add_user(alice()).add_user(User::new("u_bob").username("bob")).sign_in_as("u_bob");
    signed_in(&logto, &client).await;
    assert_eq!(client.get_id_token_claims().await.unwrap().sub, "u_bob");
}

#[tokio::test]
async fn a_reused_code_revokes_its_grant_and_ended_sessions_keep_their_refresh_tokens() {
    let logto = MockLogto::start().unwrap();
    logto.add_app(App::traditional("web", "web-secret").redirect_uri(REDIRECT));
    logto.add_user(alice());
    let storage = Arc::new(MemoryStorage::new());
    let client = client(&logto, "web", Some("web-secret"), storage.clone());

    // The code of a sign-in, exchanged by the SDK, then presented again by someone else.
    let url = client.sign_in(REDIRECT).await.unwrap();
    let callback = logto.callback_for(&url).await.unwrap();
    client.handle_sign_in_callback(&callback).await.unwrap();
    let code =
        url::Url::parse(&callback).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let replay = reqwest::Client::new()
        .post(format!("{}/token", logto.issuer()))
        .basic_auth("web", Some("web-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
    let error = client.get_access_token(API).await.unwrap_err();
    assert!(error.is_sign_in_required(), "the code's grant is revoked: {error}");

    // A new sign-in; the user's sessions end (no app has a back-channel logout URI): the refresh
    // token keeps working, as in Logto, until the grants are revoked.
    signed_in(&logto, &client).await;
    assert_eq!(logto.end_sessions("u_alice").await.unwrap(), 0);
    assert!(client.get_access_token(API).await.is_ok());
    logto.revoke_grants("u_alice");
    assert!(client.get_organization_token("org_1").await.unwrap_err().is_sign_in_required());
}

#[tokio::test]
async fn token_exchange_gives_the_users_token_with_an_actor_when_one_is_presented() {
    let logto = MockLogto::start().unwrap();
    logto.add_app(App::machine_to_machine("exchanger", "x-secret").allow_token_exchange());
    logto.add_app(App::machine_to_machine("plain", "p-secret"));
    logto.add_app(App::traditional("web", "web-secret").redirect_uri(REDIRECT));
    logto.add_user(alice());
    logto.add_user(User::new("u_support")).sign_in_as("u_support");
    let exchanger =
        MachineClient::new(LogtoConfig::new(logto.endpoint(), "exchanger").with_app_secret("x-secret"))
            .unwrap();
    let verifier = AccessTokenVerifier::discover(logto.endpoint(), API).await.unwrap();

    let subject = logto.mint_subject_token("u_alice");
    let request = TokenExchange::new(subject.clone(), SubjectTokenType::ImpersonationToken).target(API);
    let response = exchanger.exchange_token(&request).await.unwrap();
    let claims = verifier.verify(response.access_token.secret()).await.unwrap();
    assert_eq!(claims.sub, "u_alice");
    assert_eq!(claims.scope.as_deref(), Some("read:data write:data"));
    assert!(claims.extra.get("act").is_none());

    // The support agent signed in to the web app acts for Alice: the token says so.
    let support = client(&logto, "web", Some("web-secret"), Arc::new(MemoryStorage::new()));
    signed_in(&logto, &support).await;
    let actor = support.get_access_token(logto::TokenTarget::UserInfo).await.unwrap();
    let request = TokenExchange::new(subject, SubjectTokenType::ImpersonationToken)
        .target(API)
        .scopes(["read:data"])
        .actor(actor.secret(), SubjectTokenType::AccessToken);
    let claims = verifier
        .verify(exchanger.exchange_token(&request).await.unwrap().access_token.secret())
        .await
        .unwrap();
    assert_eq!(claims.scope.as_deref(), Some("read:data"));
    assert_eq!(claims.extra["act"]["sub"], "u_support");

    let plain =
        MachineClient::new(LogtoConfig::new(logto.endpoint(), "plain").with_app_secret("p-secret")).unwrap();
    let request =
        TokenExchange::new(logto.mint_subject_token("u_alice"), SubjectTokenType::ImpersonationToken)
            .target(API);
    let refused = plain.exchange_token(&request).await.unwrap_err();
    assert!(matches!(refused, logto::LogtoError::GrantNotAllowed { .. }), "{refused}");
}

#[tokio::test]
async fn a_slow_token_endpoint_meets_the_clients_timeout_and_the_clock_expires_codes() {
    let logto = MockLogto::start().unwrap();
    logto.add_app(App::traditional("web", "web-secret").redirect_uri(REDIRECT));
    logto.add_user(alice());
    let config = LogtoConfig::new(logto.endpoint(), "web").with_app_secret("web-secret");
    let client = LogtoClient::builder(config).timeout(Duration::from_millis(300)).build().unwrap();

    logto.set_token_delay(Duration::from_secs(2));
    let url = client.sign_in(REDIRECT).await.unwrap();
    let callback = logto.callback_for(&url).await.unwrap();
    let error = client.handle_sign_in_callback(&callback).await.unwrap_err();
    assert!(matches!(error, logto::LogtoError::Timeout { .. }), "{error:?}");
    logto.set_token_delay(Duration::ZERO);

    // An authorization code lives 60 s on the server's clock.
    let url = client.sign_in(REDIRECT).await.unwrap();
    let callback = logto.callback_for(&url).await.unwrap();
    logto.advance_clock(Duration::from_secs(61));
    assert!(client.handle_sign_in_callback(&callback).await.is_err(), "an expired code is refused");
}

#[tokio::test]
async fn a_browser_test_gets_a_login_page_that_signs_in_the_user_it_picks_or_cancels() {
    let logto = MockLogto::start().unwrap();
    logto.add_app(App::traditional("web", "web-secret").redirect_uri(REDIRECT));
    logto.add_user(alice()).add_user(User::new("u_bob").username("bob")).set_login_page(true);
    let client = client(&logto, "web", Some("web-secret"), Arc::new(MemoryStorage::new()));
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let page = browser.get(client.sign_in(REDIRECT).await.unwrap()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Sign in as alice") && html.contains("Sign in as bob"), "{html}");
    let action = html.split("action=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let chosen =
        browser.post(format!("{}{action}", logto.endpoint())).form(&[("sub", "u_bob")]).send().await.unwrap();
    let callback = chosen.headers()["location"].to_str().unwrap().to_owned();
    client.handle_sign_in_callback(&callback).await.unwrap();
    assert_eq!(client.get_id_token_claims().await.unwrap().sub, "u_bob");

    let page =
        browser.get(client.sign_in(REDIRECT).await.unwrap()).send().await.unwrap().text().await.unwrap();
    let action = page.split("action=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let cancelled =
        browser.post(format!("{}{action}", logto.endpoint())).form(&[("cancel", "1")]).send().await.unwrap();
    let callback = cancelled.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.contains("error=access_denied"), "{callback}");
    assert!(client.handle_sign_in_callback(&callback).await.is_err());
}

#[test]
fn an_apps_secret_never_appears_in_debug_output() {
    let app = App::traditional("web", "super-secret-value");
    let shown = format!("{app:?}");
    assert!(shown.contains("web") && !shown.contains("super-secret-value"), "{shown}");
}

#[tokio::test]
async fn a_parameter_sent_twice_is_refused_as_oidc_provider_refuses_it() {
    let logto = MockLogto::start().unwrap();
    logto.add_app(App::native("cli"));
    let http = reqwest::Client::new();
    let twice = http
        .post(format!("{}/oidc/token", logto.endpoint()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=refresh_token&refresh_token=x&client_id=cli&client_id=cli")
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 400);
    let body: serde_json::Value = twice.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["error_description"], "'client_id' parameter must not be provided twice");
    // Several `resource`s are one device authorization's right.
    let device = http
        .post(format!("{}/oidc/device/auth", logto.endpoint()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("client_id=cli&scope=openid&resource=https%3A%2F%2Fa.example&resource=https%3A%2F%2Fb.example")
        .send()
        .await
        .unwrap();
    assert_eq!(device.status(), 200);
}
