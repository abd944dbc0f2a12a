//! [`TokenStore`] and [`NativeStorage`]: where a command-line tool keeps its user's tokens,
//! chosen once.

use super::FileStorage;
#[cfg(feature = "keyring")]
use super::KeyringStorage;
use crate::error::StorageError;
use crate::storage::{PersistKey, Storage};
use async_trait::async_trait;
use std::fmt;
use std::str::FromStr;

/// Where a command-line tool keeps its user's tokens.
///
/// ```
/// use logto::native::TokenStore;
///
/// assert_eq!("file".parse::<TokenStore>(), Ok(TokenStore::File));
/// assert_eq!(TokenStore::default(), TokenStore::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenStore {
    /// The OS keyring when one answers, else the private file: what `gh`, `gcloud` and `az`
    /// do. Without the crate's `keyring` feature, the file.
    #[default]
    Auto,
    /// The OS keyring (`KeyringStorage::for_app`, with the `keyring` feature); an error
    /// when none answers.
    Keyring,
    /// The private file only ([`FileStorage::for_app`]).
    File,
}

impl TokenStore {
    /// Its name: `auto`, `keyring` or `file`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Keyring => "keyring",
            Self::File => "file",
        }
    }
}

impl fmt::Display for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenStore {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [Self::Auto, Self::Keyring, Self::File]
            .into_iter()
            .find(|store| store.as_str() == name)
            .ok_or_else(|| format!("unknown token store `{name}` (auto, keyring, file)"))
    }
}

/// The storage a [`TokenStore`] chose for one tool and app: a `KeyringStorage` or a
/// [`FileStorage`]. [`native_client`](super::native_client) uses it; a tool shows its
/// [`Display`](fmt::Display) to say where the tokens are.
///
/// ```no_run
/// use logto::native::{NativeStorage, TokenStore};
///
/// let storage = NativeStorage::open("my-cli", "app-id", TokenStore::Auto)?;
/// println!("tokens kept in {storage}");
/// # Ok::<(), logto::LogtoError>(())
/// ```
#[derive(Debug, Clone)]
pub struct NativeStorage {
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    File(FileStorage),
    #[cfg(feature = "keyring")]
    Keyring(KeyringStorage),
}

impl NativeStorage {
    /// Opens the storage of `tool`'s user of `app_id` in `store`. With
    /// [`TokenStore::Auto`], a keyring that does not answer, or does not take a write (tried
    /// on a probe entry while nobody is signed in), falls back to the file, and says so at
    /// `debug` level.
    pub fn open(tool: &str, app_id: &str, store: TokenStore) -> Result<Self, StorageError> {
        let inner = match store {
            TokenStore::File => Inner::File(FileStorage::for_app(tool, app_id)?),
            #[cfg(feature = "keyring")]
            TokenStore::Keyring => Inner::Keyring(KeyringStorage::for_app(tool, app_id)?),
            #[cfg(feature = "keyring")]
            TokenStore::Auto => match KeyringStorage::for_app(tool, app_id)
                .and_then(|storage| storage.check_writable(tool, app_id).map(|()| storage))
            {
                Ok(storage) => Inner::Keyring(storage),
                Err(error) => {
                    let file = FileStorage::for_app(tool, app_id)?;
                    // A refresh token in a keyring that stopped answering is an error, not a
                    // signed-out user: the session is still there once the keyring is back.
                    if let Some(keyring) = file.get_raw(super::keyring_storage::REFRESH_TOKEN_IN)? {
                        return Err(StorageError::new(format!(
                            "the refresh token is in {keyring}, which does not answer: {error}"
                        )));
                    }
                    tracing::debug!(%error, "no OS keyring; the tokens go to a private file");
                    Inner::File(file)
                }
            },
            #[cfg(not(feature = "keyring"))]
            TokenStore::Auto => Inner::File(FileStorage::for_app(tool, app_id)?),
            #[cfg(not(feature = "keyring"))]
            TokenStore::Keyring => {
                return Err(StorageError::new(
                    "no OS keyring in this build (the `logto` crate's `keyring` feature)",
                ));
            }
        };
        Ok(Self { inner })
    }

    /// Whether the refresh token is in a keyring.
    pub fn uses_keyring(&self) -> bool {
        !matches!(self.inner, Inner::File(_))
    }

    fn storage(&self) -> &dyn Storage {
        match &self.inner {
            Inner::File(file) => file,
            #[cfg(feature = "keyring")]
            Inner::Keyring(keyring) => keyring,
        }
    }
}

impl From<FileStorage> for NativeStorage {
    /// The tokens in `file` (one the tool chose, e.g. for a test).
    fn from(file: FileStorage) -> Self {
        Self { inner: Inner::File(file) }
    }
}

#[cfg(feature = "keyring")]
impl From<KeyringStorage> for NativeStorage {
    /// The tokens in `keyring` (a store the tool chose: [`KeyringStorage::in_store`]).
    fn from(keyring: KeyringStorage) -> Self {
        Self { inner: Inner::Keyring(keyring) }
    }
}

impl fmt::Display for NativeStorage {
    /// `the file <path>`, or `<keyring> (the refresh token) and the file <path>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::File(file) => write!(f, "the file {}", file.path().display()),
            #[cfg(feature = "keyring")]
            Inner::Keyring(keyring) => {
                write!(
                    f,
                    "{} (the refresh token) and the file {}",
                    keyring.keyring(),
                    keyring.file().path().display()
                )
            }
        }
    }
}

#[async_trait]
impl Storage for NativeStorage {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        self.storage().get(key).await
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        self.storage().set(key, value).await
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        self.storage().delete(key).await
    }

    async fn set_many(&self, entries: Vec<(PersistKey, String)>) -> Result<(), StorageError> {
        self.storage().set_many(entries).await
    }
}
