//! The real-Logto leg in Rust: the core client, machine tokens, token exchange and the axum face
//! against a real Logto provisioned by `testing/real-logto/provision.py`. It runs when
//! `LOGTO_REAL_ENV` names the env file the script wrote; otherwise each test says so and passes
//! without a server (the project's CI has no Logto to run).
//!
//! Sign-in goes through Logto's experience API, as Logto's own sign-in page does; back-channel
//! logout is delivered by Logto itself to the app served on the registered URI
//! (`http://127.0.0.1:5000/backchannel-logout`).

mod common;

use axum::Router;
use axum::routing::get;
use logto::{
    LogtoClient, LogtoConfig, MachineClient, MemoryStorage, SubjectTokenType, TokenExchange, TokenTarget,
};
use logto_axum::{AuthSettings, LogtoAuth, MemorySessionStore, SessionConfig, SignedInUser};
use logto_test_idp::real_logto;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const BASE_URL: &str = "http://127.0.0.1:5000";

fn real_env(test: &str) -> Option<HashMap<String, String>> {
    real_logto::env(test)
}

fn cookie_client() -> reqwest::Client {
    real_logto::cookie_client()
}

async fn logto_sign_in(
    logto: &reqwest::Client,
    env: &HashMap<String, String>,
    sign_in_url: &str,
    user: &str,
) -> String {
    real_logto::sign_in(logto, env, sign_in_url, user, &[BASE_URL, "http://127.0.0.1:3000"]).await
}

fn web_config(env: &HashMap<String, String>) -> LogtoConfig {
    LogtoConfig::new(&env["LOGTO_ENDPOINT"], &env["LOGTO_WEB_APP_ID"])
        .with_app_secret(env["LOGTO_WEB_APP_SECRET"].as_str())
        .with_scopes(["email", "custom_data", "urn:logto:scope:organizations", "read:data"])
        .with_resources([env["LOGTO_API_RESOURCE"].as_str()])
}

#[tokio::test]
async fn sign_in_tokens_and_organizations_with_the_core_client() {
    let Some(env) = real_env("sign_in_tokens_and_organizations_with_the_core_client") else { return };
    let client = LogtoClient::new(web_config(&env), Arc::new(MemoryStorage::new())).expect("client");
    let url = client.sign_in(format!("{BASE_URL}/callback")).await.expect("sign-in URL");
    let callback = logto_sign_in(&cookie_client(), &env, &url, "MEMBER").await;
    client.handle_sign_in_callback(&callback).await.expect("callback");

    assert_eq!(client.get_id_token_claims().await.unwrap().sub, env["LOGTO_MEMBER_ID"]);
    let info = client.fetch_user_info_json().await.expect("user info");
    assert_eq!(info["custom_data"]["plan"], "pro");
    let api = client.get_access_token_claims(env["LOGTO_API_RESOURCE"].as_str()).await.expect("API token");
    assert!(api.scope.as_deref().unwrap_or_default().split(' ').any(|s| s == "read:data"), "{api:?}");
    let acme = &env["LOGTO_ORG_ACME_ID"];
    let org = client.get_organization_token_claims(acme).await.expect("organization token");
    assert!(org.aud.contains(&format!("urn:logto:organization:{acme}")), "{:?}", org.aud);
    let refused = client.get_organization_token(&env["LOGTO_ORG_GLOBEX_ID"]).await.expect_err("not a member");
    assert_eq!(refused.http_status(), 403, "{refused}");
    let both = client
        .get_access_token_claims(TokenTarget::organization_resource(
            acme.as_str(),
            env["LOGTO_API_RESOURCE"].as_str(),
        ))
        .await
        .expect("organization + API token");
    assert!(both.aud.contains(&env["LOGTO_API_RESOURCE"]), "{:?}", both.aud);
    let end_session = client.sign_out(Some(&format!("{BASE_URL}/"))).await.expect("sign-out");
    assert!(end_session.starts_with(&format!("{}/oidc/session/end", env["LOGTO_ENDPOINT"])));
    assert!(!client.is_authenticated().await.unwrap());
}

#[tokio::test]
async fn machine_tokens_and_token_exchange() {
    let Some(env) = real_env("machine_tokens_and_token_exchange") else { return };
    let machine = MachineClient::new(
        LogtoConfig::new(&env["LOGTO_ENDPOINT"], &env["LOGTO_M2M_APP_ID"])
            .with_app_secret(env["LOGTO_M2M_APP_SECRET"].as_str()),
    )
    .expect("machine client");
    let api = env["LOGTO_API_RESOURCE"].as_str();
    let first =
        machine.get_token_with_scopes(TokenTarget::resource(api), ["read:data"]).await.expect("M2M token");
    let again =
        machine.get_token_with_scopes(TokenTarget::resource(api), ["read:data"]).await.expect("cached");
    assert_eq!(first.secret(), again.secret(), "cached");
    machine
        .get_token(TokenTarget::organization(env["LOGTO_ORG_ACME_ID"].as_str()))
        .await
        .expect("M2M organization token");

    // A subject token from the Management API, exchanged by the web app (token exchange allowed).
    let management = MachineClient::new(
        LogtoConfig::new(&env["LOGTO_ENDPOINT"], &env["LOGTO_MANAGEMENT_APP_ID"])
            .with_app_secret(env["LOGTO_MANAGEMENT_APP_SECRET"].as_str()),
    )
    .expect("management client");
    let management_token = management
        .get_token_with_scopes(TokenTarget::resource(env["LOGTO_MANAGEMENT_API_RESOURCE"].as_str()), ["all"])
        .await
        .expect("management token");
    let subject: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/subject-tokens", env["LOGTO_ENDPOINT"]))
        .bearer_auth(management_token.secret())
        .json(&serde_json::json!({ "userId": env["LOGTO_MEMBER_ID"] }))
        .send()
        .await
        .expect("subject token")
        .json()
        .await
        .expect("JSON");
    let web = MachineClient::new(web_config(&env)).expect("web app as a machine");
    let exchanged = web
        .exchange_token(
            &TokenExchange::new(
                subject["subjectToken"].as_str().expect("subjectToken"),
                SubjectTokenType::ImpersonationToken,
            )
            .target(TokenTarget::resource(api))
            .scopes(["read:data"]),
        )
        .await
        .expect("token exchange");
    assert!(!exchanged.access_token.secret().is_empty());
}

