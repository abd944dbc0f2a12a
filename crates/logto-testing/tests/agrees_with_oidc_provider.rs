//! The kit against the repository's independent server (`testing/idp`, node `oidc-provider` set
//! up as Logto runs it): the same requests, made by hand, must get answers of the same shape
//! from both — discovery, the callback's parameters, the token response, the ID token's and the
//! user info's claims for the same scopes, and the error bodies; then a public app's refreshes:
//! rotation, API and organization tokens, a refused organization, and Logto's reuse detection.
//! Where the kit is simpler (no `at_hash`, a `sid` always), the difference is named here. Where
//! upstream oidc-provider and Logto differ (an organization token without scopes: `"scope": ""`
//! in Logto and in the kit, no `scope` upstream), the test steers clear and says so.

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use logto_test_idp::{IdpOptions, TestIdp, clients, demo_user, resources};
use logto_testing::{App, MockLogto, Settings, User};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

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

async fn discover(http: &reqwest::Client, endpoint: &str) -> Value {
    let url = format!("{endpoint}/oidc/.well-known/openid-configuration");
    http.get(url).send().await.unwrap().json().await.unwrap()
}

/// Signs in by hand: the authorization request (PKCE S256, `state`), the callback's checks, and
/// the code exchange. Returns the callback's parameters and the token response.
async fn sign_in_by_hand<F, Fut>(
    http: &reqwest::Client,
    discovery: &Value,
    client_id: &str,
    secret: Option<&str>,
    scope: &str,
    resources: &[&str],
    login: F,
) -> (Vec<(String, String)>, Value)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let verifier = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()));
    let mut auth = url::Url::parse(discovery["authorization_endpoint"].as_str().unwrap()).unwrap();
    auth.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", scope)
        .append_pair("prompt", "consent")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "state-1");
    for resource in resources {
        auth.query_pairs_mut().append_pair("resource", resource);
    }
    let callback = url::Url::parse(&login(auth.to_string()).await).unwrap();
    let params: Vec<(String, String)> = callback.query_pairs().into_owned().collect();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(param("state"), "state-1");
    assert_eq!(param("iss"), discovery["issuer"].as_str().unwrap());
    let code = param("code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
        ("client_id", client_id),
    ];
    let tokens: Value = token_request(http, discovery, client_id, secret, &form).await.1;
    (params, tokens)
}

/// A token request; a public client (`secret: None`) names itself in the form.
async fn token_request(
    http: &reqwest::Client,
    discovery: &Value,
    client_id: &str,
    secret: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let mut request = http.post(discovery["token_endpoint"].as_str().unwrap());
    let form: Vec<_> = match secret {
        Some(secret) => {
            request = request.basic_auth(client_id, Some(secret));
            form.iter().filter(|(k, _)| *k != "client_id").collect()
        }
        None => form.iter().collect(),
    };
    let answer = request.form(&form).send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap())
}

/// Runs the same requests against a server: `login` turns the sign-in URL into the callback.
async fn observe<F, Fut>(endpoint: &str, client_id: &str, secret: &str, login: F) -> Observed
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let http = reqwest::Client::new();
    let discovery = discover(&http, endpoint).await;
    let (params, tokens) =
        sign_in_by_hand(&http, &discovery, client_id, Some(secret), SCOPES, &[], login).await;
    let token_endpoint = discovery["token_endpoint"].as_str().unwrap().to_owned();
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

/// What one server answered a public app's refreshes: rotation, resource and organization
/// tokens, a refused organization, and Logto's reuse detection.
#[derive(Debug, PartialEq)]
struct RefreshObserved {
    /// A refresh for the API resource: status, the response's fields, its access token's claims.
    api: (u16, BTreeSet<String>, BTreeSet<String>),
    /// Whether that refresh answered a refresh token other than the one presented.
    rotated: bool,
    /// The access token's audience for the API and for organization `org-acme`.
    audiences: (Value, Value),
    /// A refresh for organization `org-acme`: status and its access token's claims.
    organization: (u16, BTreeSet<String>),
    /// A refresh for an organization the user is not a member of: status and `error`.
    non_member: (u16, Value),
    /// The first, consumed refresh token presented again: status and `error`.
    reused: (u16, Value),
    /// The newest refresh token after that reuse: status and `error` (the grant is revoked).
    newest_after_reuse: (u16, Value),
}

