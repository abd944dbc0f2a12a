use super::{PersistKey, Storage};
use crate::error::StorageError;
use async_trait::async_trait;
use std::{collections::HashMap, fmt, sync::Mutex};

/// A [`Storage`] in process memory: one per user, for tests, scripts and single-user tools.
/// Each instance is separate; the values are lost when it is dropped.
///
/// ```
/// # tokio_test();
/// # fn tokio_test() { let rt = tokio::runtime::Builder::new_current_thread().build().unwrap(); rt.block_on(async {
/// use logto::{MemoryStorage, PersistKey, Storage};
///
/// let storage = MemoryStorage::new();
/// storage.set(PersistKey::IdToken, "a.b.c".into()).await?;
/// assert_eq!(storage.get(PersistKey::IdToken).await?.as_deref(), Some("a.b.c"));
/// storage.delete(PersistKey::IdToken).await?;
/// assert_eq!(storage.get(PersistKey::IdToken).await?, None);
/// # Ok::<_, logto::StorageError>(()) }).unwrap() }
/// ```
#[derive(Default)]
pub struct MemoryStorage {
    values: Mutex<HashMap<PersistKey, String>>,
}

impl MemoryStorage {
    /// An empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PersistKey, String>> {
        // A panic while holding the lock cannot leave the map half-written, so keep using it.
        self.values.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.lock().keys().map(|key| key.as_str()).collect();
        f.debug_struct("MemoryStorage").field("keys", &keys).finish_non_exhaustive()
    }
}

#[async_trait]
impl Storage for MemoryStorage {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        Ok(self.lock().get(&key).cloned())
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        self.lock().insert(key, value);
        Ok(())
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        self.lock().remove(&key);
        Ok(())
    }
}
