//! What a refresh publishes for the requests waiting on the same refresh token, and how: under a
//! key named after the token's SHA-256, encrypted (AES-256-GCM) with a key derived (HKDF) from
//! the refresh token itself, so only a holder of the old token can read the new one.
//!
//! The ciphertext is bound to its place and time: its associated data names the app, the key it
//! is published under and the time it was sealed, which travels in an authenticated header in
//! front of it. So someone who can write to the store cannot move an outcome under another key
//! or another app's, nor write an old one back after its window: such a value is refused and
//! counts as absent.

use crate::client::stored::CachedAccessToken;
use crate::coordination::RefreshPolicy;
use crate::secret::{IdToken, RefreshToken};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::digest;
use aws_lc_rs::hkdf::{HKDF_SHA256, Salt};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

impl Publication {
    /// How long it is published, so the oldest it can genuinely be when read.
    pub(crate) fn window(&self, policy: &RefreshPolicy) -> Duration {
        match self {
            Self::Rotated { .. } => policy.rotation_window,
            Self::Failed { .. } => policy.failure_window,
            Self::Dead { .. } => policy.dead_window,
        }
    }
}

/// A publication as read from the store, with the time it was sealed.
#[derive(Debug)]
pub(crate) struct Opened {
    pub(crate) publication: Publication,
    /// When it was sealed (milliseconds since the epoch): authenticated with it.
    pub(crate) at_ms: u64,
}

/// Why a published value was refused (it then counts as absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Not sealed by this format and version, or for another refresh token, key or app, or
    /// tampered with.
    Unreadable,
    /// Sealed longer ago than it is published for (or later than now), beyond the clock leeway:
    /// an old outcome written back.
    Stale,
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

/// Where an outcome is published: what its ciphertext is bound to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binding<'a> {
    /// The app (client id) whose refresh it is.
    pub(crate) app_id: &'a str,
    /// The coordinator key it is published under ([`Keys::outcome`]).
    pub(crate) key: &'a str,
}

/// The format's version: the first byte of a sealed value, and in the key derivation's salt, so
/// a value of another version is simply unreadable.
const VERSION: u8 = 2;
const SALT: &[u8] = b"logto refresh coordination v2";
/// `version || sealed at (ms since the epoch, big-endian)`.
const HEADER_LEN: usize = 1 + 8;

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn key_of(refresh_token: &RefreshToken) -> Option<LessSafeKey> {
    let prk = Salt::new(HKDF_SHA256, SALT).extract(refresh_token.secret().as_bytes());
    let okm = prk.expand(&[b"publication"], &AES_256_GCM).ok()?;
    Some(LessSafeKey::new(UnboundKey::from(okm)))
}

/// The associated data: the header, then the app id and the key, each length-prefixed (no two
/// bindings read the same).
fn associated_data(header: &[u8], binding: &Binding<'_>) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + 16 + binding.app_id.len() + binding.key.len());
    aad.extend_from_slice(header);
    for part in [binding.app_id, binding.key] {
        aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

fn header(at_ms: u64) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[0] = VERSION;
    header[1..].copy_from_slice(&at_ms.to_be_bytes());
    header
}

/// Seals a publication for the holders of `refresh_token`, bound to `binding` and to the time
/// `at_ms`: `version || at_ms || nonce || ciphertext || tag`.
pub(crate) fn seal(
    refresh_token: &RefreshToken,
    binding: &Binding<'_>,
    at_ms: u64,
    publication: &Publication,
) -> Option<Vec<u8>> {
    let key = key_of(refresh_token)?;
    let header = header(at_ms);
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new().fill(&mut nonce).ok()?;
    let mut data = serde_json::to_vec(publication).ok()?;
    let aad = associated_data(&header, binding);
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&aad[..]), &mut data).ok()?;
    let mut sealed = Vec::with_capacity(HEADER_LEN + NONCE_LEN + data.len());
    sealed.extend_from_slice(&header);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&data);
    Some(sealed)
}

