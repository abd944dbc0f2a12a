//! [`SnapshotStorage`]: the user's Python storage as seen by one core call.
//!
//! A Python storage (for example one over Flask's `session`) only works in the caller's thread
//! and context, so the core never calls it: the Python wrapper reads the four keys before the
//! call, the core runs over this snapshot on a worker thread, and the wrapper writes the recorded
//! changes back after the call, in the caller's context again.

use logto::{PersistKey, Storage, StorageError};
use std::sync::Mutex;

const KEYS: usize = PersistKey::ALL.len();

/// The four values as Python passes them: a tuple in the order of [`PersistKey::ALL`].
pub(crate) type Values = (Option<String>, Option<String>, Option<String>, Option<String>);

#[derive(Debug, Default)]
struct Slots {
    values: [Option<String>; KEYS],
    changed: [bool; KEYS],
}

/// The four values of one user's storage, and which of them a call changed.
#[derive(Debug, Default)]
pub(crate) struct SnapshotStorage {
    slots: Mutex<Slots>,
}

fn index(key: PersistKey) -> usize {
    PersistKey::ALL.iter().position(|k| *k == key).unwrap_or_default()
}

impl SnapshotStorage {
    /// A snapshot of the values Python read, in the order of [`PersistKey::ALL`]
    /// (`idToken`, `refreshToken`, `accessTokenMap`, `signInSession`).
    pub(crate) fn new(values: Values) -> Self {
        let (id_token, refresh_token, access_token_map, sign_in_session) = values;
        let slots = Slots {
            values: [id_token, refresh_token, access_token_map, sign_in_session],
            changed: [false; KEYS],
        };
        Self { slots: Mutex::new(slots) }
    }

    /// A snapshot holding only the ID token.
    pub(crate) fn with_id_token(id_token: Option<String>) -> Self {
        let mut slots = Slots::default();
        slots.values[index(PersistKey::IdToken)] = id_token;
        Self { slots: Mutex::new(slots) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The changed keys with their new values (`None`: deleted), in the order of
    /// [`PersistKey::ALL`].
    pub(crate) fn changes(&self) -> Vec<(&'static str, Option<String>)> {
        let slots = self.lock();
        PersistKey::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| slots.changed[*i])
            .map(|(i, key)| (key.as_str(), slots.values[i].clone()))
            .collect()
    }
}

#[async_trait::async_trait]
impl Storage for SnapshotStorage {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        Ok(self.lock().values[index(key)].clone())
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        let mut slots = self.lock();
        slots.values[index(key)] = Some(value);
        slots.changed[index(key)] = true;
        Ok(())
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        let mut slots = self.lock();
        let i = index(key);
        if slots.values[i].is_some() {
            slots.values[i] = None;
            slots.changed[i] = true;
        }
        Ok(())
    }
}
