//! Self-tests of the Logto features beyond the browser sign-in: rotation policy, token-request
//! statistics, grant revocation, client credentials, token exchange, back-channel logout,
//! one-time tokens, the address and sessions scopes, and `prompt`.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use common::*;
use logto_test_idp::mock::{MockResponse, MockServer};
use logto_test_idp::{
    IdpOptions, LogoutTokenShape, TestIdp, clients, demo_user, grant_types, m2m, resources, token_hash,
    token_types,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use url::Url;

const CONFIDENTIAL: Auth<'static> = Auth::Basic(clients::CONFIDENTIAL_ID, clients::CONFIDENTIAL_SECRET);
const PUBLIC: Auth<'static> = Auth::None(clients::PUBLIC_ID);
const M2M: Auth<'static> = Auth::Basic(clients::M2M_ID, clients::M2M_SECRET);

async fn refresh(idp: &TestIdp, auth: &Auth<'_>, token: &str, extra: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut params = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    params.extend_from_slice(extra);
    token_request(idp, auth, &params).await
}

async fn userinfo(idp: &TestIdp, access_token: &str) -> (StatusCode, Value) {
    let resp = http().get(format!("{}/me", idp.issuer())).bearer_auth(access_token).send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn confidential_client_rotates_after_70_percent_of_the_lifetime() {
    let idp = TestIdp::start_with(IdpOptions { refresh_token_ttl: Some(10), ..IdpOptions::default() }).await;
    let tokens = sign_in(&idp, &CONFIDENTIAL, clients::CONFIDENTIAL_ID, "openid offline_access", &[]).await;
    let r1 = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = refresh(&idp, &CONFIDENTIAL, &r1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["refresh_token"], r1.as_str(), "no rotation early in the lifetime");

    tokio::time::sleep(Duration::from_millis(7500)).await;
    let (status, body) = refresh(&idp, &CONFIDENTIAL, &r1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r2 = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2, "rotation after 70% of the lifetime");
    let (status, body) = refresh(&idp, &CONFIDENTIAL, &r2, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["refresh_token"], r2.as_str());

    let stats = idp.token_requests().await;
    let rotated: Vec<bool> = stats.refresh_requests.iter().map(|r| r.rotated).collect();
    assert_eq!(rotated, [false, true, false]);
}

#[tokio::test]
async fn without_a_grace_period_any_reuse_revokes_the_grant() {
    let idp = TestIdp::start_with(IdpOptions {
        refresh_token_reuse_interval: Some(Duration::ZERO),
        ..IdpOptions::default()
    })
    .await;
    let tokens = sign_in(&idp, &PUBLIC, clients::PUBLIC_ID, "openid offline_access", &[]).await;
    let r1 = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = refresh(&idp, &PUBLIC, &r1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r2 = body["refresh_token"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (status, body) = refresh(&idp, &PUBLIC, &r1, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = refresh(&idp, &PUBLIC, &r2, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn token_requests_are_counted_and_refresh_tokens_hashed() {
    let idp = TestIdp::start().await;
    let tokens = sign_in(&idp, &PUBLIC, clients::PUBLIC_ID, "openid offline_access", &[resources::API]).await;
    let r1 = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = refresh(&idp, &PUBLIC, &r1, &[("resource", resources::API)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r2 = body["refresh_token"].as_str().unwrap().to_owned();
    let (status, _) = refresh(&idp, &PUBLIC, "not-a-token", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = token_request(&idp, &PUBLIC, &[("grant_type", "password")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let stats = idp.token_requests().await;
    assert_eq!(stats.total, 4, "{stats:?}");
    assert_eq!(stats.grant_type(grant_types::AUTHORIZATION_CODE), 1);
    assert_eq!(stats.refresh_ok(), 1);
    assert_eq!(stats.count(grant_types::REFRESH_TOKEN, "invalid_grant"), 1);
    assert_eq!(stats.count("password", "unsupported_grant_type"), 1);
    assert_eq!(stats.by_outcome["ok"], 2);
    assert_eq!(stats.refresh_requests.len(), 2);
    let first = &stats.refresh_requests[0];
    assert_eq!(first.refresh_token_sha256.as_deref(), Some(token_hash(&r1).as_str()));
    assert_eq!(first.issued_refresh_token_sha256.as_deref(), Some(token_hash(&r2).as_str()));
    assert!(first.rotated);
    assert_eq!(first.client_id.as_deref(), Some(clients::PUBLIC_ID));
    assert_eq!(first.resource.as_deref(), Some(resources::API));
    assert_eq!((first.status, first.outcome.as_str()), (200, "ok"));
    assert_eq!(stats.refresh_requests[1].outcome, "invalid_grant");
    assert_eq!(stats.refreshes_with(&r1).len(), 1);
    assert!(first.at_ms > 1_600_000_000_000);
    let raw = http().get(format!("{}/__test/token-requests", idp.endpoint())).send().await.unwrap();
    assert!(!raw.text().await.unwrap().contains(&r1), "the token value itself must never be reported");

    idp.reset_token_requests().await;
    let stats = idp.token_requests().await;
    assert_eq!(stats.total, 0);
    assert!(stats.refresh_requests.is_empty());
}

#[tokio::test]
async fn revoked_grants_end_refresh_tokens() {
    let idp = TestIdp::start().await;
    let a = sign_in(&idp, &CONFIDENTIAL, clients::CONFIDENTIAL_ID, "openid offline_access", &[]).await;
    let b = sign_in(&idp, &PUBLIC, clients::PUBLIC_ID, "openid offline_access", &[]).await;
    assert_eq!(idp.revoke_grants_for("someone-else").await, 0);
    assert_eq!(idp.revoke_grants_for(demo_user::SUB).await, 2);
    for (auth, tokens) in [(&CONFIDENTIAL, &a), (&PUBLIC, &b)] {
        let (status, body) = refresh(&idp, auth, tokens["refresh_token"].as_str().unwrap(), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_logto_error(&body, "invalid_grant");
        let (status, _) = userinfo(&idp, tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // A new sign-in works (consent is granted again).
    let c = sign_in(&idp, &PUBLIC, clients::PUBLIC_ID, "openid offline_access", &[]).await;
    assert_eq!(idp.revoke_grants().await, 1);
    let (status, _) = refresh(&idp, &PUBLIC, c["refresh_token"].as_str().unwrap(), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn client_credentials_for_the_m2m_app() {
    let idp = TestIdp::start().await;
    let cc = |extra: &'static [(&'static str, &'static str)]| {
        let idp = &idp;
        async move {
            let mut params = vec![("grant_type", grant_types::CLIENT_CREDENTIALS)];
            params.extend_from_slice(extra);
            token_request(idp, &M2M, &params).await
        }
    };

    // Resource: JWT, scope = requested ∩ the app's scopes.
    let (status, body) = cc(&[("resource", resources::API), ("scope", "read:data write:data other")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], m2m::API_SCOPES.join(" "));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    let at = body["access_token"].as_str().unwrap();
    assert_eq!(jwt_part(at, 0)["typ"], "at+jwt");
    let claims = jwt_part(at, 1);
    assert_eq!(claims["aud"], resources::API);
    assert_eq!(claims["sub"], clients::M2M_ID);
    assert_eq!(claims["client_id"], clients::M2M_ID);
    assert_eq!(claims["iss"], idp.issuer());
    assert_eq!(claims["scope"], "read:data");
    assert!(claims.get("organization_id").is_none());

    // Resource without scope: no `scope` at all (like Logto).
    let (status, body) = cc(&[("resource", resources::API)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("scope").is_none(), "{body}");

    // Organization token.
    let (status, body) = cc(&[("organization_id", m2m::ORGANIZATION), ("scope", "read:org write:org")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "read:org");
    let claims = jwt_part(body["access_token"].as_str().unwrap(), 1);
    assert_eq!(claims["aud"], format!("urn:logto:organization:{}", m2m::ORGANIZATION));
    assert_eq!(claims["scope"], "read:org");
    assert!(claims.get("organization_id").is_none(), "Logto adds it only with a resource");
    let (status, body) = cc(&[("organization_id", m2m::ORGANIZATION)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "", "organization token without scopes: empty string");

    // Organization + resource: the API scopes of the app's organization roles, organization_id claim.
    let (status, body) = cc(&[
        ("organization_id", m2m::ORGANIZATION),
        ("resource", resources::API),
        ("scope", "read:data write:data"),
    ])
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], m2m::ORGANIZATION_API_SCOPES.join(" "));
    let claims = jwt_part(body["access_token"].as_str().unwrap(), 1);
    assert_eq!(claims["aud"], resources::API);
    assert_eq!(claims["organization_id"], m2m::ORGANIZATION);

    // Errors, as Logto gives them.
    for org in m2m::NON_MEMBER_ORGANIZATIONS {
        let params = [("grant_type", grant_types::CLIENT_CREDENTIALS), ("organization_id", *org)];
        let (status, body) = token_request(&idp, &M2M, &params).await;
        assert_error(
            status,
            &body,
            StatusCode::FORBIDDEN,
            "access_denied",
            "app has not associated with the organization",
        );
    }
    let (status, body) = cc(&[]).await;
    assert_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_target",
        "both `resource` and `organization_id` are not provided",
    );
    let (status, body) = cc(&[("resource", "https://unknown.example")]).await;
    assert_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_target",
        "resource indicator is missing, or unknown",
    );
    let (status, body) = cc(&[("resource", resources::API), ("resource", resources::ORGANIZATIONS)]).await;
    assert_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_target",
        "only a single resource indicator value is supported for this grant type",
    );
    let wrong = Auth::Basic(clients::M2M_ID, "wrong");
    let params = [("grant_type", grant_types::CLIENT_CREDENTIALS), ("resource", resources::API)];
    let (status, body) = token_request(&idp, &wrong, &params).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_logto_error(&body, "invalid_client");
    // client_secret_post works too; other clients may not use the grant.
    let (status, body) =
        token_request(&idp, &Auth::Post(clients::M2M_ID, clients::M2M_SECRET), &params).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = token_request(&idp, &CONFIDENTIAL, &params).await;
    assert_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "requested grant type is not allowed for this client",
    );
    // The m2m app has no front channel.
    let s = sign_in_url(&idp, clients::M2M_ID, "openid", &[], &[]);
    let callback = idp.authorize(&s.url).await.unwrap();
    assert_eq!(query(&callback)["error"], "invalid_request", "{callback}");
}

/// `invalid_grant` never exposes its detail (Logto: "grant request is invalid"); the server logs it.
fn assert_invalid_grant(status: StatusCode, body: &Value) {
    assert_error(status, body, StatusCode::BAD_REQUEST, "invalid_grant", "grant request is invalid");
}

async fn exchange(idp: &TestIdp, auth: &Auth<'_>, params: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut all = vec![("grant_type", grant_types::TOKEN_EXCHANGE)];
    all.extend_from_slice(params);
    token_request(idp, auth, &all).await
}

#[tokio::test]
async fn token_exchange_with_every_subject_token_type() {
    let idp = TestIdp::start().await;

    // Impersonation token: opaque access token with the requested OIDC scopes, single use.
    let subject = idp.impersonation_token(demo_user::SUB).await;
    assert!(subject.starts_with("sub_"), "{subject}");
    let params = [
        ("subject_token", subject.as_str()),
        ("subject_token_type", token_types::IMPERSONATION_TOKEN),
        ("scope", "openid profile read:data"),
    ];
    let (status, body) = exchange(&idp, &CONFIDENTIAL, &params).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "openid profile", "non-OIDC scopes are filtered out");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].is_u64());
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    let opaque = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(opaque.split('.').count(), 1);
    let (status, me) = userinfo(&idp, &opaque).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["sub"], demo_user::SUB);
    assert_eq!(me["name"], demo_user::NAME);
    let (status, body) = exchange(&idp, &CONFIDENTIAL, &params).await;
    assert_invalid_grant(status, &body);

    // Legacy: a `sub_` token under the access-token type; no scope gives "".
    let subject = idp.impersonation_token(demo_user::SUB).await;
    let (status, body) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[("subject_token", &subject), ("subject_token_type", token_types::ACCESS_TOKEN)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "");

    // Opaque access token of a sign-in, reusable; with a resource: JWT for that API.
    let tokens = sign_in(&idp, &PUBLIC, clients::PUBLIC_ID, "openid offline_access profile", &[]).await;
    let signed_in = tokens["access_token"].as_str().unwrap();
    for _ in 0..2 {
        let (status, body) = exchange(
            &idp,
            &CONFIDENTIAL,
            &[
                ("subject_token", signed_in),
                ("subject_token_type", token_types::ACCESS_TOKEN),
                ("resource", resources::API),
                ("scope", "read:data profile"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["scope"], "read:data");
        let claims = jwt_part(body["access_token"].as_str().unwrap(), 1);
        assert_eq!(claims["aud"], resources::API);
        assert_eq!(claims["sub"], demo_user::SUB);
        assert_eq!(claims["client_id"], clients::CONFIDENTIAL_ID);
        assert_eq!(claims["scope"], "read:data");
    }

    // JWT access token of this server as the subject; an ID token is refused.
    let (_, body) = refresh(&idp, &PUBLIC, tokens["refresh_token"].as_str().unwrap(), &[]).await;
    let jwt_subject = {
        let (status, body) = exchange(
            &idp,
            &CONFIDENTIAL,
            &[
                ("subject_token", signed_in),
                ("subject_token_type", token_types::ACCESS_TOKEN),
                ("resource", resources::API),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    };
    let (status, out) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[("subject_token", &jwt_subject), ("subject_token_type", token_types::ACCESS_TOKEN)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let id_token = body["id_token"].as_str().unwrap();
    let (status, out) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[("subject_token", id_token), ("subject_token_type", token_types::ACCESS_TOKEN)],
    )
    .await;
    assert_invalid_grant(status, &out);
    let (status, out) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[("subject_token", "garbage"), ("subject_token_type", token_types::ACCESS_TOKEN)],
    )
    .await;
    assert_invalid_grant(status, &out);

    // Personal access token: reusable; organization token; expired PAT.
    let pat = idp.personal_access_token(demo_user::SUB).await;
    assert!(pat.starts_with("pat_"), "{pat}");
    for _ in 0..2 {
        let (status, body) = exchange(
            &idp,
            &CONFIDENTIAL,
            &[
                ("subject_token", &pat),
                ("subject_token_type", token_types::PERSONAL_ACCESS_TOKEN),
                ("organization_id", "org-globex"),
                ("scope", "read:org write:org"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["scope"], "read:org", "member of org-globex: read:org only");
        let claims = jwt_part(body["access_token"].as_str().unwrap(), 1);
        assert_eq!(claims["aud"], "urn:logto:organization:org-globex");
        assert_eq!(claims["sub"], demo_user::SUB);
    }
    let (status, body) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[
            ("subject_token", &pat),
            ("subject_token_type", token_types::PERSONAL_ACCESS_TOKEN),
            ("organization_id", demo_user::NON_MEMBER_ORGANIZATION),
        ],
    )
    .await;
    assert_error(
        status,
        &body,
        StatusCode::FORBIDDEN,
        "access_denied",
        "user is not a member of the organization",
    );
    let (status, body) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[
            ("subject_token", &pat),
            ("subject_token_type", token_types::PERSONAL_ACCESS_TOKEN),
            ("organization_id", "org-acme"),
            ("resource", resources::API),
            ("scope", "read:data"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let claims = jwt_part(body["access_token"].as_str().unwrap(), 1);
    assert_eq!(
        (claims["aud"].as_str(), claims["organization_id"].as_str()),
        (Some(resources::API), Some("org-acme"))
    );
    let past = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64 - 1000;
    let expired = idp.personal_access_token_expiring_at(demo_user::SUB, Some(past)).await;
    let (status, body) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[("subject_token", &expired), ("subject_token_type", token_types::PERSONAL_ACCESS_TOKEN)],
    )
    .await;
    assert_invalid_grant(status, &body);
    let (status, body) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[("subject_token", "pat_unknown"), ("subject_token_type", token_types::PERSONAL_ACCESS_TOKEN)],
    )
    .await;
    assert_invalid_grant(status, &body);
}

#[tokio::test]
async fn token_exchange_actor_tokens_and_refusals() {
    let idp = TestIdp::start().await;
    let tokens = sign_in(&idp, &PUBLIC, clients::PUBLIC_ID, "openid offline_access", &[]).await;
    let actor = tokens["access_token"].as_str().unwrap();

    // Actor token: `act` claim.
    let subject = idp.impersonation_token(demo_user::SUB).await;
    let (status, body) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[
            ("subject_token", &subject),
            ("subject_token_type", token_types::IMPERSONATION_TOKEN),
            ("actor_token", actor),
            ("actor_token_type", token_types::ACCESS_TOKEN),
            ("resource", resources::API),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(jwt_part(body["access_token"].as_str().unwrap(), 1)["act"], json!({ "sub": demo_user::SUB }));

    let subject = idp.impersonation_token(demo_user::SUB).await;
    let base =
        [("subject_token", subject.as_str()), ("subject_token_type", token_types::IMPERSONATION_TOKEN)];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut all = base.to_vec();
        all.extend_from_slice(extra);
        all
    };
    let (status, body) =
        exchange(&idp, &CONFIDENTIAL, &with(&[("actor_token", "x"), ("actor_token_type", "urn:other")]))
            .await;
    assert_invalid_grant(status, &body);
    let (status, body) = exchange(
        &idp,
        &CONFIDENTIAL,
        &with(&[("actor_token", "x"), ("actor_token_type", token_types::ACCESS_TOKEN)]),
    )
    .await;
    assert_invalid_grant(status, &body);
    let (status, body) =
        exchange(&idp, &CONFIDENTIAL, &with(&[("resource", "https://unknown.example")])).await;
    assert_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_target",
        "resource indicator is missing, or unknown",
    );
    let (status, body) = exchange(&idp, &CONFIDENTIAL, &[("subject_token", subject.as_str())]).await;
    assert_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "missing required parameter 'subject_token_type'",
    );
    let (status, body) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[("subject_token", subject.as_str()), ("subject_token_type", "urn:other")],
    )
    .await;
    assert_invalid_grant(status, &body);
    let (status, body) = exchange(
        &idp,
        &CONFIDENTIAL,
        &[("subject_token", "sub_unknown"), ("subject_token_type", token_types::IMPERSONATION_TOKEN)],
    )
    .await;
    assert_invalid_grant(status, &body);

    // Only the client with token exchange enabled may use the grant (the failures above did not
    // consume the subject token).
    for auth in [PUBLIC, M2M, Auth::Basic(clients::SPECIAL_ID, clients::SPECIAL_SECRET)] {
        let (status, body) = exchange(&idp, &auth, &base).await;
        assert_error(
            status,
            &body,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "requested grant type is not allowed for this client",
        );
    }
    let (status, body) = exchange(&idp, &CONFIDENTIAL, &base).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(clients::TOKEN_EXCHANGE_ID, clients::CONFIDENTIAL_ID);
}

fn form_value(body: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(body.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn backchannel_logout_on_sign_out_and_on_ended_sessions() {
    let idp = TestIdp::start().await;
    let app = MockServer::start(|_| MockResponse::json(200, "{}")).await;
    let logout_uri = format!("{}/backchannel-logout", app.url());
    idp.set_backchannel_logout_uri(clients::CONFIDENTIAL_ID, &logout_uri).await;
    let d: Value = http().get(idp.discovery_url()).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["backchannel_logout_supported"], true);
    assert_eq!(d["backchannel_logout_session_supported"], true);

    // Sign in with a browser that keeps its session: the ID token carries `sid`.
    let browser = idp.browser();
    let s =
        sign_in_url(&idp, clients::CONFIDENTIAL_ID, "openid offline_access", &[], &[("prompt", "consent")]);
    let tokens = exchange_code(&idp, &CONFIDENTIAL, &browser.login(&s.url).await, &s).await;
    let id_claims = jwt_part(tokens["id_token"].as_str().unwrap(), 1);
    let sid = id_claims["sid"].as_str().expect("sid in the ID token").to_owned();
    // Refreshed ID tokens keep it.
    let (_, body) = refresh(&idp, &CONFIDENTIAL, tokens["refresh_token"].as_str().unwrap(), &[]).await;
    assert_eq!(jwt_part(body["id_token"].as_str().unwrap(), 1)["sid"], sid.as_str());

    // Sign-out of that browser session delivers a logout token.
    let mut end = Url::parse(&format!("{}/session/end", idp.issuer())).unwrap();
    end.query_pairs_mut()
        .append_pair("client_id", clients::CONFIDENTIAL_ID)
        .append_pair("post_logout_redirect_uri", "http://127.0.0.1:7777/signed-out");
    assert_eq!(browser.logout(end.as_str()).await, "http://127.0.0.1:7777/signed-out");
    let received = app.requests();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].method, "POST");
    assert_eq!(received[0].target, "/backchannel-logout");
    let logout_token = form_value(&received[0].body, "logout_token").expect("logout_token");
    assert_eq!(jwt_part(&logout_token, 0)["typ"], "logout+jwt");
    let claims = jwt_part(&logout_token, 1);
    assert_eq!(claims["iss"], idp.issuer());
    assert_eq!(claims["aud"], clients::CONFIDENTIAL_ID);
    assert_eq!(claims["sub"], demo_user::SUB);
    assert_eq!(claims["sid"], sid.as_str());
    assert!(claims["events"].get("http://schemas.openid.net/event/backchannel-logout").is_some());
    assert!(claims["jti"].is_string() && claims["iat"].is_u64());
    let log = idp.backchannel_logouts().await;
    assert_eq!(log.len(), 1);
    assert!(log[0].ok, "{log:?}");
    assert_eq!(log[0].sid.as_deref(), Some(sid.as_str()));
    assert_eq!(log[0].uri.as_deref(), Some(logout_uri.as_str()));

    // Sessions ended on the server side (admin "sign out everywhere") notify the app too.
    let browser = idp.browser();
    let s =
        sign_in_url(&idp, clients::CONFIDENTIAL_ID, "openid offline_access", &[], &[("prompt", "consent")]);
    let tokens = exchange_code(&idp, &CONFIDENTIAL, &browser.login(&s.url).await, &s).await;
    let sid2 = jwt_part(tokens["id_token"].as_str().unwrap(), 1)["sid"].as_str().unwrap().to_owned();
    let ended = idp.end_sessions_for(demo_user::SUB).await;
    assert_eq!(ended.ended, 1);
    assert_eq!(ended.backchannel_logouts.len(), 1);
    assert!(ended.backchannel_logouts[0].ok, "{ended:?}");
    assert_eq!(ended.backchannel_logouts[0].sid.as_deref(), Some(sid2.as_str()));
    assert_eq!(app.requests().len(), 2);
    // The session is gone: silent sign-in fails; the offline refresh token survives, like sign-out.
    let silent = sign_in_url(&idp, clients::CONFIDENTIAL_ID, "openid", &[], &[("prompt", "none")]);
    assert_eq!(query(&browser.authorize(&silent.url).await.unwrap())["error"], "login_required");
    let (status, _) = refresh(&idp, &CONFIDENTIAL, tokens["refresh_token"].as_str().unwrap(), &[]).await;
    assert_eq!(status, StatusCode::OK);

    // Without session_required there is no sid; removing the URI stops deliveries; an app that
    // answers an error is reported as not ok.
    idp.set_backchannel_logout(clients::CONFIDENTIAL_ID, Some(&logout_uri), false).await;
    let tokens = sign_in(&idp, &CONFIDENTIAL, clients::CONFIDENTIAL_ID, "openid", &[]).await;
    assert!(jwt_part(tokens["id_token"].as_str().unwrap(), 1).get("sid").is_none());
    idp.set_backchannel_logout(clients::CONFIDENTIAL_ID, None, false).await;
    let browser = idp.browser();
    let s = sign_in_url(&idp, clients::CONFIDENTIAL_ID, "openid", &[], &[]);
    browser.login(&s.url).await;
    assert_eq!(idp.end_sessions().await.backchannel_logouts.len(), 0);
    let failing = MockServer::start(|_| MockResponse::json(500, "{}")).await;
    idp.set_backchannel_logout_uri(clients::PUBLIC_ID, &format!("{}/logout", failing.url())).await;
    let browser = idp.browser();
    browser.login(&sign_in_url(&idp, clients::PUBLIC_ID, "openid", &[], &[]).url).await;
    let ended = idp.end_sessions().await;
    assert_eq!(ended.backchannel_logouts.len(), 1);
    assert!(!ended.backchannel_logouts[0].ok);
    assert!(ended.backchannel_logouts[0].error.as_deref().unwrap().contains("500"), "{ended:?}");

    // Only loopback URIs are accepted.
    let resp = http()
        .post(format!("{}/__test/backchannel-logout", idp.endpoint()))
        .json(&json!({ "client_id": clients::PUBLIC_ID, "backchannel_logout_uri": "https://evil.example/x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

/// Checks an ES384 JWS against the server's JWKS (its one key).
async fn assert_signed_by_the_server(idp: &TestIdp, token: &str) {
    use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED, UnparsedPublicKey};
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let jwks: Value =
        http().get(format!("{}/jwks", idp.issuer())).send().await.unwrap().json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(jwt_part(token, 0)["kid"], key["kid"]);
    let coordinate = |name: &str| URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap();
    let point = [vec![4], coordinate("x"), coordinate("y")].concat();
    let (input, signature) = token.rsplit_once('.').unwrap();
    UnparsedPublicKey::new(&ECDSA_P384_SHA384_FIXED, point)
        .verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(signature).unwrap())
        .expect("signed with the server's key");
}

/// Logto's two shapes of logout tokens, through both deliveries (sign-out at
/// `/oidc/session/end` and an ended session): Logto 1.42+ sends an `exp` 120 s after `iat`,
/// every release before sends the same claims without `exp`. Either way the token is signed
/// with the server's key, and ID tokens keep their `exp`.
#[tokio::test]
async fn backchannel_logout_tokens_in_both_shapes_of_logto() {
    let idp = TestIdp::start().await;
    let app = MockServer::start(|_| MockResponse::json(200, "{}")).await;
    idp.set_backchannel_logout_uri(clients::CONFIDENTIAL_ID, &format!("{}/backchannel-logout", app.url()))
        .await;
    let mut delivered = 0;
    for shape in LogoutTokenShape::ALL {
        idp.set_logout_token_shape(shape).await;
        for via_sign_out in [true, false] {
            let browser = idp.browser();
            let s = sign_in_url(&idp, clients::CONFIDENTIAL_ID, "openid", &[], &[("prompt", "consent")]);
            let tokens = exchange_code(&idp, &CONFIDENTIAL, &browser.login(&s.url).await, &s).await;
            let id_claims = jwt_part(tokens["id_token"].as_str().unwrap(), 1);
            assert!(id_claims["exp"].is_u64(), "{shape:?}: the ID token keeps its exp");
            if via_sign_out {
                let end = format!("{}/session/end?client_id={}", idp.issuer(), clients::CONFIDENTIAL_ID);
                browser.try_logout(&end).await.ok();
            } else {
                assert_eq!(idp.end_sessions_for(demo_user::SUB).await.backchannel_logouts.len(), 1);
            }
            let received = app.requests();
            delivered += 1;
            assert_eq!(received.len(), delivered, "{shape:?}: {received:?}");
            let logout_token =
                form_value(&received[delivered - 1].body, "logout_token").expect("logout_token");
            let header = jwt_part(&logout_token, 0);
            assert_eq!((&header["alg"], &header["typ"]), (&json!("ES384"), &json!("logout+jwt")));
            assert_signed_by_the_server(&idp, &logout_token).await;
            let claims = jwt_part(&logout_token, 1);
            let mut names: Vec<&str> = claims.as_object().unwrap().keys().map(String::as_str).collect();
            names.sort_unstable();
            match shape {
                LogoutTokenShape::WithExp => {
                    assert_eq!(names, ["aud", "events", "exp", "iat", "iss", "jti", "sid", "sub"]);
                    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 120);
                }
                LogoutTokenShape::WithoutExp => {
                    assert_eq!(names, ["aud", "events", "iat", "iss", "jti", "sid", "sub"]);
                }
            }
            assert_eq!((&claims["iss"], &claims["sub"]), (&json!(idp.issuer()), &json!(demo_user::SUB)));
            assert_eq!(
                (&claims["aud"], &claims["sid"]),
                (&json!(clients::CONFIDENTIAL_ID), &id_claims["sid"])
            );
            assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
        }
    }
    let refused = http()
        .post(format!("{}/__test/logout-tokens", idp.endpoint()))
        .json(&json!({ "exp": "sometimes" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn one_time_tokens_sign_in_without_a_password() {
    let idp = TestIdp::start().await;
    let ott_url = |token: &str, email: &str| {
        sign_in_url(
            &idp,
            clients::PUBLIC_ID,
            "openid offline_access profile email",
            &[],
            &[("prompt", "consent"), ("one_time_token", token), ("login_hint", email)],
        )
    };

    let token = idp.one_time_token(demo_user::EMAIL).await;
    let s = ott_url(&token, demo_user::EMAIL);
    let callback = idp.authorize(&s.url).await.expect("one-time token sign-in");
    let tokens = exchange_code(&idp, &PUBLIC, &callback, &s).await;
    let claims = jwt_part(tokens["id_token"].as_str().unwrap(), 1);
    assert_eq!(claims["sub"], demo_user::SUB);
    assert_eq!(claims["email"], demo_user::EMAIL);
    assert!(tokens["refresh_token"].is_string());

    // Single use; the page then falls back to the password form.
    let used = ott_url(&token, demo_user::EMAIL);
    let err = idp.authorize(&used.url).await.unwrap_err();
    assert!(err.contains("one_time_token.token_consumed"), "{err}");
    assert!(idp.login(&used.url).await.starts_with(REDIRECT_URI));

    let other = idp.one_time_token(demo_user::EMAIL).await;
    let err = idp.authorize(&ott_url(&other, "someone@example.com").url).await.unwrap_err();
    assert!(err.contains("one_time_token.email_mismatch"), "{err}");
    let err = idp.authorize(&ott_url("nope", demo_user::EMAIL).url).await.unwrap_err();
    assert!(err.contains("one_time_token.token_not_found"), "{err}");
    let short = idp.one_time_token_expiring(demo_user::EMAIL, 1).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = idp.authorize(&ott_url(&short, demo_user::EMAIL).url).await.unwrap_err();
    assert!(err.contains("one_time_token.token_expired"), "{err}");

    // The record has Logto's shape; an unknown email registers a new user.
    let record = idp.one_time_token_record("new.user@example.com", Some(60)).await;
    assert_eq!(record["status"], "active");
    assert_eq!(record["email"], "new.user@example.com");
    assert!(record["id"].is_string() && record["createdAt"].is_u64() && record["expiresAt"].is_u64());
    let s = ott_url(record["token"].as_str().unwrap(), "new.user@example.com");
    let tokens = exchange_code(&idp, &PUBLIC, &idp.authorize(&s.url).await.unwrap(), &s).await;
    let claims = jwt_part(tokens["id_token"].as_str().unwrap(), 1);
    assert_ne!(claims["sub"], demo_user::SUB);
    assert_eq!(claims["email"], "new.user@example.com");
    assert_eq!(claims["email_verified"], true);
}

#[tokio::test]
async fn address_and_sessions_scopes() {
    let idp = TestIdp::start().await;
    let d: Value = http().get(idp.discovery_url()).send().await.unwrap().json().await.unwrap();
    let scopes = d["scopes_supported"].as_array().unwrap();
    assert!(
        scopes.contains(&json!(resources::ADDRESS_SCOPE))
            && scopes.contains(&json!(resources::SESSIONS_SCOPE))
    );
    let grants = d["grant_types_supported"].as_array().unwrap();
    for g in [grant_types::CLIENT_CREDENTIALS, grant_types::TOKEN_EXCHANGE, grant_types::REFRESH_TOKEN] {
        assert!(grants.contains(&json!(g)), "{g}");
    }

    let scope = format!("openid offline_access {} {}", resources::ADDRESS_SCOPE, resources::SESSIONS_SCOPE);
    let tokens = sign_in(&idp, &PUBLIC, clients::PUBLIC_ID, &scope, &[]).await;
    let address = json!({
        "formatted": demo_user::ADDRESS_FORMATTED,
        "streetAddress": demo_user::ADDRESS_STREET_ADDRESS,
        "locality": demo_user::ADDRESS_LOCALITY,
        "region": demo_user::ADDRESS_REGION,
        "postalCode": demo_user::ADDRESS_POSTAL_CODE,
        "country": demo_user::ADDRESS_COUNTRY,
    });
    let claims = jwt_part(tokens["id_token"].as_str().unwrap(), 1);
    assert_eq!(claims["address"], address);
    assert!(claims.get("name").is_none() && claims.get("email").is_none());
    assert!(tokens["scope"].as_str().unwrap().split(' ').any(|s| s == resources::SESSIONS_SCOPE), "{tokens}");
    let (status, me) = userinfo(&idp, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["address"], address);
    let keys: Vec<&String> = me.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["address", "sub"], "the sessions scope adds no claims");
}

#[tokio::test]
async fn prompt_none_login_consent() {
    let idp = TestIdp::start().await;
    let url = |prompt: &str| sign_in_url(&idp, clients::PUBLIC_ID, "openid", &[], &[("prompt", prompt)]);

    // No session: prompt=none → error redirect (Logto: error=login_required with state and iss).
    let s = url("none");
    let callback = idp.authorize(&s.url).await.unwrap();
    let q = query(&callback);
    assert_eq!(q["error"], "login_required", "{callback}");
    assert_eq!(q["state"], s.state);
    assert_eq!(q["iss"], idp.issuer());

    // With a session: prompt=none signs in silently.
    let browser = idp.browser();
    let first = url("consent");
    exchange_code(&idp, &PUBLIC, &browser.login(&first.url).await, &first).await;
    let s = url("none");
    let tokens = exchange_code(&idp, &PUBLIC, &browser.authorize(&s.url).await.unwrap(), &s).await;
    assert_eq!(jwt_part(tokens["id_token"].as_str().unwrap(), 1)["sub"], demo_user::SUB);
    // prompt=consent with a session: consent again (granted automatically), no password.
    let s = url("consent");
    exchange_code(&idp, &PUBLIC, &browser.authorize(&s.url).await.unwrap(), &s).await;
    // prompt=login, alone or in a list, asks for the password again.
    for prompt in ["login", "login consent"] {
        let s = url(prompt);
        let err = browser.authorize(&s.url).await.unwrap_err();
        assert!(err.starts_with("login page shown"), "{err}");
        exchange_code(&idp, &PUBLIC, &browser.login(&s.url).await, &s).await;
    }
    // prompt=none cannot be combined.
    let s = url("none login");
    let q = query(&browser.authorize(&s.url).await.unwrap());
    assert_eq!(q["error"], "invalid_request");
}
