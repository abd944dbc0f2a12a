//! [`SessionStorage`]: the core [`Storage`] over a tower-sessions [`Session`], so each browser
//! session keeps its own tokens in the session store and the cookie holds only the session id.

use crate::rotation_safe_store::REFRESH_TOKEN_STAMP;
use async_trait::async_trait;
use logto::{PersistKey, Storage, StorageError};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use tower_sessions::Session;

/// The prefix of the session keys the SDK's values are stored under (`logto.idToken`, ...).
pub const SESSION_KEY_PREFIX: &str = "logto.";

/// A [`Storage`] backed by one request's [`Session`].
///
/// The values live in the session store (memory, Redis, ...); the browser only ever receives
/// the session id cookie, never a token. Changes are saved by the session layer at the end of
/// the request, except a new refresh token, which is saved at once: the identity server has
/// already consumed the old one, so the new one must survive a handler that fails afterwards.
/// `Debug` prints neither the values nor the session id.
///
/// ```
/// use logto::{PersistKey, Storage};
/// use logto_axum::SessionStorage;
/// use std::sync::Arc;
/// use tower_sessions::{MemoryStore, Session};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let session = Session::new(None, Arc::new(MemoryStore::default()), None);
/// let storage = SessionStorage::new(session.clone());
/// storage.set(PersistKey::IdToken, "a.b.c".into()).await.unwrap();
/// assert_eq!(session.get::<String>("logto.idToken").await.unwrap().as_deref(), Some("a.b.c"));
/// # });
/// ```
#[derive(Clone)]
pub struct SessionStorage {
    session: Session,
    /// Set for a sign-in's callback: the session id is renewed before the first token is
    /// written (see [`SessionStorage::renewing_id`]).
    renew_id: Option<Arc<AtomicBool>>,
}

impl SessionStorage {
    /// A storage over `session`.
    pub fn new(session: Session) -> Self {
        Self { session, renew_id: None }
    }

    /// A storage for a sign-in's callback: the session id is renewed (no session fixation)
    /// right before the first token is written, which the core does only once `state`, the code
    /// exchange and the ID token have passed. A callback that fails leaves the session (and the
    /// cookie) as it was; whoever planted or saw the pre-sign-in id never finds a token under it.
    pub(crate) fn renewing_id(session: Session) -> Self {
        Self { session, renew_id: Some(Arc::new(AtomicBool::new(true))) }
    }

    /// Whether the session id was renewed through [`renewing_id`](Self::renewing_id).
    pub(crate) fn renewed_id(&self) -> bool {
        self.renew_id.as_ref().is_some_and(|pending| !pending.load(Ordering::SeqCst))
    }

    async fn renew_id_before_tokens(&self, key: PersistKey) -> Result<(), StorageError> {
        if key != PersistKey::SignInSession
            && let Some(pending) = &self.renew_id
            && pending.swap(false, Ordering::SeqCst)
        {
            self.session.cycle_id().await.map_err(StorageError::new)?;
        }
        Ok(())
    }

    /// The session this storage writes to.
    pub fn session(&self) -> &Session {
        &self.session
    }

    fn key(key: PersistKey) -> String {
        Self::key_of(key)
    }

    /// The session key a value is stored under (`logto.idToken`, ...).
    pub(crate) fn key_of(key: PersistKey) -> String {
        format!("{SESSION_KEY_PREFIX}{}", key.as_str())
    }
}

impl fmt::Debug for SessionStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not even the session id: it is the session's bearer credential.
        f.debug_struct("SessionStorage").finish_non_exhaustive()
    }
}

#[async_trait]
impl Storage for SessionStorage {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        self.session.get::<String>(&Self::key(key)).await.map_err(StorageError::new)
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        self.renew_id_before_tokens(key).await?;
        self.session.insert(&Self::key(key), value).await.map_err(StorageError::new)?;
        if key == PersistKey::RefreshToken {
            self.refresh_token_changed().await?;
        }
        Ok(())
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        self.renew_id_before_tokens(key).await?;
        let removed = self.session.remove_value(&Self::key(key)).await.map_err(StorageError::new)?;
        if key == PersistKey::RefreshToken && removed.is_some() {
            self.refresh_token_changed().await?;
        }
        Ok(())
    }
}

impl SessionStorage {
    /// A write or a removal of the refresh token is stamped, so a stale copy of this session
    /// saved later can neither bring a consumed token back nor undo a sign-out (see
    /// [`RotationSafeStore`](crate::RotationSafeStore)), and saved at once.
    async fn refresh_token_changed(&self) -> Result<(), StorageError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        self.session.insert(REFRESH_TOKEN_STAMP, now).await.map_err(StorageError::new)?;
        self.session.save().await.map_err(StorageError::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_sessions::MemoryStore;

    async fn stamp(session: &Session) -> Option<u64> {
        session.get::<u64>(REFRESH_TOKEN_STAMP).await.unwrap()
    }

    #[tokio::test]
    async fn writes_and_removals_of_the_refresh_token_are_stamped() {
        let session = Session::new(None, Arc::new(MemoryStore::default()), None);
        let storage = SessionStorage::new(session.clone());
        storage.set(PersistKey::IdToken, "a.b.c".into()).await.unwrap();
        assert_eq!(stamp(&session).await, None, "only the refresh token is stamped");
        storage.set(PersistKey::RefreshToken, "r1".into()).await.unwrap();
        let written = stamp(&session).await.expect("a write is stamped");
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        storage.delete(PersistKey::RefreshToken).await.unwrap();
        let removed = stamp(&session).await.expect("a removal is stamped");
        assert!(removed > written, "{removed} > {written}");
        storage.delete(PersistKey::RefreshToken).await.unwrap();
        assert_eq!(stamp(&session).await, Some(removed), "removing nothing changes nothing");
    }
}
