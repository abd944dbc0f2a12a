//! [`SessionRecord`]: what one browser session holds, as one type, and the changes a request
//! makes to it ([`Change`]), which a save replays on the stored record when another request saved
//! it meanwhile.

use crate::storage::PersistKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most sign-ins one browser may have in progress at once (tabs); the oldest go first.
pub const MAX_PENDING_SIGN_INS: usize = 5;

/// One browser session: the signed-in user's tokens, the sign-ins in progress (one per `state`,
/// so several tabs can sign in at once), and the app's own values (a framework's session data).
///
/// It is stored as JSON; the store keeps its version beside it.
///
/// ```
/// let record = logto::session::SessionRecord::default();
/// assert!(record.is_empty());
/// ```
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionRecord {
    /// The stored values of the client, by [`PersistKey`] name (`idToken`, `refreshToken`,
    /// `accessTokenMap`); the sign-in session lives in `pending`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tokens: BTreeMap<String, String>,
    /// The sign-ins in progress, by `state`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, PendingSignIn>,
    /// The app's own values (what a framework's `session` holds besides Logto's).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub app: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: the values are tokens and the app's data.
        f.debug_struct("SessionRecord")
            .field("tokens", &self.tokens.keys().collect::<Vec<_>>())
            .field("pending", &self.pending.len())
            .field("app", &self.app.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A sign-in in progress: the core's sign-in session, where to return afterwards, and when it
/// started (seconds since the epoch).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PendingSignIn {
    /// The core's `signInSession` value (state, code verifier, redirect URI).
    pub sign_in_session: String,
    /// The local path to go to after the callback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
    /// When the sign-in started (seconds since the epoch).
    pub started_at: i64,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignIn").field("started_at", &self.started_at).finish_non_exhaustive()
    }
}

impl SessionRecord {
    /// Whether nothing is left worth storing.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty() && self.pending.is_empty() && self.app.is_empty()
    }

    /// Whether a user is signed in (an ID token is held; whether it is still good is the
    /// client's decision).
    pub fn holds_tokens(&self) -> bool {
        self.tokens.contains_key(PersistKey::IdToken.as_str())
            || self.tokens.contains_key(PersistKey::RefreshToken.as_str())
    }

    /// The refresh token held, if any.
    pub fn refresh_token(&self) -> Option<&str> {
        self.tokens.get(PersistKey::RefreshToken.as_str()).map(String::as_str)
    }

    /// The sign-in of `state`, unless unknown or started `lifetime` seconds or more before `now`.
    pub fn pending_sign_in(&self, state: &str, now: i64, lifetime: i64) -> Option<&PendingSignIn> {
        self.pending.get(state).filter(|entry| now - entry.started_at < lifetime)
    }

    pub(crate) fn parse(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        // A record of strings and JSON values always serialises.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Drops the sign-ins that expired, and the oldest beyond [`MAX_PENDING_SIGN_INS`].
    pub(crate) fn prune_pending(&mut self, now: i64, lifetime: i64) {
        self.pending.retain(|_, entry| now - entry.started_at < lifetime);
        while self.pending.len() > MAX_PENDING_SIGN_INS {
            let oldest =
                self.pending.iter().min_by_key(|(_, entry)| entry.started_at).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.pending.remove(&oldest);
            }
        }
    }
}

/// One change a request made to its copy of the session.
#[derive(Clone, PartialEq)]
pub(crate) enum Change {
    /// A client value written (`Some`) or removed (`None`).
    Token(PersistKey, Option<String>),
    /// A sign-in filed (`Some`) or ended (`None`) under its `state`.
    Pending(String, Option<PendingSignIn>),
    /// An app value set (`Some`) or removed (`None`).
    App(String, Option<serde_json::Value>),
}

impl Change {
    pub(crate) fn apply(&self, record: &mut SessionRecord) {
        match self {
            Change::Token(key, Some(value)) => {
                drop(record.tokens.insert(key.as_str().to_owned(), value.clone()))
            }
            Change::Token(key, None) => drop(record.tokens.remove(key.as_str())),
            Change::Pending(state, Some(entry)) => drop(record.pending.insert(state.clone(), entry.clone())),
            Change::Pending(state, None) => drop(record.pending.remove(state)),
            Change::App(key, Some(value)) => drop(record.app.insert(key.clone(), value.clone())),
            Change::App(key, None) => drop(record.app.remove(key)),
        }
    }

    pub(crate) fn is_token(&self) -> bool {
        matches!(self, Change::Token(..))
    }
}

/// Replays a request's `changes` on `stored`, the record another request saved after this one
/// loaded its copy (whose refresh token was `loaded_refresh`): the app's values and the sign-ins
/// are replayed in order (the last writer of a key wins); the token changes only when the stored
/// tokens are still the ones the copy loaded — else the store holds a newer rotation, and a stale
/// copy never brings a consumed refresh token back.
pub(crate) fn replay(stored: &mut SessionRecord, changes: &[Change], loaded_refresh: Option<&str>) {
    let tokens_unchanged = stored.refresh_token() == loaded_refresh;
    if !tokens_unchanged && changes.iter().any(Change::is_token) {
        tracing::debug!("kept the newer tokens of the stored session over a stale copy's");
    }
    for change in changes {
        if tokens_unchanged || !change.is_token() {
            change.apply(stored);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_refresh(token: &str) -> SessionRecord {
        let mut record = SessionRecord::default();
        record.tokens.insert("refreshToken".into(), token.into());
        record
    }

    #[test]
    fn a_stale_copy_keeps_the_newer_tokens_and_replays_the_rest() {
        let mut stored = with_refresh("r2");
        let changes = [
            Change::Token(PersistKey::RefreshToken, Some("r1-late".into())),
            Change::App("cart".into(), Some(serde_json::json!(3))),
        ];
        replay(&mut stored, &changes, Some("r1"));
        assert_eq!(stored.refresh_token(), Some("r2"), "the consumed token did not come back");
        assert_eq!(stored.app["cart"], 3, "the app's own change is kept");
    }

    #[test]
    fn a_copy_whose_tokens_are_current_writes_them() {
        let mut stored = with_refresh("r1");
        stored.app.insert("other".into(), serde_json::json!("theirs"));
        replay(&mut stored, &[Change::Token(PersistKey::RefreshToken, Some("r2".into()))], Some("r1"));
        assert_eq!(stored.refresh_token(), Some("r2"));
        assert_eq!(stored.app["other"], "theirs", "the other request's values stay");
    }

    #[test]
    fn pending_sign_ins_expire_and_are_bounded() {
        let mut record = SessionRecord::default();
        for at in 0..8 {
            let entry =
                PendingSignIn { sign_in_session: String::new(), return_to: None, started_at: 100 + at };
            record.pending.insert(format!("s{at}"), entry);
        }
        record.prune_pending(105, 600);
        assert_eq!(record.pending.len(), MAX_PENDING_SIGN_INS);
        assert!(record.pending.contains_key("s7") && !record.pending.contains_key("s0"));
        record.prune_pending(100 + 7 + 600, 600);
        assert!(record.pending.is_empty(), "all expired");
        assert!(record.pending_sign_in("s7", 0, 600).is_none());
    }
}
