//! What a refresh publishes for the requests waiting on the same refresh token, and how: under a
//! key named after the token's SHA-256, encrypted (AES-256-GCM) with a key derived (HKDF) from
//! the refresh token itself, so only a holder of the old token can read the new one.

use crate::client::stored::CachedAccessToken;
use crate::secret::{IdToken, RefreshToken};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::digest;
use aws_lc_rs::hkdf::{HKDF_SHA256, Salt};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// The outcome of a refresh, as shared with the others.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Publication {
    /// The token endpoint answered: the newest refresh token (the same one when it did not
    /// rotate), the ID token it returned, and the access token for the refreshed target.
    Rotated {
        refresh_token: RefreshToken,
        id_token: Option<IdToken>,
        access_token: Option<(String, CachedAccessToken)>,
        /// When it was published (milliseconds since the epoch), to tell a fresh outcome from
        /// an old rotation followed by a stale copy of a session.
        at_ms: u64,
    },
    /// The refresh failed for a reason that may pass (the server down or refusing); waiters
    /// take the same error for a few seconds.
    Failed {
        endpoint: String,
        status: Option<u16>,
        error: Option<String>,
        error_description: Option<String>,
        timeout: bool,
        message: String,
    },
    /// The identity server refused the refresh token: it is dead.
    Dead { reason: String },
}

/// The coordination keys of a refresh token: its lease and its published outcome.
pub(crate) struct Keys {
    pub(crate) lease: String,
    pub(crate) outcome: String,
}

impl Keys {
    pub(crate) fn of(refresh_token: &RefreshToken) -> Self {
        let hash = digest::digest(&digest::SHA256, refresh_token.secret().as_bytes());
        let mut hex = String::with_capacity(64);
        for byte in hash.as_ref() {
            let _ = write!(hex, "{byte:02x}");
        }
        Self { lease: format!("logto:refresh:lease:{hex}"), outcome: format!("logto:refresh:outcome:{hex}") }
    }
}

const SALT: &[u8] = b"logto refresh coordination v1";

fn key_of(refresh_token: &RefreshToken) -> Option<LessSafeKey> {
    let prk = Salt::new(HKDF_SHA256, SALT).extract(refresh_token.secret().as_bytes());
    let okm = prk.expand(&[b"publication"], &AES_256_GCM).ok()?;
    Some(LessSafeKey::new(UnboundKey::from(okm)))
}

/// Seals a publication for the holders of `refresh_token`: `nonce || ciphertext || tag`.
pub(crate) fn seal(refresh_token: &RefreshToken, publication: &Publication) -> Option<Vec<u8>> {
    let key = key_of(refresh_token)?;
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new().fill(&mut nonce).ok()?;
    let mut data = serde_json::to_vec(publication).ok()?;
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data).ok()?;
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&data);
    Some(sealed)
}

/// Opens what [`seal`] made; `None` for anything else (tampered, another token's, garbage).
pub(crate) fn open(refresh_token: &RefreshToken, sealed: &[u8]) -> Option<Publication> {
    if sealed.len() < NONCE_LEN {
        return None;
    }
    let (nonce, data) = sealed.split_at(NONCE_LEN);
    let key = key_of(refresh_token)?;
    let mut data = data.to_vec();
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let plain = key.open_in_place(nonce, Aad::empty(), &mut data).ok()?;
    serde_json::from_slice(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_old_token_opens_the_publication() {
        let old = RefreshToken::from("old-refresh-token");
        let publication = Publication::Rotated {
            refresh_token: RefreshToken::from("new"),
            id_token: None,
            access_token: None,
            at_ms: 1,
        };
        let sealed = seal(&old, &publication).unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("new"), "encrypted");
        assert!(
            matches!(open(&old, &sealed), Some(Publication::Rotated { refresh_token, .. }) if refresh_token.secret() == "new")
        );
        assert!(open(&RefreshToken::from("other"), &sealed).is_none());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(open(&old, &tampered).is_none());
        assert!(open(&old, b"short").is_none());
        assert_ne!(Keys::of(&old).lease, Keys::of(&RefreshToken::from("other")).lease);
    }
}