async fn whoami(user: Option<SignedInUser>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |user| user.claims().sub.clone())
}

#[tokio::test]
async fn backchannel_logout_from_logto_ends_the_axum_session() {
    let Some(env) = real_env("backchannel_logout_from_logto_ends_the_axum_session") else { return };
    let client = LogtoClient::builder(web_config(&env)).backchannel_logout(true).build().expect("client");
    let auth = LogtoAuth::new(client, AuthSettings::new(BASE_URL)).expect("auth");
    let app = Router::new()
        .route("/whoami", get(whoami))
        .merge(auth.routes())
        .layer(auth.layer())
        .layer(SessionConfig::default().secure(false).layer(MemorySessionStore::new()));
    let listener =
        tokio::net::TcpListener::bind("127.0.0.1:5000").await.expect("port 5000, the registered URI");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });

    // Two app sessions on one Logto session; signing out of one makes Logto post its logout
    // token (no `exp` before Logto 1.42) to the app, which ends the other.
    let logto = cookie_client();
    let (first, second) = (cookie_client(), cookie_client());
    for app in [&first, &second] {
        let start = app.get(format!("{BASE_URL}/sign-in")).send().await.unwrap();
        let callback =
            logto_sign_in(&logto, &env, start.headers()["location"].to_str().unwrap(), "MEMBER").await;
        assert_eq!(app.get(callback).send().await.unwrap().status(), 302);
        assert_eq!(
            app.get(format!("{BASE_URL}/whoami")).send().await.unwrap().text().await.unwrap(),
            env["LOGTO_MEMBER_ID"]
        );
    }
    let out = second.post(format!("{BASE_URL}/sign-out")).header("origin", BASE_URL).send().await.unwrap();
    let end_session = out.headers()["location"].to_str().unwrap().to_owned();
    let page = logto.get(&end_session).send().await.unwrap().text().await.unwrap();
    let action =
        page.split("action=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("the logout form");
    let mut form: Vec<(String, String)> = page
        .split("<input")
        .skip(1)
        .filter_map(|input| {
            let attribute =
                |name: &str| input.split(&format!("{name}=\"")).nth(1)?.split('"').next().map(str::to_owned);
            Some((attribute("name")?, attribute("value").unwrap_or_default()))
        })
        .collect();
    if !form.iter().any(|(name, _)| name == "logout") {
        form.push(("logout".into(), "yes".into()));
    }
    let confirm = url::Url::parse(&end_session).unwrap().join(&action.replace("&amp;", "&")).unwrap();
    let confirmed = logto.post(confirm).form(&form).send().await.unwrap();
    assert!(confirmed.status().is_redirection(), "{}", confirmed.status());
    for _ in 0..50 {
        if first.get(format!("{BASE_URL}/whoami")).send().await.unwrap().text().await.unwrap() == "anonymous"
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Logto's back-channel logout did not end the other app session");
}

#[tokio::test]
async fn a_rotating_refresh_token_survives_concurrent_refreshes() {
    let Some(env) = real_env("a_rotating_refresh_token_survives_concurrent_refreshes") else { return };
    // The public client (SPA): Logto rotates its refresh token on every use.
    let config = LogtoConfig::new(&env["LOGTO_ENDPOINT"], &env["LOGTO_SPA_APP_ID"])
        .with_scopes(["urn:logto:scope:organizations", "read:data"])
        .with_resources([env["LOGTO_API_RESOURCE"].as_str()]);
    let client = LogtoClient::new(config, Arc::new(MemoryStorage::new())).expect("client");
    let url = client.sign_in(format!("{BASE_URL}/callback")).await.expect("sign-in URL");
    let callback = logto_sign_in(&cookie_client(), &env, &url, "MEMBER").await;
    client.handle_sign_in_callback(&callback).await.expect("callback");
    let first = client.get_refresh_token().await.unwrap().expect("a refresh token");
    for target in [
        TokenTarget::resource(env["LOGTO_API_RESOURCE"].as_str()),
        TokenTarget::organization(env["LOGTO_ORG_ACME_ID"].as_str()),
    ] {
        let calls = (0..10).map(|_| {
            let (client, target) = (client.clone(), target.clone());
            tokio::spawn(async move { client.get_access_token(target).await })
        });
        let tokens: Vec<String> = futures_join(calls).await;
        assert!(tokens.windows(2).all(|pair| pair[0] == pair[1]), "one refresh, one token for every caller");
    }
    let rotated = client.get_refresh_token().await.unwrap().expect("still signed in");
    assert_ne!(first.secret(), rotated.secret(), "Logto rotated the public client's refresh token");
    assert!(client.signed_in_claims().await.expect("claims").is_some(), "no reuse detected: still signed in");
}

async fn futures_join(
    calls: impl Iterator<Item = tokio::task::JoinHandle<logto::Result<logto::AccessToken>>>,
) -> Vec<String> {
    let mut tokens = Vec::new();
    for call in calls {
        tokens.push(call.await.expect("task").expect("access token").secret().to_owned());
    }
    tokens
}
