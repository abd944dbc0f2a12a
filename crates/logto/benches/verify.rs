//! ID-token verification (JWKS cached) and sign-in URL building.
//!
//! Run: `cargo bench -p logto --bench verify`

use criterion::{Criterion, criterion_group, criterion_main};
use logto::{LogtoConfig, OidcCore, ProviderMetadata, SignInOptions, UserInfoScope};
use logto_test_idp::forge::{self, SigningKey};
use std::hint::black_box;

const ISSUER: &str = "https://tenant.logto.app/oidc";

fn metadata() -> ProviderMetadata {
    serde_json::from_value(serde_json::json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{ISSUER}/auth"),
        "token_endpoint": format!("{ISSUER}/token"),
        "userinfo_endpoint": format!("{ISSUER}/me"),
        "jwks_uri": format!("{ISSUER}/jwks"),
    }))
    .expect("metadata")
}

fn id_token_verification(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut group = c.benchmark_group("verify_id_token");
    for alg in ["ES384", "RS256"] {
        let key = SigningKey::generate(alg, "k1");
        let core =
            OidcCore::from_metadata_and_jwks(metadata(), &forge::jwks(&[&key]), reqwest::Client::new())
                .expect("core");
        let mut claims = forge::id_token_claims(ISSUER, "app-id", "user-1");
        claims["name"] = "Ada Lovelace".into();
        claims["email"] = "ada@example.com".into();
        let token = key.sign(&claims, "JWT");
        runtime.block_on(core.verify_id_token(&token, "app-id")).expect("valid token");
        group.bench_function(format!("{alg}/sdk"), |b| {
            b.iter(|| runtime.block_on(core.verify_id_token(black_box(&token), "app-id")).expect("valid"))
        });
        // The floor: aws-lc-rs checking the same signature with an already parsed key.
        let raw = raw_signature_check(&key, &token);
        group.bench_function(format!("{alg}/raw-aws-lc-rs-signature"), |b| b.iter(|| raw(black_box(&token))));
    }
    group.finish();
}

fn raw_signature_check(key: &SigningKey, token: &str) -> impl Fn(&str) {
    use aws_lc_rs::signature::{self, ParsedPublicKey};
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let algorithm: &'static dyn signature::VerificationAlgorithm = match key.alg() {
        "ES384" => &signature::ECDSA_P384_SHA384_FIXED,
        _ => &signature::RSA_PKCS1_2048_8192_SHA256,
    };
    let parsed = ParsedPublicKey::new(algorithm, key.public_key_bytes()).expect("public key");
    let check = move |token: &str| {
        let (input, signature) = token.rsplit_once('.').expect("JWS");
        let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64");
        parsed.verify_sig(input.as_bytes(), &signature).expect("signature");
    };
    check(token);
    check
}

fn sign_in_url(c: &mut Criterion) {
    // Building the URL is pure; the client adds one storage write, measured separately.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let config = LogtoConfig::new("https://tenant.logto.app", "app-id")
        .with_scopes([UserInfoScope::Email, UserInfoScope::Organizations])
        .with_resources(["https://api.example.com"]);
    let client = logto::LogtoClient::builder(config).provider_metadata(metadata()).build().expect("client");
    c.bench_function("sign_in_url", |b| {
        b.iter(|| {
            runtime.block_on(client.sign_in(SignInOptions::new(black_box("https://app.example/callback"))))
        })
    });
}

criterion_group!(benches, id_token_verification, sign_in_url);
criterion_main!(benches);
