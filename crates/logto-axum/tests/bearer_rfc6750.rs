//! RFC 6750 §3 through the axum guard, with forged tokens and a failing key server: the
//! challenge always carries its error code, never repeats what the token said, and malformed
//! requests are `400 invalid_request`.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use logto::verifier::AccessTokenVerifier;
use logto::{OidcCore, ProviderMetadata};
use logto_axum::{BearerAuthLayer, BearerClaims};
use logto_test_idp::forge::{self, SigningKey};
use logto_test_idp::mock::{MockResponse, MockServer};
use serde_json::{Value, json};
use tower::ServiceExt;

const ISSUER: &str = "https://tenant.logto.app/oidc";
const API: &str = "https://api.example.com";

fn app(verifier: AccessTokenVerifier, realm: &str) -> Router {
    async fn data(BearerClaims(claims): BearerClaims) -> String {
        claims.sub.clone()
    }
    Router::new().route("/api", get(data)).route_layer(BearerAuthLayer::new(verifier).realm(realm))
}

struct Answer {
    status: StatusCode,
    challenge: String,
    body: Value,
}

async fn call(app: &Router, authorization: &[HeaderValue]) -> Answer {
    let mut request = Request::get("/api").body(Body::empty()).unwrap();
    for value in authorization {
        request.headers_mut().append(header::AUTHORIZATION, value.clone());
    }
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, challenge, body }
}

fn bearer(token: &str) -> Vec<HeaderValue> {
    vec![HeaderValue::from_str(&format!("Bearer {token}")).unwrap()]
}

fn claims(scope: &str) -> Value {
    let now = forge::now();
    json!({"iss": ISSUER, "sub": "user-1", "aud": API, "exp": now + 600, "iat": now, "scope": scope})
}

fn static_verifier(key: &SigningKey) -> AccessTokenVerifier {
    AccessTokenVerifier::from_jwks(ISSUER, &forge::jwks(&[key]), API).unwrap()
}

/// A token whose header is exactly `header` (signature of `key`, which will not verify it).
fn with_header(key: &SigningKey, header: Value) -> String {
    key.sign_with_header(&header, &claims("read"))
}

