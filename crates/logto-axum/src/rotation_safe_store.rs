//! [`RotationSafeStore`]: a session store wrapper that never lets a save replace a newer refresh
//! token with an older one.
//!
//! Two requests of one browser session each load the session at their start. If the first
//! refreshes (Logto rotates the refresh token and consumes the old one) and the second then
//! saves its copy for another reason, a plain store writes the consumed token back, and the next
//! refresh presents it: the grant is revoked. Every refresh-token write is stamped (see
//! [`SessionStorage`](crate::SessionStorage)); on save this wrapper keeps the stored tokens when
//! they are newer than the ones being saved, and drops the tokens of a copy whose session was
//! deleted meanwhile (signed out), so a sign-out is not undone.

use async_trait::async_trait;
use logto::PersistKey;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::Result;

/// The session key of the refresh token's write time (milliseconds since the epoch).
pub(crate) const REFRESH_TOKEN_STAMP: &str = "logto.refreshTokenAt";

/// The session keys that travel with a refresh token.
fn token_keys() -> [String; 4] {
    [
        crate::storage::SessionStorage::key_of(PersistKey::RefreshToken),
        crate::storage::SessionStorage::key_of(PersistKey::IdToken),
        crate::storage::SessionStorage::key_of(PersistKey::AccessTokenMap),
        REFRESH_TOKEN_STAMP.to_owned(),
    ]
}

fn stamp(record: &Record) -> Option<u64> {
    record.data.get(REFRESH_TOKEN_STAMP).and_then(serde_json::Value::as_u64)
}

/// Wraps any session store (memory, Redis, ...) so a stale copy of a session never brings back
/// a consumed refresh token. [`SessionConfig::layer`](crate::SessionConfig::layer) applies it.
///
/// ```
/// use logto_axum::RotationSafeStore;
/// use tower_sessions::MemoryStore;
/// let store = RotationSafeStore::new(MemoryStore::default());
/// # drop(store);
/// ```
#[derive(Debug, Clone)]
pub struct RotationSafeStore<S> {
    inner: S,
}

impl<S> RotationSafeStore<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

#[async_trait]
impl<S: SessionStore + Clone> SessionStore for RotationSafeStore<S> {
    async fn create(&self, record: &mut Record) -> Result<()> {
        self.inner.create(record).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let Some(saving) = stamp(record) else {
            // No token in this copy (signed out, or never signed in): nothing to protect.
            return self.inner.save(record).await;
        };
        match self.inner.load(&record.id).await? {
            None => {
                // The session ended meanwhile (a sign-out in another request deleted it): a
                // stale copy does not bring it back signed in.
                tracing::debug!("dropping the tokens of a stale copy of a session that ended");
                let mut emptied = record.clone();
                for key in token_keys() {
                    emptied.data.remove(&key);
                }
                self.inner.save(&emptied).await
            }
            Some(stored) if stamp(&stored).is_some_and(|stored| stored > saving) => {
                tracing::debug!("keeping the newer refresh token of the stored session over a stale copy");
                let mut merged = record.clone();
                for key in token_keys() {
                    match stored.data.get(&key) {
                        Some(value) => merged.data.insert(key, value.clone()),
                        None => merged.data.remove(&key),
                    };
                }
                self.inner.save(&merged).await
            }
            _ => self.inner.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        self.inner.load(id).await
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.inner.delete(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use tower_sessions::MemoryStore;
    use tower_sessions::cookie::time::{Duration, OffsetDateTime};

    fn record(id: Id, refresh: &str, at: u64, extra: &str) -> Record {
        let mut data = HashMap::new();
        data.insert("logto.refreshToken".to_owned(), serde_json::json!(refresh));
        data.insert(REFRESH_TOKEN_STAMP.to_owned(), serde_json::json!(at));
        data.insert("app.note".to_owned(), serde_json::json!(extra));
        Record { id, data, expiry_date: OffsetDateTime::now_utc() + Duration::hours(1) }
    }

    #[tokio::test]
    async fn a_stale_copy_keeps_the_newer_token_and_its_own_data() {
        let store = RotationSafeStore::new(MemoryStore::default());
        let mut first = record(Id::default(), "r1", 1, "first");
        store.create(&mut first).await.unwrap();
        let id = first.id;
        store.save(&record(id, "r2", 2, "rotated")).await.unwrap();
        store.save(&record(id, "r1", 1, "stale request's change")).await.unwrap();
        let stored = store.load(&id).await.unwrap().unwrap();
        assert_eq!(stored.data["logto.refreshToken"], "r2", "the consumed token did not come back");
        assert_eq!(stored.data["app.note"], "stale request's change", "the app's own data is saved");
        store.save(&record(id, "r3", 3, "newer")).await.unwrap();
        assert_eq!(store.load(&id).await.unwrap().unwrap().data["logto.refreshToken"], "r3");
    }

    #[tokio::test]
    async fn a_stale_copy_does_not_undo_a_sign_out() {
        let store = RotationSafeStore::new(MemoryStore::default());
        let mut signed_in = record(Id::default(), "r1", 1, "signed in");
        store.create(&mut signed_in).await.unwrap();
        // A request signs out (the record is deleted) while another one, which loaded the
        // session before, is still running; that one saves its copy last.
        store.delete(&signed_in.id).await.unwrap();
        store.save(&record(signed_in.id, "r1", 5, "late request")).await.unwrap();
        if let Some(stored) = store.load(&signed_in.id).await.unwrap() {
            for key in token_keys() {
                assert!(!stored.data.contains_key(&key), "{key} came back after the sign-out");
            }
        }
    }

    #[tokio::test]
    async fn a_removal_of_the_refresh_token_wins_over_an_older_stored_one() {
        let store = RotationSafeStore::new(MemoryStore::default());
        let mut signed_in = record(Id::default(), "r1", 1, "signed in");
        store.create(&mut signed_in).await.unwrap();
        store.save(&record(signed_in.id, "r2", 2, "rotated")).await.unwrap();
        // The session ended (the grant was refused): the token removed, the removal stamped.
        let mut ended = record(signed_in.id, "unused", 3, "ended");
        ended.data.remove("logto.refreshToken");
        store.save(&ended).await.unwrap();
        let stored = store.load(&signed_in.id).await.unwrap().unwrap();
        assert!(!stored.data.contains_key("logto.refreshToken"), "the ended session stays ended");
    }
}
