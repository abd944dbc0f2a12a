//! [`Snapshot`] and [`SnapshotStorage`]: the user's Python storage as seen by one core call.
//!
//! A Python storage (for example one over Flask's `session`) only works in the caller's thread
//! and context, so the core never calls it: the Python wrapper reads the four keys into a
//! [`Snapshot`] before the call, the core runs over a [`SnapshotStorage`] of it (on a worker
//! thread when it waits for the network), and the wrapper applies the recorded change log
//! afterwards, in the caller's context again, in the order the core wrote.

use logto::{PersistKey, Storage, StorageError};
use pyo3::prelude::*;
use std::sync::Mutex;

/// The four stored values of one user, as the Python wrapper read them.
#[pyclass(module = "logto._core", frozen)]
#[derive(Clone, Default)]
pub(crate) struct Snapshot {
    values: [Option<String>; 4],
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let present: Vec<&str> = PersistKey::ALL
            .iter()
            .zip(&self.values)
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k.as_str())
            .collect();
        f.debug_struct("Snapshot").field("present", &present).finish()
    }
}

fn index(key: PersistKey) -> usize {
    PersistKey::ALL.iter().position(|k| *k == key).unwrap_or_default()
}

#[pymethods]
impl Snapshot {
    #[new]
    #[pyo3(signature = (*, id_token=None, refresh_token=None, access_token_map=None, sign_in_session=None))]
    fn new(
        id_token: Option<String>,
        refresh_token: Option<String>,
        access_token_map: Option<String>,
        sign_in_session: Option<String>,
    ) -> Self {
        let mut snapshot = Self::default();
        for (key, value) in [
            (PersistKey::IdToken, id_token),
            (PersistKey::RefreshToken, refresh_token),
            (PersistKey::AccessTokenMap, access_token_map),
            (PersistKey::SignInSession, sign_in_session),
        ] {
            snapshot.values[index(key)] = value;
        }
        snapshot
    }
}

impl Snapshot {
    /// A snapshot holding only the ID token.
    pub(crate) fn with_id_token(id_token: Option<String>) -> Self {
        let mut snapshot = Self::default();
        snapshot.values[index(PersistKey::IdToken)] = id_token;
        snapshot
    }
}

/// One write of the core: a key and its new value (`None`: deleted).
pub(crate) type Change = (&'static str, Option<String>);

#[derive(Debug, Default)]
struct State {
    values: [Option<String>; 4],
    log: Vec<Change>,
}

/// The core's storage during one call: reads from the snapshot, writes recorded in order.
#[derive(Debug, Default)]
pub(crate) struct SnapshotStorage {
    state: Mutex<State>,
}

impl SnapshotStorage {
    pub(crate) fn new(snapshot: &Snapshot) -> Self {
        Self { state: Mutex::new(State { values: snapshot.values.clone(), log: Vec::new() }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The writes so far, in the order the core made them.
    pub(crate) fn take_log(&self) -> Vec<Change> {
        std::mem::take(&mut self.lock().log)
    }
}

#[async_trait::async_trait]
impl Storage for SnapshotStorage {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        Ok(self.lock().values[index(key)].clone())
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        let mut state = self.lock();
        state.values[index(key)] = Some(value.clone());
        state.log.push((key.as_str(), Some(value)));
        Ok(())
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        let mut state = self.lock();
        if state.values[index(key)].take().is_some() {
            state.log.push((key.as_str(), None));
        }
        Ok(())
    }
}
