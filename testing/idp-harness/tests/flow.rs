//! End-to-end checks that the test server behaves like Logto.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use common::*;
use logto_test_idp::{IdpOptions, TestIdp, clients, demo_user, resources};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use url::Url;

async fn discovery_and_jwks(alg: &'static str) {
    let idp = TestIdp::start_with(IdpOptions { alg, ..IdpOptions::default() }).await;
    assert!(idp.endpoint().starts_with("http://127.0.0.1:"));
    let d: Value = http().get(idp.discovery_url()).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["issuer"], idp.issuer());
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    assert_eq!(d["id_token_signing_alg_values_supported"], json!([alg]));
    for (key, path) in [
        ("authorization_endpoint", "/auth"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/me"),
        ("end_session_endpoint", "/session/end"),
        ("revocation_endpoint", "/token/revocation"),
        ("introspection_endpoint", "/token/introspection"),
        ("jwks_uri", "/jwks"),
    ] {
        assert_eq!(d[key], format!("{}{path}", idp.issuer()), "{key}");
    }
    let methods = d["token_endpoint_auth_methods_supported"].as_array().unwrap();
    for m in ["client_secret_basic", "client_secret_post", "none"] {
        assert!(methods.contains(&json!(m)), "{m}");
    }
    let resp = http().get(format!("{}/jwks", idp.issuer())).send().await.unwrap();
    assert_eq!(resp.headers()["cache-control"], "no-cache");
    let jwks: Value = resp.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["alg"], alg);
    assert_eq!(key["use"], "sig");
    assert!(key["kid"].is_string());
    assert!(key.get("d").is_none(), "private key leaked");
}

#[tokio::test]
async fn discovery_es384() {
    discovery_and_jwks("ES384").await;
}

#[tokio::test]
async fn discovery_rs256() {
    discovery_and_jwks("RS256").await;
}