fn access_token_claims(tokens: &Value) -> Value {
    let token = tokens["access_token"].as_str().expect("an access token");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

async fn observe_refreshes<F, Fut>(endpoint: &str, client_id: &str, login: F) -> RefreshObserved
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let http = reqwest::Client::new();
    let discovery = discover(&http, endpoint).await;
    // `read:org` asked for: an organization token without scopes has `"scope": ""` in Logto and
    // in the kit, none at all in upstream oidc-provider.
    let scope = "openid offline_access profile urn:logto:scope:organizations read:data read:org";
    let resources = [resources::API, resources::ORGANIZATIONS];
    let (_, tokens) = sign_in_by_hand(&http, &discovery, client_id, None, scope, &resources, login).await;
    let first = tokens["refresh_token"].as_str().expect("a refresh token").to_owned();
    let refresh = |token: String, extra: (&'static str, &'static str)| {
        let (http, discovery) = (&http, &discovery);
        async move {
            let form = [
                ("grant_type", "refresh_token"),
                ("refresh_token", token.as_str()),
                ("client_id", client_id),
                extra,
            ];
            token_request(http, discovery, client_id, None, &form).await
        }
    };

    let (api_status, api) = refresh(first.clone(), ("resource", resources::API)).await;
    let second = api["refresh_token"].as_str().expect("a refresh token").to_owned();
    let (organization_status, organization) = refresh(second.clone(), ("organization_id", "org-acme")).await;
    let third = organization["refresh_token"].as_str().unwrap_or(&second).to_owned();
    let (non_member_status, non_member) =
        refresh(third.clone(), ("organization_id", demo_user::NON_MEMBER_ORGANIZATION)).await;
    let newest = non_member["refresh_token"].as_str().unwrap_or(&third).to_owned();
    let (reused_status, reused) = refresh(first, ("resource", resources::API)).await;
    let (after_status, after) = refresh(newest, ("resource", resources::API)).await;
    RefreshObserved {
        api: (api_status, keys(&api), without_optional(&keys(&access_token_claims(&api)))),
        rotated: second != tokens["refresh_token"],
        audiences: (
            access_token_claims(&api)["aud"].clone(),
            access_token_claims(&organization)["aud"].clone(),
        ),
        organization: (organization_status, without_optional(&keys(&access_token_claims(&organization)))),
        non_member: (non_member_status, non_member["error"].clone()),
        reused: (reused_status, reused["error"].clone()),
        newest_after_reuse: (after_status, after["error"].clone()),
    }
}

#[tokio::test]
async fn refresh_rotation_organization_tokens_and_reuse_detection_agree() {
    // Logto's 3-second reuse grace turned off on both, so the reuse below is detected at once.
    let idp = &TestIdp::start_with(IdpOptions {
        refresh_token_reuse_interval: Some(Duration::ZERO),
        ..Default::default()
    })
    .await;
    let reference =
        observe_refreshes(idp.endpoint(), clients::PUBLIC_ID, |url| async move { idp.login(&url).await })
            .await;

    let logto = &MockLogto::start_with(Settings {
        refresh_token_reuse_interval: Duration::ZERO,
        ..Settings::default()
    })
    .unwrap();
    logto.add_app(App::spa("spa").redirect_uri(REDIRECT));
    logto.add_user(
        User::new(demo_user::SUB)
            .username(demo_user::USERNAME)
            .api_scopes(resources::API, ["read:data"])
            .organization("org-acme", ["admin"], ["read:org"])
            .organization("org-globex", ["member"], ["read:org"]),
    );
    let kit =
        observe_refreshes(
            logto.endpoint(),
            "spa",
            |url| async move { logto.callback_for(&url).await.unwrap() },
        )
        .await;

    // Not vacuous: the reference answered what Logto answers.
    assert_eq!(reference.api.0, 200);
    assert!(reference.rotated, "a public app's refresh token rotates");
    assert_eq!(reference.audiences, (json!(resources::API), json!("urn:logto:organization:org-acme")));
    for claim in ["sub", "aud", "scope", "client_id", "iss", "exp", "iat"] {
        assert!(reference.api.2.contains(claim), "the reference's access token lacks `{claim}`");
    }
    // Logto adds `organization_id` only to a token for an API resource in an organization.
    assert!(reference.organization.1.contains("scope"), "{:?}", reference.organization);
    assert!(!reference.organization.1.contains("organization_id"), "{:?}", reference.organization);
    assert_eq!(reference.reused, (400, json!("invalid_grant")));
    assert_eq!(reference.newest_after_reuse, (400, json!("invalid_grant")), "the grant is revoked");

    assert_eq!(kit, reference);
}
