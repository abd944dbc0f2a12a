//! Random `state` and PKCE (RFC 7636, S256) values.

use aws_lc_rs::{digest, rand::SecureRandom};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

fn random_urlsafe(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // The system RNG only fails if the OS has no entropy source at all; nothing can run then.
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::SystemRandom::new().fill(&mut buffer).expect("the system random source failed");
    URL_SAFE_NO_PAD.encode(buffer)
}

/// A random `state` (32 bytes, base64url).
pub fn generate_state() -> String {
    random_urlsafe(32)
}

/// A random PKCE code verifier (32 bytes, base64url: 43 characters).
pub fn generate_code_verifier() -> String {
    random_urlsafe(32)
}

/// The S256 code challenge of a verifier: `base64url(sha256(verifier))`.
pub fn generate_code_challenge(code_verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, code_verifier.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            generate_code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_values_are_long_and_distinct() {
        let (a, b) = (generate_state(), generate_state());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(generate_code_verifier().len(), 43);
        assert!(
            constant_time_eq(&a, &a.clone()) && !constant_time_eq(&a, &b) && !constant_time_eq("a", "ab")
        );
    }
}
