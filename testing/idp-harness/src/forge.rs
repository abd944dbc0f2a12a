//! Signing keys and hand-made JWTs for tests and benchmarks: tokens a real server would never
//! issue (wrong signature, `alg: none`, HMAC keyed with the public key, missing claims, ...).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

enum Inner {
    Ec(EcdsaKeyPair, &'static str),
    Rsa(RsaKeyPair, &'static dyn signature::RsaEncoding),
}

/// A signing key of one algorithm with a `kid`.
#[allow(missing_debug_implementations)]
pub struct SigningKey {
    alg: &'static str,
    kid: String,
    inner: Inner,
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl SigningKey {
    /// A new key for `alg` (ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512).
    pub fn generate(alg: &'static str, kid: &str) -> Self {
        let ec = |signing: &'static signature::EcdsaSigningAlgorithm, crv| {
            Inner::Ec(EcdsaKeyPair::generate(signing).expect("EC key"), crv)
        };
        let rsa = |encoding: &'static dyn signature::RsaEncoding| {
            Inner::Rsa(RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA key"), encoding)
        };
        let inner = match alg {
            "ES256" => ec(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, "P-256"),
            "ES384" => ec(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, "P-384"),
            "ES512" => ec(&signature::ECDSA_P521_SHA512_FIXED_SIGNING, "P-521"),
            "RS256" => rsa(&signature::RSA_PKCS1_SHA256),
            "RS384" => rsa(&signature::RSA_PKCS1_SHA384),
            "RS512" => rsa(&signature::RSA_PKCS1_SHA512),
            "PS256" => rsa(&signature::RSA_PSS_SHA256),
            "PS384" => rsa(&signature::RSA_PSS_SHA384),
            "PS512" => rsa(&signature::RSA_PSS_SHA512),
            other => panic!("unsupported algorithm {other}"),
        };
        Self { alg, kid: kid.to_owned(), inner }
    }

    /// The algorithm.
    pub fn alg(&self) -> &'static str {
        self.alg
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK (with `kid`, `alg` and `use`).
    pub fn jwk(&self) -> Value {
        match &self.inner {
            Inner::Ec(pair, crv) => {
                let point = pair.public_key().as_ref();
                let size = (point.len() - 1) / 2;
                json!({"kty": "EC", "crv": crv, "kid": self.kid, "alg": self.alg, "use": "sig",
                       "x": b64(&point[1..1 + size]), "y": b64(&point[1 + size..])})
            }
            Inner::Rsa(pair, _) => {
                let public = pair.public_key();
                json!({"kty": "RSA", "kid": self.kid, "alg": self.alg, "use": "sig",
                       "n": b64(public.modulus().big_endian_without_leading_zero()),
                       "e": b64(public.exponent().big_endian_without_leading_zero())})
            }
        }
    }

    /// The raw public key bytes (EC point or RSA DER), for HMAC-confusion tests.
    pub fn public_key_bytes(&self) -> Vec<u8> {
        match &self.inner {
            Inner::Ec(pair, _) => pair.public_key().as_ref().to_vec(),
            Inner::Rsa(pair, _) => pair.public_key().as_ref().to_vec(),
        }
    }

    /// Signs `header.claims` as a compact JWS with exactly the given header.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let rng = SystemRandom::new();
        let signature = match &self.inner {
            Inner::Ec(pair, _) => pair.sign(&rng, input.as_bytes()).expect("EC signature").as_ref().to_vec(),
            Inner::Rsa(pair, encoding) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(*encoding, &rng, input.as_bytes(), &mut signature).expect("RSA signature");
                signature
            }
        };
        format!("{input}.{}", b64(signature))
    }

    /// Signs `header.claims` with this RSA key under another RSA algorithm than its own (`RS256`,
    /// `RS384`, `RS512`, `PS256`, `PS384`, `PS512`), for one-algorithm-per-key tests.
    pub fn sign_as(&self, alg: &str, header: &Value, claims: &Value) -> String {
        let Inner::Rsa(pair, _) = &self.inner else { panic!("sign_as needs an RSA key") };
        let encoding: &'static dyn signature::RsaEncoding = match alg {
            "RS256" => &signature::RSA_PKCS1_SHA256,
            "RS384" => &signature::RSA_PKCS1_SHA384,
            "RS512" => &signature::RSA_PKCS1_SHA512,
            "PS256" => &signature::RSA_PSS_SHA256,
            "PS384" => &signature::RSA_PSS_SHA384,
            "PS512" => &signature::RSA_PSS_SHA512,
            other => panic!("not an RSA algorithm: {other}"),
        };
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(encoding, &SystemRandom::new(), input.as_bytes(), &mut signature).expect("RSA signature");
        format!("{input}.{}", b64(signature))
    }

    /// Signs `claims` with the header `{alg, kid, typ}`.
    pub fn sign(&self, claims: &Value, typ: &str) -> String {
        self.sign_with_header(&json!({"alg": self.alg, "kid": self.kid, "typ": typ}), claims)
    }
}

/// A JWKS document of `keys`.
pub fn jwks(keys: &[&SigningKey]) -> String {
    json!({"keys": keys.iter().map(|key| key.jwk()).collect::<Vec<_>>()}).to_string()
}

/// An `alg: none` token.
pub fn unsigned(claims: &Value) -> String {
    format!("{}.{}.", b64(json!({"alg": "none"}).to_string()), b64(claims.to_string()))
}

/// An HS256 token keyed with `secret` (e.g. the server's public key bytes or JWK JSON).
pub fn hmac(secret: &[u8], kid: &str, claims: &Value) -> String {
    let header = json!({"alg": "HS256", "kid": kid, "typ": "JWT"});
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    format!("{input}.{}", b64(aws_lc_rs::hmac::sign(&key, input.as_bytes())))
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64
}

/// Valid ID-token claims for `issuer` and `client_id`, to be altered by a test.
pub fn id_token_claims(issuer: &str, client_id: &str, sub: &str) -> Value {
    let now = now();
    json!({"iss": issuer, "sub": sub, "aud": client_id, "exp": now + 3600, "iat": now})
}
