//! The server's signing key (EC P-384, ES384 as Logto's default), JWT signing, PKCE and random
//! values.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// One signing key with its `kid`.
pub(crate) struct SigningKey {
    pair: EcdsaKeyPair,
    kid: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new random key.
    pub(crate) fn generate() -> Self {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &SystemRandom::new())
            .expect("the system's random source works");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref())
            .expect("a key just generated parses");
        Self { pair, kid: random_token(12) }
    }

    /// The public key as a JWK (`kty: EC`, `crv: P-384`, `alg: ES384`, `use: sig`).
    pub(crate) fn jwk(&self) -> Value {
        // The uncompressed point: 0x04, then x and y of 48 bytes each.
        let point = self.pair.public_key().as_ref();
        let (x, y) = point[1..].split_at(48);
        json!({
            "kty": "EC", "use": "sig", "kid": self.kid, "alg": "ES384", "crv": "P-384",
            "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
        })
    }

    /// A compact JWS of `claims` with this key, of type `typ` (`JWT`, `at+jwt`, `logout+jwt`).
    pub(crate) fn sign(&self, typ: &str, claims: &Value) -> String {
        let header = json!({ "alg": "ES384", "typ": typ, "kid": self.kid });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature =
            self.pair.sign(&SystemRandom::new(), input.as_bytes()).expect("signing with a valid key works");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }
}

/// `n` random bytes, base64url-encoded.
pub(crate) fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    SystemRandom::new().fill(&mut bytes).expect("the system's random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The S256 code challenge of a PKCE verifier.
pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

/// The SHA-256 of a value, hex (for counters that must not hold secrets).
pub(crate) fn fingerprint(value: &str) -> String {
    digest(&SHA256, value.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}