async fn full_flow(alg: &'static str) {
    let idp = TestIdp::start_with(IdpOptions { alg, ..IdpOptions::default() }).await;
    let auth = Auth::Basic(clients::CONFIDENTIAL_ID, clients::CONFIDENTIAL_SECRET);
    let s = sign_in_url(
        &idp,
        clients::CONFIDENTIAL_ID,
        ALL_SCOPES,
        &[resources::API, resources::ORGANIZATIONS],
        &[
            ("prompt", "consent"),
            ("first_screen", "sign_in"),
            ("login_hint", "demo"),
            ("organization_id", "org-acme"),
        ],
    );
    let callback = idp.login(&s.url).await;
    let last = idp.last_auth_request().await;
    assert_eq!(last["resource"], json!([resources::API, resources::ORGANIZATIONS]));
    assert_eq!(last["first_screen"], "sign_in");
    assert_eq!(last["client_id"], clients::CONFIDENTIAL_ID);
    assert_eq!(idp.auth_requests().await.len(), 1);

    let q = query(&callback);
    assert_eq!(q["state"], s.state);
    assert_eq!(q["iss"], idp.issuer());
    let code = q["code"].clone();
    let (status, tokens) = token_request(
        &idp,
        &auth,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &s.verifier),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(access.split('.').count(), 1, "access token without resource must be opaque");
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let id_token = tokens["id_token"].as_str().unwrap();
    let header = jwt_part(id_token, 0);
    assert_eq!(header["alg"], alg);
    let claims = jwt_part(id_token, 1);
    assert_eq!(claims["iss"], idp.issuer());
    assert_eq!(claims["aud"], clients::CONFIDENTIAL_ID);
    assert_eq!(claims["sub"], demo_user::SUB);
    assert_eq!(claims["name"], demo_user::NAME);
    assert_eq!(claims["username"], demo_user::USERNAME);
    assert_eq!(claims["picture"], demo_user::PICTURE);
    assert_eq!(claims["created_at"], demo_user::CREATED_AT);
    assert_eq!(claims["email"], demo_user::EMAIL);
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["phone_number"], demo_user::PHONE);
    assert_eq!(claims["roles"], json!(demo_user::ROLES));
    assert_eq!(claims["organizations"], json!(demo_user::ORGANIZATIONS));
    assert_eq!(claims["organization_roles"], json!(demo_user::ORGANIZATION_ROLES));
    assert!(claims.get("custom_data").is_none() && claims.get("identities").is_none());
    assert!(claims.get("organization_data").is_none() && claims.get("at_hash").is_none());
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 3600);

    // Userinfo.
    let resp = http().get(format!("{}/me", idp.issuer())).bearer_auth(access).send().await.unwrap();
    let me_status = resp.status();
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me_status, StatusCode::OK, "{me}");
    assert_eq!(me["sub"], demo_user::SUB);
    assert_eq!(me["custom_data"], json!({"plan": "pro", "preferences": {"theme": "dark"}}));
    assert_eq!(me["identities"]["github"]["userId"], "gh-123");
    assert_eq!(me["sso_identities"], json!([]));
    assert_eq!(me["organization_data"][0], json!({"id": "org-acme", "name": "Acme", "description": null}));

    // Refresh for the API resource: JWT access token.
    let (status, body) = token_request(
        &idp,
        &auth,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("resource", resources::API)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let at = body["access_token"].as_str().unwrap();
    assert_eq!(jwt_part(at, 0)["typ"], "at+jwt");
    assert_eq!(jwt_part(at, 0)["alg"], alg);
    let at_claims = jwt_part(at, 1);
    assert_eq!(at_claims["aud"], resources::API);
    assert_eq!(at_claims["scope"], "read:data");
    assert_eq!(at_claims["client_id"], clients::CONFIDENTIAL_ID);
    assert_eq!(at_claims["sub"], demo_user::SUB);
    assert_eq!(at_claims["iss"], idp.issuer());
    assert!(at_claims.get("organization_id").is_none());
    // Confidential client: no rotation early in the lifetime.
    assert_eq!(body["refresh_token"].as_str().unwrap(), refresh);
    assert!(body["id_token"].is_string());

    // Organization token.
    let (status, body) = token_request(
        &idp,
        &auth,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("organization_id", "org-acme")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let org = jwt_part(body["access_token"].as_str().unwrap(), 1);
    assert_eq!(org["aud"], "urn:logto:organization:org-acme");
    assert!(org.get("organization_id").is_none(), "as in Logto, the organization is named by `aud` alone");
    assert_eq!(org["scope"], "read:org");
    let (status, body) = token_request(
        &idp,
        &auth,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("organization_id", "org-globex")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        jwt_part(body["access_token"].as_str().unwrap(), 1)["aud"],
        "urn:logto:organization:org-globex"
    );

    // Resource + organization.
    let (status, body) = token_request(
        &idp,
        &auth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", resources::API),
            ("organization_id", "org-acme"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let both = jwt_part(body["access_token"].as_str().unwrap(), 1);
    assert_eq!(both["aud"], resources::API);
    assert_eq!(both["organization_id"], "org-acme");

    // Not a member.
    let (status, body) = token_request(
        &idp,
        &auth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("organization_id", demo_user::NON_MEMBER_ORGANIZATION),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_logto_error(&body, "access_denied");

    // Unknown resource.
    let (status, body) = token_request(
        &idp,
        &auth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", "https://unknown.example"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_logto_error(&body, "invalid_target");

    // Plain refresh: opaque token, no rotation.
    let (status, body) =
        token_request(&idp, &auth, &[("grant_type", "refresh_token"), ("refresh_token", &refresh)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 1);

    // Revocation.
    assert_eq!(idp.introspect(&refresh).await["active"], true);
    let resp = http()
        .post(format!("{}/token/revocation", idp.issuer()))
        .basic_auth(clients::CONFIDENTIAL_ID, Some(clients::CONFIDENTIAL_SECRET))
        .form(&[("token", refresh.as_str()), ("token_type_hint", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(idp.introspect(&refresh).await["active"], false);
    let (status, body) =
        token_request(&idp, &auth, &[("grant_type", "refresh_token"), ("refresh_token", &refresh)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_logto_error(&body, "invalid_grant");

    // Sign-out.
    let mut end = Url::parse(&format!("{}/session/end", idp.issuer())).unwrap();
    end.query_pairs_mut()
        .append_pair("client_id", clients::CONFIDENTIAL_ID)
        .append_pair("post_logout_redirect_uri", "http://localhost:7777/signed-out?x=1")
        .append_pair("id_token_hint", id_token);
    assert_eq!(idp.logout(end.as_str()).await, "http://localhost:7777/signed-out?x=1");

    // The code is single use (reuse also revokes the grant, so this comes last).
    let (status, body) = token_request(
        &idp,
        &auth,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &s.verifier),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_logto_error(&body, "invalid_grant");
}

#[tokio::test]
async fn full_flow_es384() {
    full_flow("ES384").await;
}

#[tokio::test]
async fn full_flow_rs256() {
    full_flow("RS256").await;
}

#[tokio::test]
async fn public_client_rotates_and_detects_reuse() {
    let idp = TestIdp::start().await;
    let auth = Auth::None(clients::PUBLIC_ID);
    let tokens = sign_in(&idp, &auth, clients::PUBLIC_ID, "openid offline_access", &[]).await;
    let r1 = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) =
        token_request(&idp, &auth, &[("grant_type", "refresh_token"), ("refresh_token", &r1)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r2 = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert!(body["id_token"].is_string(), "{body}");
    // Like Logto, the rotated r1 stays usable for 3 seconds (and rotates again).
    let (status, body) =
        token_request(&idp, &auth, &[("grant_type", "refresh_token"), ("refresh_token", &r1)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r3 = body["refresh_token"].as_str().unwrap().to_owned();
    assert!(r3 != r1 && r3 != r2);
    // After the grace period, reusing r1 revokes the grant, so r2 and r3 die too.
    tokio::time::sleep(logto_test_idp::REFRESH_TOKEN_REUSE_INTERVAL + Duration::from_millis(300)).await;
    let (status, body) =
        token_request(&idp, &auth, &[("grant_type", "refresh_token"), ("refresh_token", &r1)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_logto_error(&body, "invalid_grant");
    for r in [&r2, &r3] {
        let (status, body) =
            token_request(&idp, &auth, &[("grant_type", "refresh_token"), ("refresh_token", r)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_logto_error(&body, "invalid_grant");
        assert_eq!(idp.introspect(r).await["active"], false);
    }
}

#[tokio::test]
async fn special_client_and_client_secret_post() {
    let idp = TestIdp::start().await;
    let special = Auth::Basic(clients::SPECIAL_ID, clients::SPECIAL_SECRET);
    let tokens = sign_in(&idp, &special, clients::SPECIAL_ID, "openid offline_access", &[]).await;
    assert_eq!(jwt_part(tokens["id_token"].as_str().unwrap(), 1)["aud"], clients::SPECIAL_ID);

    let wrong = Auth::Basic(clients::SPECIAL_ID, "nope");
    let (status, body) = token_request(
        &idp,
        &wrong,
        &[("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_logto_error(&body, "invalid_client");

    let post = Auth::Post(clients::CONFIDENTIAL_ID, clients::CONFIDENTIAL_SECRET);
    let tokens = sign_in(&idp, &post, clients::CONFIDENTIAL_ID, "openid offline_access", &[]).await;
    let (status, body) = token_request(
        &idp,
        &post,
        &[("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn organization_token_needs_organizations_scope() {
    let idp = TestIdp::start().await;
    let auth = Auth::None(clients::PUBLIC_ID);
    let tokens = sign_in(&idp, &auth, clients::PUBLIC_ID, "openid offline_access profile", &[]).await;
    let (status, body) = token_request(
        &idp,
        &auth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("organization_id", "org-acme"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_logto_error(&body, "insufficient_scope");
}

#[tokio::test]
async fn login_errors_and_policies() {
    let idp = TestIdp::start_with(IdpOptions {
        access_token_ttl: Some(120),
        id_token_ttl: Some(60),
        ..Default::default()
    })
    .await;
    // Wrong password.
    let s = sign_in_url(&idp, clients::PUBLIC_ID, "openid", &[], &[]);
    let err = idp.login_as(&s.url, demo_user::USERNAME, "wrong").await.unwrap_err();
    assert!(err.contains("401"), "{err}");

    // Unregistered redirect URI.
    let evil = s.url.replace(&enc(REDIRECT_URI), &enc("https://evil.example/callback"));
    let err = idp.login_as(&evil, demo_user::USERNAME, demo_user::PASSWORD).await.unwrap_err();
    assert!(err.contains("invalid_redirect_uri") && err.contains("oidc.invalid_redirect_uri"), "{err}");

    // localhost with any port and path ending in /callback is fine.
    let ok = s.url.replace(&enc(REDIRECT_URI), &enc("http://localhost:1234/app/callback"));
    assert!(idp.login(&ok).await.starts_with("http://localhost:1234/app/callback?code="));

    // PKCE is required: error comes back to the redirect URI.
    let mut no_pkce = Url::parse(&s.url).unwrap();
    let pairs: Vec<(String, String)> =
        no_pkce.query_pairs().into_owned().filter(|(k, _)| !k.starts_with("code_challenge")).collect();
    no_pkce.query_pairs_mut().clear().extend_pairs(pairs);
    let cb = idp.login(no_pkce.as_str()).await;
    assert_eq!(query(&cb)["error"], "invalid_request", "{cb}");

    // Without prompt=consent there is no refresh token; TTL options apply.
    let s = sign_in_url(&idp, clients::PUBLIC_ID, "openid offline_access", &[], &[]);
    let q = query(&idp.login(&s.url).await);
    let (status, body) = token_request(
        &idp,
        &Auth::None(clients::PUBLIC_ID),
        &[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("code_verifier", &s.verifier),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert_eq!(body["expires_in"], 120);
    let id = jwt_part(body["id_token"].as_str().unwrap(), 1);
    assert_eq!(id["exp"].as_u64().unwrap() - id["iat"].as_u64().unwrap(), 60);

    // Logout without a post-logout redirect ends on the server's success page.
    let end = format!("{}/session/end?client_id={}", idp.issuer(), clients::PUBLIC_ID);
    let last = idp.logout(&end).await;
    assert!(last.starts_with(&idp.issuer()), "{last}");
}