/// The characters RFC 6750 §3 allows in `error_description` and `scope` values (and what a
/// quoted `realm` can carry without escapes).
fn allowed(value: &str) -> bool {
    value.bytes().all(|b| b == 0x20 || b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

/// The `name="value"` auth-params of a challenge.
fn params(challenge: &str) -> Vec<(String, String)> {
    let rest =
        challenge.strip_prefix("Bearer").unwrap_or_else(|| panic!("not a Bearer challenge: {challenge}"));
    rest.split(", ")
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or_else(|| panic!("bad auth-param {part:?}"));
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).expect("quoted");
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

fn param(challenge: &str, name: &str) -> Option<String> {
    params(challenge).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// RFC 6750 §3 and RFC 8725 §3.10: whatever a forged token's header says (a newline, non-ASCII,
/// markup, tens of kilobytes), the answer is `401 invalid_token` with the realm, a fixed ASCII
/// description that repeats nothing of the token, and the same text in the JSON body.
#[tokio::test]
async fn attacker_text_is_never_reflected() {
    let key = SigningKey::generate("ES384", "k1");
    let app = app(static_verifier(&key), "api");
    let huge = "k".repeat(40_000);
    let headers = [
        json!({"alg": "x\ny", "kid": "k1"}),
        json!({"alg": "é<script>alert(1)</script>", "kid": "k1"}),
        json!({"alg": "ES384", "kid": "\"><img src=x>\r\nSet-Cookie: a=b"}),
        json!({"alg": "ES384", "kid": huge}),
        json!({"alg": "ES384", "kid": "k1", "typ": "é\u{0}\"\\"}),
        json!({"alg": huge}),
    ];
    for header in headers {
        let token = with_header(&key, header.clone());
        let answer = call(&app, &bearer(&token)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(param(&answer.challenge, "realm").as_deref(), Some("api"), "{}", answer.challenge);
        assert_eq!(
            param(&answer.challenge, "error").as_deref(),
            Some("invalid_token"),
            "{}",
            answer.challenge
        );
        let description = param(&answer.challenge, "error_description").expect("a description");
        assert!(allowed(&description) && description.len() <= 100, "{description:?}");
        assert!(answer.challenge.len() <= 200, "{} bytes", answer.challenge.len());
        for echoed in ["<script>", "alert(1)", "<img", "Set-Cookie", "kkkk", "x\ny", "\u{0}", "é"] {
            assert!(!answer.challenge.contains(echoed), "{echoed:?} reflected: {}", answer.challenge);
            assert!(!answer.body.to_string().contains(echoed), "{echoed:?} reflected: {}", answer.body);
        }
        assert_eq!(answer.body["error"], "invalid_token");
        assert_eq!(answer.body["error_description"], description.as_str());
    }
}

/// A realm configured with characters a header cannot carry still yields a complete challenge
/// (never a bare `Bearer` that lost the error code).
#[tokio::test]
async fn an_odd_realm_does_not_cost_the_error_code() {
    let key = SigningKey::generate("ES384", "k1");
    let app = app(static_verifier(&key), "Mein \"API\"\nbereich ü");
    let answer = call(&app, &bearer("not-a-jwt")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(param(&answer.challenge, "error").as_deref(), Some("invalid_token"), "{}", answer.challenge);
    let realm = param(&answer.challenge, "realm").expect("realm");
    assert!(allowed(&realm) && realm.contains("Mein") && realm.contains("bereich"), "{realm:?}");
}

/// RFC 6750 §3.1 `invalid_request` (400): a credential that is not a b64token (§2.1), a scheme
/// without credential, a header that is not text, and more than one `Authorization` header
/// (even when one of them is valid). Another scheme is no bearer attempt at all: 401 without
/// error code.
#[tokio::test]
async fn malformed_requests_are_400_invalid_request() {
    let key = SigningKey::generate("ES384", "k1");
    let app = app(static_verifier(&key), "api");
    let valid = key.sign(&claims("read"), "at+jwt");
    assert_eq!(call(&app, &bearer(&valid)).await.status, StatusCode::OK);
    let malformed: Vec<Vec<HeaderValue>> = vec![
        vec![HeaderValue::from_static("Bearer a b")],
        vec![HeaderValue::from_static("Bearer")],
        vec![HeaderValue::from_static("Bearer ")],
        vec![HeaderValue::from_static("Bearer a,b")],
        vec![HeaderValue::from_static("Bearer =abc")],
        vec![HeaderValue::from_bytes(b"Bearer \xe9t\xe9").unwrap()],
        vec![bearer(&valid).remove(0), HeaderValue::from_static("Bearer garbage")],
        vec![bearer(&valid).remove(0), bearer(&valid).remove(0)],
        vec![HeaderValue::from_static("Basic dXNlcjpwYXNz"), bearer(&valid).remove(0)],
    ];
    for headers in malformed {
        let answer = call(&app, &headers).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{headers:?}");
        assert_eq!(
            param(&answer.challenge, "error").as_deref(),
            Some("invalid_request"),
            "{}",
            answer.challenge
        );
        assert!(allowed(&param(&answer.challenge, "error_description").unwrap()));
        assert_eq!(answer.body["error"], "invalid_request");
    }
    for headers in [vec![], vec![HeaderValue::from_static("Basic dXNlcjpwYXNz")]] {
        let answer = call(&app, &headers).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.challenge, "Bearer realm=\"api\"", "§3.1: no error code without a bearer attempt");
    }
    // Padding and every b64token character are fine (the token is then checked, and refused).
    let answer = call(&app, &bearer("aZ09-._~+/==")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(param(&answer.challenge, "error").as_deref(), Some("invalid_token"));
}

/// RFC 6750 §3: the `scope` attribute names the scope the resource requires, all of it (a client
/// that re-requests only the first missing scope would fail again); the description names what
/// is missing. 403 `insufficient_scope` (§3.1).
#[tokio::test]
async fn insufficient_scope_names_every_required_scope() {
    let key = SigningKey::generate("ES384", "k1");
    let app = app(static_verifier(&key).require_scopes(["read", "write", "admin"]), "api");
    for (granted, missing) in [("", "read write admin"), ("read", "write admin"), ("write read", "admin")] {
        let answer = call(&app, &bearer(&key.sign(&claims(granted), "at+jwt"))).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert_eq!(param(&answer.challenge, "error").as_deref(), Some("insufficient_scope"));
        assert_eq!(
            param(&answer.challenge, "scope").as_deref(),
            Some("read write admin"),
            "{}",
            answer.challenge
        );
        let description = param(&answer.challenge, "error_description").unwrap();
        assert!(description.contains(missing), "{granted:?}: {description}");
        assert_eq!(answer.body["error"], "insufficient_scope");
    }
    let all = call(&app, &bearer(&key.sign(&claims("admin write read"), "at+jwt"))).await;
    assert_eq!(all.status, StatusCode::OK);
}

/// RFC 6750 §3.1: `invalid_token` tells the client to drop its token; when the identity server's
/// keys cannot be fetched the token may be fine, so the answer is 503 without that code.
#[tokio::test]
async fn unavailable_keys_are_503_not_invalid_token() {
    let jwks = MockServer::start(|_| MockResponse::html(500, "<html>down</html>")).await;
    let metadata: ProviderMetadata = serde_json::from_value(json!({
        "issuer": ISSUER, "authorization_endpoint": format!("{ISSUER}/auth"),
        "token_endpoint": format!("{ISSUER}/token"), "userinfo_endpoint": format!("{ISSUER}/me"),
        "jwks_uri": format!("{}/oidc/jwks", jwks.url()),
    }))
    .unwrap();
    let core = OidcCore::from_metadata(metadata, reqwest::Client::new());
    let key = SigningKey::generate("ES384", "k1");
    let app = app(AccessTokenVerifier::new(core, API), "api");
    let answer = call(&app, &bearer(&key.sign(&claims("read"), "at+jwt"))).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!answer.challenge.contains("invalid_token"), "{}", answer.challenge);
    assert_eq!(param(&answer.challenge, "realm").as_deref(), Some("api"));
    assert_eq!(answer.body["error"], "temporarily_unavailable");
    assert!(jwks.requests().len() == 1, "one JWKS request");
    // The header is well-formed text even for the oddest token parts.
    let weird =
        format!("{}.{}.x", URL_SAFE_NO_PAD.encode("{\"alg\":\"ES384\"}"), URL_SAFE_NO_PAD.encode("{}"));
    let answer = call(&app, &bearer(&weird)).await;
    assert!(answer.status.is_client_error() || answer.status.is_server_error());
}
