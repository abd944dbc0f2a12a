//! Helpers shared by the self-tests: sign-in URLs, token requests, JWT decoding.
#![allow(dead_code, unreachable_pub, missing_docs, clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use logto_test_idp::TestIdp;
use rand::RngCore as _;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use url::Url;

pub const REDIRECT_URI: &str = "http://127.0.0.1:7777/callback";
pub const ALL_SCOPES: &str = "openid offline_access profile email phone custom_data identities roles \
    urn:logto:scope:organizations urn:logto:scope:organization_roles read:data read:org";

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub fn random_b64(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub struct SignIn {
    pub url: String,
    pub verifier: String,
    pub state: String,
}

pub fn sign_in_url(
    idp: &TestIdp,
    client_id: &str,
    scope: &str,
    resources: &[&str],
    extra: &[(&str, &str)],
) -> SignIn {
    let verifier = random_b64(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let state = random_b64(16);
    let mut url = Url::parse(&format!("{}/auth", idp.issuer())).unwrap();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("response_type", "code")
            .append_pair("scope", scope);
        for r in resources {
            q.append_pair("resource", r);
        }
        q.append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &state);
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    SignIn { url: url.into(), verifier, state }
}

pub fn query(url: &str) -> std::collections::HashMap<String, String> {
    Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

pub fn jwt_part(token: &str, i: usize) -> Value {
    let part = token.split('.').nth(i).unwrap_or_else(|| panic!("not a JWT: {token}"));
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

pub enum Auth<'a> {
    Basic(&'a str, &'a str),
    Post(&'a str, &'a str),
    None(&'a str),
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn token_request(idp: &TestIdp, auth: &Auth<'_>, params: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form: Vec<(String, String)> = params.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let mut req = http().post(idp.token_endpoint());
    match auth {
        Auth::Basic(id, secret) => {
            let raw = format!("{}:{}", enc(id), enc(secret));
            req = req.header("authorization", format!("Basic {}", STANDARD.encode(raw)));
        }
        Auth::Post(id, secret) => {
            form.push(("client_id".into(), (*id).into()));
            form.push(("client_secret".into(), (*secret).into()));
        }
        Auth::None(id) => form.push(("client_id".into(), (*id).into())),
    }
    let resp = req.form(&form).send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

/// Signs in and exchanges the code; returns the token response.
pub async fn sign_in(idp: &TestIdp, auth: &Auth<'_>, client_id: &str, scope: &str, res: &[&str]) -> Value {
    let s = sign_in_url(idp, client_id, scope, res, &[("prompt", "consent")]);
    let callback = idp.login(&s.url).await;
    assert!(callback.starts_with(REDIRECT_URI), "{callback}");
    let q = query(&callback);
    assert_eq!(q["state"], s.state);
    assert_eq!(q["iss"], idp.issuer());
    let (status, body) = token_request(
        idp,
        auth,
        &[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("code_verifier", &s.verifier),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub fn assert_logto_error(body: &Value, error: &str) {
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["code"], format!("oidc.{error}"), "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert!(body["error_description"].is_string(), "{body}");
}

/// Checks `state` and `iss` of a callback URL and exchanges its code; returns the token response.
pub async fn exchange_code(idp: &TestIdp, auth: &Auth<'_>, callback: &str, sign_in: &SignIn) -> Value {
    assert!(callback.starts_with(REDIRECT_URI), "{callback}");
    let q = query(callback);
    assert_eq!(q["state"], sign_in.state);
    assert_eq!(q["iss"], idp.issuer());
    let code = q.get("code").unwrap_or_else(|| panic!("no code in {callback}"));
    let (status, body) = token_request(
        idp,
        auth,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", &sign_in.verifier),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Asserts an error response: HTTP status, Logto's error shape, and the exact description.
pub fn assert_error(status: StatusCode, body: &Value, want: StatusCode, error: &str, description: &str) {
    assert_eq!(status, want, "{body}");
    assert_logto_error(body, error);
    assert_eq!(body["error_description"], description, "{body}");
}
