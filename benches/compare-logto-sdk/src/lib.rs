//! Shared setup of the comparison: one signing key per algorithm, the same access tokens for
//! both SDKs, and the three axum routers (unprotected, our `BearerAuthLayer`, logto-sdk's
//! `jwt_middleware`).
#![allow(missing_docs)]

use aws_lc_rs::signature::{self, ParsedPublicKey};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use axum::{Extension, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use logto::verifier::AccessTokenVerifier;
use logto_axum::{BearerAuthLayer, BearerClaims};
use logto_sdk::jwt::auth::AuthInfo;
use logto_sdk::jwt::{GlobalApiResourceVerifier, JwtValidator, JwtValidatorConfig};
use logto_test_idp::forge::{self, SigningKey};
use std::sync::Arc;
use tower::ServiceExt;

pub const ISSUER: &str = "https://bench.logto.app/oidc";
pub const AUDIENCE: &str = "https://api.example.com";
pub const SCOPE: &str = "read:data";

pub struct Setup {
    pub alg: &'static str,
    pub key: SigningKey,
    pub jwks: String,
    /// The token every "repeated" case sends.
    pub token: String,
    pub rt: tokio::runtime::Runtime,
    pub unprotected: Router,
    /// Our guard with its verified-token cache on (default capacity).
    pub ours: Router,
    /// Our guard with the cache off: every request pays the full verification.
    pub ours_uncached: Router,
    pub theirs: Router,
    pub verifier: AccessTokenVerifier,
    pub verifier_uncached: AccessTokenVerifier,
    pub validator: Arc<JwtValidator>,
    pub raw_key: ParsedPublicKey,
}

pub fn token(key: &SigningKey, jti: u64) -> String {
    let now = forge::now();
    let claims = serde_json::json!({ "iss": ISSUER, "sub": "user-1", "aud": AUDIENCE, "exp": now + 3600,
        "iat": now, "scope": SCOPE, "client_id": "app", "jti": format!("jti-{jti}") });
    key.sign(&claims, "at+jwt")
}

pub fn tokens(key: &SigningKey, count: u64) -> Vec<String> {
    (1..=count).map(|i| token(key, i)).collect()
}

/// Signing input and decoded signature, for the raw aws-lc-rs check.
pub fn split(token: &str) -> (&[u8], Vec<u8>) {
    let (input, signature) = token.rsplit_once('.').unwrap();
    (input.as_bytes(), B64.decode(signature).unwrap())
}

pub fn request(token: &str) -> Request<Body> {
    Request::get("/api").header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap()
}

pub fn call(rt: &tokio::runtime::Runtime, router: &Router, token: &str) -> StatusCode {
    rt.block_on(router.clone().oneshot(request(token))).unwrap().status()
}

/// logto-sdk's `JwtValidator::new` only fetches the JWKS over HTTP: serve it on 127.0.0.1.
fn logto_sdk_validator(jwks: String) -> Arc<JwtValidator> {
    let server = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = server.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/oidc/jwks", get(move || async move { jwks }));
    server.spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = JwtValidatorConfig::new(format!("http://{addr}/oidc/jwks"), ISSUER);
    let verifier = GlobalApiResourceVerifier::new(AUDIENCE, vec![SCOPE]);
    let validator = server.block_on(JwtValidator::new(config, Box::new(verifier))).expect("logto-sdk validator");
    server.shutdown_background();
    Arc::new(validator)
}

impl Setup {
    pub fn new(alg: &'static str) -> Self {
        let key = SigningKey::generate(alg, "k1");
        let jwks = forge::jwks(&[&key]);
        let token = token(&key, 0);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();

        async fn open() -> &'static str {
            "user-1"
        }
        async fn ours_handler(BearerClaims(claims): BearerClaims) -> String {
            claims.sub.clone()
        }
        async fn theirs_handler(Extension(info): Extension<AuthInfo>) -> String {
            info.sub
        }
        let unprotected = Router::new().route("/api", get(open));
        let verifier = AccessTokenVerifier::from_jwks(ISSUER, &jwks, AUDIENCE).unwrap().require_scopes([SCOPE]);
        let verifier_uncached = AccessTokenVerifier::from_jwks(ISSUER, &jwks, AUDIENCE)
            .unwrap()
            .require_scopes([SCOPE])
            .cache_capacity(0);
        let ours = Router::new()
            .route("/api", get(ours_handler))
            .route_layer(BearerAuthLayer::new(verifier.clone()));
        let ours_uncached = Router::new()
            .route("/api", get(ours_handler))
            .route_layer(BearerAuthLayer::new(verifier_uncached.clone()));
        let validator = logto_sdk_validator(jwks.clone());
        let theirs = Router::new()
            .route("/api", get(theirs_handler))
            .route_layer(axum::middleware::from_fn(
                logto_sdk::axum::jwt_middleware::<GlobalApiResourceVerifier>,
            ))
            .layer(Extension(validator.clone()));
        let algorithm: &'static dyn signature::VerificationAlgorithm = match alg {
            "ES384" => &signature::ECDSA_P384_SHA384_FIXED,
            _ => &signature::RSA_PKCS1_2048_8192_SHA256,
        };
        let raw_key = ParsedPublicKey::new(algorithm, key.public_key_bytes()).unwrap();

        let setup = Self {
            alg,
            key,
            jwks,
            token,
            rt,
            unprotected,
            ours,
            ours_uncached,
            theirs,
            verifier,
            verifier_uncached,
            validator,
            raw_key,
        };
        // Every path accepts the token before anything is measured.
        for router in [&setup.unprotected, &setup.ours, &setup.ours_uncached, &setup.theirs] {
            assert_eq!(call(&setup.rt, router, &setup.token), StatusCode::OK, "{alg}");
        }
        let (input, sig) = split(&setup.token);
        setup.raw_key.verify_sig(input, &sig).unwrap();
        setup.validator.validate_jwt(&setup.token).unwrap();
        setup
    }
}
