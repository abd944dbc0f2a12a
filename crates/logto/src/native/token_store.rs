//! [`TokenStore`] and [`NativeStorage`]: where a command-line tool keeps its user's tokens,
//! chosen once.

use super::FileStorage;
#[cfg(feature = "keyring")]
use super::KeyringStorage;
use super::noted_file::NotedFile;
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
    type Err = UnknownTokenStore;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [Self::Auto, Self::Keyring, Self::File]
            .into_iter()
            .find(|store| store.as_str() == name)
            .ok_or_else(|| UnknownTokenStore { name: name.to_owned() })
    }
}

/// A name that is not a [`TokenStore`]'s.
///
/// ```
/// let error = "vault".parse::<logto::native::TokenStore>().unwrap_err();
/// assert_eq!(error.to_string(), "unknown token store `vault` (auto, keyring, file)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown token store `{name}` (auto, keyring, file)")]
pub struct UnknownTokenStore {
    /// The name given.
    pub name: String,
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
    File(NotedFile),
    #[cfg(feature = "keyring")]
    Keyring(KeyringStorage),
}

/// How long [`TokenStore::Auto`] waits for the keyring to answer before it uses the file (a
/// keyring that hangs, or shows a prompt nobody answers, would otherwise hang the tool).
#[cfg(feature = "keyring")]
const KEYRING_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

impl NativeStorage {
    /// Opens the storage of `tool`'s user of `app_id` in `store`.
    ///
    /// With [`TokenStore::Auto`], a keyring that does not answer (within 3 s) means the file,
    /// said at `info` level, and a keyring that answers but refuses a write keeps the refresh
    /// token in the file. Whatever the store, a refresh token the file says is in a keyring
    /// that cannot be used is an error naming it, never a signed-out user; signing in or out
    /// then replaces the note.
    pub fn open(tool: &str, app_id: &str, store: TokenStore) -> Result<Self, StorageError> {
        let file = |keyring_unreachable| -> Result<Inner, StorageError> {
            Ok(Inner::File(NotedFile { file: FileStorage::for_app(tool, app_id)?, keyring_unreachable }))
        };
        let inner = match store {
            TokenStore::File => file(None)?,
            #[cfg(feature = "keyring")]
            TokenStore::Keyring => Inner::Keyring(KeyringStorage::for_app(tool, app_id)?),
            #[cfg(feature = "keyring")]
            TokenStore::Auto => match keyring_within(tool, app_id, KEYRING_WAIT) {
                Ok(keyring) => Inner::Keyring(keyring.with_file_fallback()),
                Err(error) => {
                    tracing::info!(%error, "no OS keyring; the tokens go to a private file");
                    file(Some(error.to_string()))?
                }
            },
            #[cfg(not(feature = "keyring"))]
            TokenStore::Auto => {
                file(Some("this build has no keyring (the `logto` crate's `keyring` feature)".into()))?
            }
            #[cfg(not(feature = "keyring"))]
            TokenStore::Keyring => {
                return Err(StorageError::new(
                    "no OS keyring in this build (the `logto` crate's `keyring` feature)",
                ));
            }
        };
        Ok(Self { inner })
    }

    /// Whether the refresh token goes to a keyring.
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

/// The platform's keyring, or an error when it does not answer within `wait` (the attempt goes
/// on in the background, and is dropped).
#[cfg(feature = "keyring")]
fn keyring_within(
    tool: &str,
    app_id: &str,
    wait: std::time::Duration,
) -> Result<KeyringStorage, StorageError> {
    let (sent, received) = std::sync::mpsc::channel();
    let (tool, app_id) = (tool.to_owned(), app_id.to_owned());
    std::thread::Builder::new()
        .name("logto-keyring".into())
        .spawn(move || drop(sent.send(KeyringStorage::for_app(&tool, &app_id))))
        .map_err(|e| StorageError::new(format!("no OS keyring: {e}")))?;
    received.recv_timeout(wait).map_err(|_| {
        StorageError::new(format!("no OS keyring: it did not answer within {} s", wait.as_secs()))
    })?
}

impl From<FileStorage> for NativeStorage {
    /// The tokens in `file` (one the tool chose, e.g. for a test), as [`TokenStore::File`]
    /// keeps them.
    fn from(file: FileStorage) -> Self {
        Self { inner: Inner::File(NotedFile { file, keyring_unreachable: None }) }
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
            Inner::File(noted) => write!(f, "the file {}", noted.file.path().display()),
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
