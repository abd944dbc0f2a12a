//! The bearer guard on one core: requests per second for a protected route vs the same route
//! unprotected, ES384 and RS256, a fresh token every time (cache off) vs a repeated token (cache),
//! and the raw aws-lc-rs signature verification of the same key for reference.
//!
//! `cargo bench -p logto-axum --bench bearer`
#![allow(missing_docs)]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{
    ECDSA_P384_SHA384_FIXED, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, UnparsedPublicKey,
};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logto::verifier::AccessTokenVerifier;
use logto_axum::{BearerAuthLayer, BearerClaims};
use std::hint::black_box;
use tower::ServiceExt;

const ISSUER: &str = "https://bench.logto.app/oidc";
const AUDIENCE: &str = "https://api.example.com";

enum Signer {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

struct Keys {
    alg: &'static str,
    signer: Signer,
    jwks: String,
    public: Vec<u8>,
}

fn keys(alg: &'static str) -> Keys {
    let rng = SystemRandom::new();
    match alg {
        "ES384" => {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
            let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
            let point = key.public_key().as_ref().to_vec();
            let jwks = serde_json::json!({ "keys": [{ "kty": "EC", "crv": "P-384", "kid": "k1", "alg": "ES384",
                "use": "sig", "x": B64.encode(&point[1..49]), "y": B64.encode(&point[49..]) }] });
            Keys { alg, signer: Signer::Ec(key), jwks: jwks.to_string(), public: point }
        }
        _ => {
            let key = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
            let components = PublicKeyComponents::<Vec<u8>>::from(key.public_key());
            let jwks = serde_json::json!({ "keys": [{ "kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
                "n": B64.encode(&components.n), "e": B64.encode(&components.e) }] });
            let public = key.public_key().as_ref().to_vec();
            Keys { alg, signer: Signer::Rsa(key), jwks: jwks.to_string(), public }
        }
    }
}

fn sign(keys: &Keys, jti: u64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let header = serde_json::json!({ "alg": keys.alg, "typ": "at+jwt", "kid": "k1" });
    let claims = serde_json::json!({ "iss": ISSUER, "sub": "user-1", "aud": AUDIENCE, "exp": now + 3600,
        "iat": now, "scope": "read:data", "client_id": "app", "jti": format!("jti-{jti}") });
    let input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
    let rng = SystemRandom::new();
    let signature = match &keys.signer {
        Signer::Ec(key) => key.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec(),
        Signer::Rsa(key) => {
            let mut out = vec![0; key.public_modulus_len()];
            key.sign(&RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut out).unwrap();
            out
        }
    };
    format!("{input}.{}", B64.encode(signature))
}

fn app(verifier: Option<AccessTokenVerifier>) -> Router {
    async fn protected(BearerClaims(claims): BearerClaims) -> String {
        claims.sub.clone()
    }
    async fn open() -> &'static str {
        "user-1"
    }
    match verifier {
        Some(verifier) => {
            Router::new().route("/api", get(protected)).route_layer(BearerAuthLayer::new(verifier))
        }
        None => Router::new().route("/api", get(open)),
    }
}

fn request(token: &str) -> Request<Body> {
    Request::get("/api").header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    for alg in ["ES384", "RS256"] {
        let keys = keys(alg);
        let mut group = c.benchmark_group(format!("bearer/{alg}"));
        group.throughput(Throughput::Elements(1));

        let token = sign(&keys, 0);
        let unprotected = app(None);
        group.bench_function("unprotected route", |b| {
            b.iter(|| rt.block_on(unprotected.clone().oneshot(request(&token))).unwrap().status())
        });

        let verifier = AccessTokenVerifier::from_jwks(ISSUER, &keys.jwks, AUDIENCE).unwrap();
        let cached = app(Some(verifier.require_scopes(["read:data"])));
        assert_eq!(rt.block_on(cached.clone().oneshot(request(&token))).unwrap().status(), 200);
        group.bench_function("protected, repeated token (cache)", |b| {
            b.iter(|| rt.block_on(cached.clone().oneshot(request(&token))).unwrap().status())
        });

        // Fresh tokens: a pool of distinct tokens, verified with the cache off.
        let tokens: Vec<String> = (0..256).map(|i| sign(&keys, i)).collect();
        let uncached = AccessTokenVerifier::from_jwks(ISSUER, &keys.jwks, AUDIENCE)
            .unwrap()
            .cache_capacity(0)
            .require_scopes(["read:data"]);
        let fresh = app(Some(uncached));
        let mut i = 0;
        group.bench_function("protected, fresh token (no cache)", |b| {
            b.iter(|| {
                i = (i + 1) % tokens.len();
                let status = rt.block_on(fresh.clone().oneshot(request(&tokens[i]))).unwrap().status();
                assert_eq!(status, 200);
            })
        });

        let (input, signature) = token.rsplit_once('.').unwrap();
        let signature = B64.decode(signature).unwrap();
        let public = match alg {
            "ES384" => UnparsedPublicKey::new(&ECDSA_P384_SHA384_FIXED, keys.public.clone()),
            _ => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, keys.public.clone()),
        };
        group.bench_function("raw aws-lc-rs signature verification", |b| {
            b.iter(|| public.verify(black_box(input.as_bytes()), black_box(&signature)).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
