//! Where the SDK keeps a user's tokens between requests: the [`Storage`] trait, its keys and the
//! in-memory implementation.

mod memory;

pub use memory::MemoryStorage;

use crate::error::StorageError;
use async_trait::async_trait;
use std::fmt;

/// The keys the SDK stores values under; the same names as the official SDKs, so a store can be
/// shared with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PersistKey {
    /// The ID token of the signed-in user.
    IdToken,
    /// The refresh token.
    RefreshToken,
    /// The cached access tokens per resource (JSON).
    AccessTokenMap,
    /// The state, code verifier and redirect URI of a sign-in in progress (JSON).
    SignInSession,
}

impl PersistKey {
    /// Every key, in a fixed order.
    pub const ALL: [PersistKey; 4] = [
        PersistKey::IdToken,
        PersistKey::RefreshToken,
        PersistKey::AccessTokenMap,
        PersistKey::SignInSession,
    ];

    /// The key's name in the storage.
    ///
    /// ```
    /// assert_eq!(logto::PersistKey::AccessTokenMap.as_str(), "accessTokenMap");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            PersistKey::IdToken => "idToken",
            PersistKey::RefreshToken => "refreshToken",
            PersistKey::AccessTokenMap => "accessTokenMap",
            PersistKey::SignInSession => "signInSession",
        }
    }

    /// The key of a storage name, if it is one of the SDK's.
    ///
    /// ```
    /// assert_eq!(logto::PersistKey::parse("idToken"), Some(logto::PersistKey::IdToken));
    /// ```
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|key| key.as_str() == name)
    }
}

impl fmt::Display for PersistKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place to keep one user's (one session's) values under the four [`PersistKey`]s.
///
/// It is object safe, so `Arc<dyn Storage>` works; implement it over a web session, a cookie or a
/// key-value store. Values are opaque strings; a storage never needs to parse them.
///
/// ```
/// use logto::{PersistKey, Storage, StorageError};
/// use std::{collections::HashMap, sync::Mutex};
///
/// #[derive(Default)]
/// struct MyStorage(Mutex<HashMap<PersistKey, String>>);
///
/// #[async_trait::async_trait]
/// impl Storage for MyStorage {
///     async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
///         Ok(self.0.lock().unwrap().get(&key).cloned())
///     }
///     async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
///         self.0.lock().unwrap().insert(key, value);
///         Ok(())
///     }
///     async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
///         self.0.lock().unwrap().remove(&key);
///         Ok(())
///     }
/// }
/// let storage: std::sync::Arc<dyn Storage> = std::sync::Arc::new(MyStorage::default());
/// # drop(storage);
/// ```
#[async_trait]
pub trait Storage: Send + Sync {
    /// The value under `key`, or `None`.
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError>;
    /// Stores `value` under `key`, replacing any previous value.
    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError>;
    /// Removes the value under `key` (no error if there is none).
    async fn delete(&self, key: PersistKey) -> Result<(), StorageError>;
    /// Stores several values as one change: a refresh's outcome (the rotated refresh token
    /// first, then the ID and access tokens it came with). The default stores them one by one,
    /// in order; a storage that can write them at once overrides it (a web session saves them
    /// in one round trip).
    async fn set_many(&self, entries: Vec<(PersistKey, String)>) -> Result<(), StorageError> {
        for (key, value) in entries {
            self.set(key, value).await?;
        }
        Ok(())
    }
}
