//! The kit against the repository's independent server (`testing/idp`, node `oidc-provider` set
//! up as Logto runs it): the same requests, made by hand, must get answers of the same shape
//! from both — discovery, the callback's parameters, the token response, the ID token's and the
//! user info's claims for the same scopes, and the error bodies. Where the kit is simpler (no
//! `at_hash`, a `sid` always), the difference is named here.

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use logto_test_idp::{TestIdp, clients, demo_user};
use logto_testing::{App, MockLogto, User};
use serde_json::Value;
use std::collections::BTreeSet;

const REDIRECT: &str = "http://127.0.0.1/callback";
const SCOPES: &str = "openid offline_access profile email";
/// Claims one server may add that the other does not, and that no SDK decision rests on.
const OPTIONAL_CLAIMS: &[&str] = &["at_hash", "sid", "auth_time", "acr", "amr", "nonce"];

/// What one server answered.
#[derive(Debug)]
struct Observed {
    discovery: Value,
    callback_params: BTreeSet<String>,
    token_fields: BTreeSet<String>,
    id_token_claims: BTreeSet<String>,
    user_info_claims: BTreeSet<String>,
    /// The refused refresh: status, `code`, body fields.
    refused: (u16, Value, BTreeSet<String>),
    /// An unknown client at the token endpoint: status and `code`.
    unknown_client: (u16, Value),
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

fn without_optional(set: &BTreeSet<String>) -> BTreeSet<String> {
    set.iter().filter(|k| !OPTIONAL_CLAIMS.contains(&k.as_str())).cloned().collect()
}

/// Runs the same requests against a server: `login` turns the sign-in URL into the callback.
async fn observe<F, Fut>(endpoint: &str, client_id: &str, secret: &str, login: F) -> Observed
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let discovery: Value = http
        .get(format!("{endpoint}/oidc/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verifier = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()));
    let mut auth = url::Url::parse(discovery["authorization_endpoint"].as_str().unwrap()).unwrap();
    auth.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", SCOPES)
        .append_pair("prompt", "consent")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "state-1");
    let callback = url::Url::parse(&login(auth.to_string()).await).unwrap();
    let params: Vec<(String, String)> = callback.query_pairs().into_owned().collect();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(param("state"), "state-1");
    assert_eq!(param("iss"), discovery["issuer"].as_str().unwrap());

    let token_endpoint = discovery["token_endpoint"].as_str().unwrap().to_owned();
    let tokens: Value = http
        .post(&token_endpoint)
        .basic_auth(client_id, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &param("code")),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_token = tokens["id_token"].as_str().expect("an ID token");
    let payload = URL_SAFE_NO_PAD.decode(id_token.split('.').nth(1).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&payload).unwrap();
    let user_info: Value = http
        .get(discovery["userinfo_endpoint"].as_str().unwrap())
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let refused = http
        .post(&token_endpoint)
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "not-a-refresh-token")])
        .send()
        .await
        .unwrap();
    let refused_status = refused.status().as_u16();
    let refused_body: Value = refused.json().await.unwrap();
    let unknown = http
        .post(&token_endpoint)
        .basic_auth("no-such-app", Some("x"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    let unknown_status = unknown.status().as_u16();
    let unknown_body: Value = unknown.json().await.unwrap();

    Observed {
        callback_params: params.iter().map(|(k, _)| k.clone()).collect(),
        token_fields: keys(&tokens),
        id_token_claims: keys(&claims),
        user_info_claims: keys(&user_info),
        refused: (refused_status, refused_body["code"].clone(), keys(&refused_body)),
        unknown_client: (unknown_status, unknown_body["code"].clone()),
        discovery,
    }
}

#[tokio::test]
async fn the_kit_answers_like_oidc_provider_where_both_apply() {
    let idp = &TestIdp::start().await;
    let reference =
        observe(idp.endpoint(), clients::CONFIDENTIAL_ID, clients::CONFIDENTIAL_SECRET, |url| async move {
            idp.login(&url).await
        })
        .await;

    let logto = &MockLogto::start().unwrap();
    logto.add_app(App::traditional("web", "web-secret").redirect_uri(REDIRECT));
    logto.add_user(
        User::new(demo_user::SUB)
            .username(demo_user::USERNAME)
            .name(demo_user::NAME)
            .claim("picture", demo_user::PICTURE)
            .email(demo_user::EMAIL),
    );
    let kit = observe(logto.endpoint(), "web", "web-secret", |url| async move {
        logto.callback_for(&url).await.unwrap()
    })
    .await;

    for field in [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "revocation_endpoint",
    ] {
        let path = |d: &Value| d[field].as_str().unwrap().split("/oidc").nth(1).unwrap().to_owned();
        assert_eq!(path(&kit.discovery), path(&reference.discovery), "discovery `{field}`");
    }
    for field in [
        "code_challenge_methods_supported",
        "id_token_signing_alg_values_supported",
        "authorization_response_iss_parameter_supported",
    ] {
        assert_eq!(kit.discovery[field], reference.discovery[field], "discovery `{field}`");
    }
    // Not vacuous: the reference answered what Logto answers.
    for (set, expected) in [
        (&reference.callback_params, &["code", "state", "iss"][..]),
        (
            &reference.token_fields,
            &["access_token", "id_token", "refresh_token", "scope", "token_type", "expires_in"],
        ),
        (
            &reference.id_token_claims,
            &["sub", "name", "username", "picture", "email", "email_verified", "created_at"],
        ),
        (&reference.user_info_claims, &["sub", "name", "email"]),
    ] {
        for name in expected {
            assert!(set.contains(*name), "the reference server's answer lacks `{name}`: {set:?}");
        }
    }
    assert_eq!(kit.callback_params, reference.callback_params, "the callback's parameters");
    assert_eq!(kit.token_fields, reference.token_fields, "the token response's fields");
    assert_eq!(
        without_optional(&kit.id_token_claims),
        without_optional(&reference.id_token_claims),
        "the ID token's claims for `{SCOPES}`"
    );
    assert_eq!(
        without_optional(&kit.user_info_claims),
        without_optional(&reference.user_info_claims),
        "the user info's claims"
    );
    assert_eq!(kit.refused.0, reference.refused.0, "a refused refresh token's status");
    assert_eq!(kit.refused.1, reference.refused.1, "a refused refresh token's `code`");
    for field in ["code", "message", "error", "error_description"] {
        assert!(kit.refused.2.contains(field) && reference.refused.2.contains(field), "error body `{field}`");
    }
    assert_eq!(kit.unknown_client, reference.unknown_client, "an unknown client");
}