/// Opens what [`seal`] made for `binding`, if it was sealed no longer ago than its kind is
/// published for under `policy`, give or take `leeway` (the clocks of the app's instances may
/// disagree that much), at `now_ms`.
pub(crate) fn open(
    refresh_token: &RefreshToken,
    binding: &Binding<'_>,
    sealed: &[u8],
    policy: &RefreshPolicy,
    leeway: Duration,
    now_ms: u64,
) -> Result<Opened, Refused> {
    if sealed.len() < HEADER_LEN + NONCE_LEN || sealed[0] != VERSION {
        return Err(Refused::Unreadable);
    }
    let (header, rest) = sealed.split_at(HEADER_LEN);
    let (nonce, data) = rest.split_at(NONCE_LEN);
    let at_ms = u64::from_be_bytes(header[1..].try_into().map_err(|_| Refused::Unreadable)?);
    let key = key_of(refresh_token).ok_or(Refused::Unreadable)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Refused::Unreadable)?;
    let aad = associated_data(header, binding);
    let mut data = data.to_vec();
    let plain = key.open_in_place(nonce, Aad::from(&aad[..]), &mut data).map_err(|_| Refused::Unreadable)?;
    let publication: Publication = serde_json::from_slice(plain).map_err(|_| Refused::Unreadable)?;
    let leeway_ms = u64::try_from(leeway.as_millis()).unwrap_or(u64::MAX);
    let window_ms = u64::try_from(publication.window(policy).as_millis()).unwrap_or(u64::MAX);
    let oldest = now_ms.saturating_sub(window_ms.saturating_add(leeway_ms));
    if at_ms < oldest || at_ms > now_ms.saturating_add(leeway_ms) {
        return Err(Refused::Stale);
    }
    Ok(Opened { publication, at_ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "app";

    fn rotated(to: &str) -> Publication {
        Publication::Rotated { refresh_token: RefreshToken::from(to), id_token: None, access_token: None }
    }

    fn bound(key: &str) -> Binding<'_> {
        Binding { app_id: APP, key }
    }

    fn opened(result: Result<Opened, Refused>) -> Option<String> {
        match result {
            Ok(Opened { publication: Publication::Rotated { refresh_token, .. }, .. }) => {
                Some(refresh_token.secret().to_owned())
            }
            _ => None,
        }
    }

    #[test]
    fn only_the_old_token_opens_the_publication() {
        let (policy, now) = (RefreshPolicy::default(), now_ms());
        let old = RefreshToken::from("old-refresh-token");
        let key = Keys::of(&old).outcome;
        let sealed = seal(&old, &bound(&key), now, &rotated("new")).unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("new"), "encrypted");
        assert_eq!(
            opened(open(&old, &bound(&key), &sealed, &policy, Duration::ZERO, now)).as_deref(),
            Some("new")
        );
        let other = RefreshToken::from("other");
        assert_eq!(
            open(&other, &bound(&key), &sealed, &policy, Duration::ZERO, now).unwrap_err(),
            Refused::Unreadable
        );
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(open(&old, &bound(&key), &tampered, &policy, Duration::ZERO, now).is_err());
        assert!(open(&old, &bound(&key), b"short", &policy, Duration::ZERO, now).is_err());
        assert_ne!(Keys::of(&old).lease, Keys::of(&other).lease);
    }

    #[test]
    fn an_outcome_copied_under_another_key_or_app_is_refused() {
        let (policy, now) = (RefreshPolicy::default(), now_ms());
        let token = RefreshToken::from("refresh-token");
        let key = Keys::of(&token).outcome;
        let sealed = seal(&token, &bound(&key), now, &rotated("new")).unwrap();
        let elsewhere = Keys::of(&RefreshToken::from("another")).outcome;
        for binding in
            [bound(&elsewhere), bound("prefix:logto:refresh:outcome"), Binding { app_id: "app2", key: &key }]
        {
            assert_eq!(
                open(&token, &binding, &sealed, &policy, Duration::ZERO, now).unwrap_err(),
                Refused::Unreadable,
                "{binding:?}"
            );
        }
        // The lengths are bound, not only the bytes: "ap" + "pkey" is not "app" + "key".
        let shifted = Binding { app_id: "ap", key: &format!("p{key}") };
        assert!(open(&token, &shifted, &sealed, &policy, Duration::ZERO, now).is_err());
    }

    #[test]
    fn a_stale_outcome_is_refused_and_a_fresh_one_works() {
        let policy = RefreshPolicy::default();
        let token = RefreshToken::from("refresh-token");
        let key = Keys::of(&token).outcome;
        let leeway = Duration::from_secs(5);
        let now = now_ms();
        let open_at = |sealed_at: u64, publication: &Publication| {
            let sealed = seal(&token, &bound(&key), sealed_at, publication).unwrap();
            open(&token, &bound(&key), &sealed, &policy, leeway, now)
        };
        let window = policy.rotation_window.as_millis() as u64 + leeway.as_millis() as u64;
        let fresh = open_at(now - 100, &rotated("new")).unwrap();
        assert_eq!(fresh.at_ms, now - 100);
        assert!(open_at(now - window, &rotated("new")).is_ok(), "the oldest a genuine rotation can be");
        assert_eq!(open_at(now - window - 1, &rotated("new")).unwrap_err(), Refused::Stale);
        assert_eq!(
            open_at(now + leeway.as_millis() as u64 + 1, &rotated("new")).unwrap_err(),
            Refused::Stale
        );
        // Each kind by its own window: a failure is shared for seconds, a dead token for minutes.
        let failed = Publication::Failed {
            endpoint: "e".into(),
            status: None,
            error: None,
            error_description: None,
            timeout: true,
            message: "m".into(),
        };
        let failure_window = policy.failure_window.as_millis() as u64 + leeway.as_millis() as u64;
        assert_eq!(open_at(now - failure_window - 1, &failed).unwrap_err(), Refused::Stale);
        assert!(open_at(now - window, &Publication::Dead { reason: "r".into() }).is_ok());

        // The time is authenticated: a header moved back in time does not open.
        let mut moved = seal(&token, &bound(&key), now - window - 10_000, &rotated("new")).unwrap();
        moved[1..HEADER_LEN].copy_from_slice(&now.to_be_bytes());
        assert_eq!(
            open(&token, &bound(&key), &moved, &policy, leeway, now).unwrap_err(),
            Refused::Unreadable
        );
    }

    #[test]
    fn a_value_of_the_previous_format_is_ignored() {
        // Version 1: `nonce || ciphertext || tag`, no associated data, another salt.
        let token = RefreshToken::from("refresh-token");
        let prk = Salt::new(HKDF_SHA256, b"logto refresh coordination v1").extract(token.secret().as_bytes());
        let v1 = LessSafeKey::new(UnboundKey::from(prk.expand(&[b"publication"], &AES_256_GCM).unwrap()));
        let mut data =
            br#"{"kind":"rotated","refresh_token":"new","id_token":null,"access_token":null,"at_ms":1}"#
                .to_vec();
        v1.seal_in_place_append_tag(Nonce::assume_unique_for_key([0; NONCE_LEN]), Aad::empty(), &mut data)
            .unwrap();
        let mut sealed = vec![0; NONCE_LEN];
        sealed.extend_from_slice(&data);
        let key = Keys::of(&token).outcome;
        for value in [&sealed[..], &[&[VERSION][..], &sealed[..]].concat()] {
            assert_eq!(
                open(&token, &bound(&key), value, &RefreshPolicy::default(), Duration::ZERO, now_ms())
                    .unwrap_err(),
                Refused::Unreadable
            );
        }
    }
}
