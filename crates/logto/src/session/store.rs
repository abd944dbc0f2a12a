//! [`SessionStore`]: where session records live, saved atomically by version, and
//! [`MemorySessionStore`] for development and tests (`logto-redis` has the Redis store).

use super::SessionId;
use crate::error::StorageError;
use async_trait::async_trait;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A record as the store holds it: its bytes (JSON) and its version, bumped by every save.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// The version the store holds (1 after the first save).
    pub version: u64,
    /// The record's bytes.
    pub data: Vec<u8>,
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSession").field("version", &self.version).finish_non_exhaustive()
    }
}

/// What a save answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Saved; the record now has this version.
    Saved(u64),
    /// Not saved: the stored version is not the expected one (another request saved the
    /// record, or it was deleted, or it exists where a new one was to be created).
    Conflict,
}

/// Session records keyed by [`SessionId`], each with a version and a time to live.
///
/// A save is a compare-and-set: it succeeds only when the stored version is the one expected
/// (`None`: no record may exist yet), bumps it and resets the time to live, all in one step. The
/// session engine replays a request's changes on the newer record after a conflict, so no save
/// ever overwrites another request's blindly and no instance's clock matters.
///
/// ```
/// use logto::session::{MemorySessionStore, SaveOutcome, SessionId, SessionStore};
/// use std::time::Duration;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let store = MemorySessionStore::new();
/// let id = SessionId::generate();
/// let ttl = Duration::from_secs(60);
/// assert_eq!(store.save(&id, None, b"{}", ttl).await.unwrap(), SaveOutcome::Saved(1));
/// assert_eq!(store.save(&id, None, b"{}", ttl).await.unwrap(), SaveOutcome::Conflict);
/// assert_eq!(store.save(&id, Some(1), b"{}", ttl).await.unwrap(), SaveOutcome::Saved(2));
/// assert_eq!(store.load(&id).await.unwrap().unwrap().version, 2);
/// # });
/// ```
#[async_trait]
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// The record of `id`, or `None` when unknown or expired.
    async fn load(&self, id: &SessionId) -> Result<Option<StoredSession>, StorageError>;

    /// Saves `data` under `id` for `ttl` if the stored version is `expected` (`None`: absent).
    async fn save(
        &self,
        id: &SessionId,
        expected: Option<u64>,
        data: &[u8],
        ttl: Duration,
    ) -> Result<SaveOutcome, StorageError>;

    /// Deletes the record of `id` (no error if there is none).
    async fn delete(&self, id: &SessionId) -> Result<(), StorageError>;
}

/// Sessions in this process's memory, for development and tests: they are lost on restart and
/// not shared between processes. Entries expire; at most `max_entries` are kept (the ones
/// closest to expiry go first).
#[derive(Default)]
pub struct MemorySessionStore {
    entries: Mutex<HashMap<SessionId, Entry>>,
    max_entries: Option<usize>,
}

struct Entry {
    expires: Instant,
    version: u64,
    data: Vec<u8>,
}

impl fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySessionStore").field("entries", &self.len()).finish()
    }
}

impl MemorySessionStore {
    /// An empty store of at most 100,000 sessions.
    pub fn new() -> Self {
        Self::with_capacity(100_000)
    }

    /// An empty store of at most `max_entries` sessions.
    pub fn with_capacity(max_entries: usize) -> Self {
        Self { entries: Mutex::default(), max_entries: Some(max_entries) }
    }

    /// How many sessions are held (expired ones included until they are swept).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Entry>> {
        // A panic elsewhere while holding the lock leaves a consistent map: go on with it.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn load(&self, id: &SessionId) -> Result<Option<StoredSession>, StorageError> {
        let now = Instant::now();
        let entries = self.lock();
        Ok(entries
            .get(id)
            .filter(|entry| entry.expires > now)
            .map(|entry| StoredSession { version: entry.version, data: entry.data.clone() }))
    }

    async fn save(
        &self,
        id: &SessionId,
        expected: Option<u64>,
        data: &[u8],
        ttl: Duration,
    ) -> Result<SaveOutcome, StorageError> {
        let now = Instant::now();
        let mut entries = self.lock();
        let current = entries.get(id).filter(|entry| entry.expires > now).map(|entry| entry.version);
        if current != expected {
            return Ok(SaveOutcome::Conflict);
        }
        let version = current.unwrap_or(0) + 1;
        entries.insert(id.clone(), Entry { expires: now + ttl, version, data: data.to_vec() });
        if let Some(max) = self.max_entries
            && entries.len() > max
        {
            entries.retain(|_, entry| entry.expires > now);
            while entries.len() > max {
                let soonest = entries.iter().min_by_key(|(_, entry)| entry.expires).map(|(id, _)| id.clone());
                match soonest {
                    Some(soonest) => drop(entries.remove(&soonest)),
                    None => break,
                }
            }
        }
        Ok(SaveOutcome::Saved(version))
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StorageError> {
        self.lock().remove(id);
        Ok(())
    }
}

/// A shared store is a store (several layers or app instances in one process over one store).
#[async_trait]
impl<T: SessionStore + ?Sized> SessionStore for std::sync::Arc<T> {
    async fn load(&self, id: &SessionId) -> Result<Option<StoredSession>, StorageError> {
        (**self).load(id).await
    }

    async fn save(
        &self,
        id: &SessionId,
        expected: Option<u64>,
        data: &[u8],
        ttl: Duration,
    ) -> Result<SaveOutcome, StorageError> {
        (**self).save(id, expected, data, ttl).await
    }

    async fn delete(&self, id: &SessionId) -> Result<(), StorageError> {
        (**self).delete(id).await
    }
}
