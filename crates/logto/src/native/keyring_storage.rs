//! [`KeyringStorage`]: the refresh token of a command-line tool's user in the OS keyring.

use super::FileStorage;
use super::file_storage::REFRESH_TOKEN_IN;
use crate::error::StorageError;
use crate::storage::{PersistKey, Storage};
use async_trait::async_trait;
use keyring_core::{CredentialStore, Entry, Error as KeyringError};
use std::fmt;
use std::sync::Arc;

/// The SDK's stored values for one user of a command-line tool, with the one long-lived secret,
/// the refresh token, in an OS keyring, and the rest (the ID token, the access tokens, which
/// live minutes, and a sign-in in progress) in a private [`FileStorage`]. The keyring is
/// [`keyring-core`](keyring_core)'s: the platform's own by [`for_app`](Self::for_app) (the
/// Secret Service on Linux and BSD, as GNOME Keyring or KWallet serve it; the Keychain on
/// macOS; the Credential Manager on Windows), or any store by [`in_store`](Self::in_store).
///
/// Only the refresh token goes to the keyring because it is what grants new tokens for weeks,
/// and because keyrings hold small secrets (Windows: 2,560 bytes), where the access tokens of a
/// few APIs would not fit.
///
/// The file notes which keyring holds the refresh token (`refreshTokenIn`), and only a noted
/// keyring entry counts:
/// - a refresh token found in the file (left by a tool that had no keyring before, or by a
///   sign-in with [`TokenStore::File`](super::TokenStore::File)) moves into the keyring when it
///   is first read, under the file's lock, so two invocations never move two tokens;
/// - a sign-out deletes the entry and the note; when the keyring does not answer, it still
///   forgets the note, and the entry left behind is never read again;
/// - a tool that finds the noted keyring gone says so instead of acting signed out
///   ([`NativeStorage`](super::NativeStorage)).
///
/// Keyring calls may block (D-Bus, a prompt): the constructor's check blocks the caller, the
/// others run on Tokio's blocking threads. An error of the keyring is a [`StorageError`],
/// never an empty value: a keyring that stops answering does not sign the user out.
///
/// ```no_run
/// use logto::native::KeyringStorage;
///
/// let storage = KeyringStorage::for_app("my-cli", "app-id")?;
/// println!("refresh token in {}", storage.keyring());
/// # Ok::<(), logto::LogtoError>(())
/// ```
#[derive(Clone)]
pub struct KeyringStorage {
    entry: Arc<Entry>,
    keyring: String,
    file: FileStorage,
    /// A keyring that refuses a write leaves the refresh token in the file
    /// ([`TokenStore::Auto`](super::TokenStore::Auto)).
    file_fallback: bool,
}

impl fmt::Debug for KeyringStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyringStorage").field("keyring", &self.keyring).field("file", &self.file).finish()
    }
}

impl KeyringStorage {
    /// The platform's keyring (service `<tool>`, user `<app id>`), with the other values in
    /// [`FileStorage::for_app`]. An error when the platform has no keyring that answers: no
    /// Secret Service on the session bus, or no session bus, as on most servers and CI
    /// machines.
    pub fn for_app(tool: &str, app_id: &str) -> Result<Self, StorageError> {
        let (store, name) = platform_store()?;
        let storage = Self::in_store(store, tool, app_id, FileStorage::for_app(tool, app_id)?)?;
        Ok(Self { keyring: name.to_owned(), ..storage })
    }

    /// The keyring `store` (the entry of `service` and `user` holds the refresh token), with
    /// the other values in `file`. The store is asked once for the entry, so a keyring that
    /// does not answer is an error here, not at the first sign-in.
    ///
    /// ```
    /// use logto::native::{FileStorage, KeyringStorage};
    ///
    /// let store = logto::native::keyring_core::mock::Store::new()?;
    /// let dir = std::env::temp_dir().join("logto-keyring-doc");
    /// let storage = KeyringStorage::in_store(store, "my-cli", "app-id", FileStorage::at(dir.join("tokens.json"))?)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn in_store(
        store: Arc<CredentialStore>,
        service: &str,
        user: &str,
        file: FileStorage,
    ) -> Result<Self, StorageError> {
        let keyring = store.vendor();
        let entry = Entry::new_in_store(&store, service, user)
            .and_then(|entry| match entry.get_password() {
                Ok(_) | Err(KeyringError::NoEntry) => Ok(entry),
                Err(error) => Err(error),
            })
            .map_err(|e| keyring_error(&keyring, e))?;
        Ok(Self { entry: Arc::new(entry), keyring, file, file_fallback: false })
    }

    /// This storage, keeping the refresh token in the file when the keyring refuses a write (a
    /// keyring that answers reads but has nowhere to write, or a locked one nobody can
    /// unlock).
    pub(crate) fn with_file_fallback(self) -> Self {
        Self { file_fallback: true, ..self }
    }

    /// The keyring's name: the platform's (`the Secret Service keyring`, ...), else as its
    /// store gives it.
    pub fn keyring(&self) -> &str {
        &self.keyring
    }

    /// The file that holds everything but the refresh token.
    pub fn file(&self) -> &FileStorage {
        &self.file
    }

    /// Runs `work` (file and keyring calls, which may block) on Tokio's blocking threads.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Self) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || work(&this))
            .await
            .map_err(|e| StorageError::new(format!("{}: {e}", self.keyring)))?
    }

    fn refresh_token(&self) -> Result<Option<String>, StorageError> {
        let values = self.file.values()?;
        if values.contains_key(REFRESH_TOKEN_IN) {
            return self.read_entry();
        }
        if !values.contains_key(PersistKey::RefreshToken.as_str()) {
            // No note: an entry is a leftover of a sign-out that could not reach the keyring.
            return Ok(None);
        }
        // A token the file keeps moves into the keyring, once: under the file's lock, looked at
        // again there (another invocation may have moved it).
        enum Found {
            Token(String),
            InKeyring,
            Nothing,
        }
        let found = self.file.update(|values| {
            if values.contains_key(REFRESH_TOKEN_IN) {
                return Ok(Found::InKeyring);
            }
            let Some(token) = values.get(PersistKey::RefreshToken.as_str()).cloned() else {
                return Ok(Found::Nothing);
            };
            match self.entry.set_password(&token) {
                Ok(()) => {
                    values.insert(REFRESH_TOKEN_IN.to_owned(), self.keyring.clone());
                    values.remove(PersistKey::RefreshToken.as_str());
                }
                Err(error) if self.file_fallback => {
                    tracing::debug!(%error, keyring = %self.keyring, "the keyring refused the refresh token; it stays in the file");
                }
                Err(error) => return Err(keyring_error(&self.keyring, error)),
            }
            Ok(Found::Token(token))
        })?;
        match found {
            Found::Token(token) => Ok(Some(token)),
            Found::InKeyring => self.read_entry(),
            Found::Nothing => Ok(None),
        }
    }

    fn read_entry(&self) -> Result<Option<String>, StorageError> {
        match self.entry.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(error) => Err(keyring_error(&self.keyring, error)),
        }
    }

    /// The note first, then the entry: an invocation reading in between finds the note and
    /// the entry as it was (the previous token, or none before the first sign-in).
    fn set_refresh_token(&self, token: &str) -> Result<(), StorageError> {
        self.file.update(|values| {
            values.insert(REFRESH_TOKEN_IN.to_owned(), self.keyring.clone());
            values.remove(PersistKey::RefreshToken.as_str());
            Ok(())
        })?;
        match self.entry.set_password(token) {
            Ok(()) => Ok(()),
            Err(error) if self.file_fallback => {
                tracing::info!(%error, keyring = %self.keyring, "the keyring refused the refresh token; it goes to the file");
                self.file.update(|values| {
                    values.insert(PersistKey::RefreshToken.as_str().to_owned(), token.to_owned());
                    values.remove(REFRESH_TOKEN_IN);
                    Ok(())
                })
            }
            Err(error) => Err(keyring_error(&self.keyring, error)),
        }
    }

    /// Forgets the refresh token: the entry, then the note and any copy in the file, in one
    /// write. A keyring that does not answer does not stop a sign-out: its entry, no longer
    /// noted, is never read again.
    fn delete_refresh_token(&self) -> Result<(), StorageError> {
        match self.entry.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => {}
            Err(error) => {
                tracing::warn!(%error, keyring = %self.keyring, "could not delete the refresh token from the keyring; forgetting it");
            }
        }
        self.file.update(|values| {
            values.remove(REFRESH_TOKEN_IN);
            values.remove(PersistKey::RefreshToken.as_str());
            Ok(())
        })
    }
}

#[async_trait]
impl Storage for KeyringStorage {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        match key {
            PersistKey::RefreshToken => self.blocking(Self::refresh_token).await,
            key => self.file.get(key).await,
        }
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        match key {
            PersistKey::RefreshToken => self.blocking(move |this| this.set_refresh_token(&value)).await,
            key => self.file.set(key, value).await,
        }
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        match key {
            PersistKey::RefreshToken => self.blocking(Self::delete_refresh_token).await,
            key => self.file.delete(key).await,
        }
    }

    /// The refresh token first (a rotated one is the only way on), then the rest in one write.
    async fn set_many(&self, entries: Vec<(PersistKey, String)>) -> Result<(), StorageError> {
        let (refresh, others): (Vec<_>, Vec<_>) =
            entries.into_iter().partition(|(key, _)| *key == PersistKey::RefreshToken);
        for (_, token) in refresh {
            self.blocking(move |this| this.set_refresh_token(&token)).await?;
        }
        if others.is_empty() { Ok(()) } else { self.file.set_many(others).await }
    }
}

fn keyring_error(keyring: &str, error: KeyringError) -> StorageError {
    StorageError::new(format!("{keyring}: {error}"))
}

/// The platform's keyring and its name: the Secret Service (Linux, BSD), the Keychain
/// (macOS), the Credential Manager (Windows).
fn platform_store() -> Result<(Arc<CredentialStore>, &'static str), StorageError> {
    let unavailable = |e: KeyringError| StorageError::new(format!("no OS keyring: {e}"));
    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    let store: (Arc<CredentialStore>, _) =
        (zbus_secret_service_keyring_store::Store::new().map_err(unavailable)?, "the Secret Service keyring");
    #[cfg(target_os = "macos")]
    let store: (Arc<CredentialStore>, _) =
        (apple_native_keyring_store::keychain::Store::new().map_err(unavailable)?, "the macOS Keychain");
    #[cfg(windows)]
    let store: (Arc<CredentialStore>, _) =
        (windows_native_keyring_store::Store::new().map_err(unavailable)?, "the Windows Credential Manager");
    #[cfg(not(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "macos",
        windows
    )))]
    let store: (Arc<CredentialStore>, &'static str) =
        return Err(StorageError::new("no OS keyring on this platform"));
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage(name: &str) -> (KeyringStorage, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("logto-keyring-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let file = FileStorage::at(dir.join("tokens.json")).unwrap();
        (KeyringStorage::in_store(store, "tool", "app", file).unwrap(), dir)
    }

    fn file_text(storage: &KeyringStorage) -> String {
        std::fs::read_to_string(storage.file().path()).unwrap_or_default()
    }

    #[tokio::test]
    async fn only_the_refresh_token_goes_to_the_keyring_and_the_file_notes_where() {
        let (storage, dir) = storage("split");
        storage
            .set_many(vec![(PersistKey::RefreshToken, "rt".into()), (PersistKey::IdToken, "id".into())])
            .await
            .unwrap();
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("rt"));
        assert_eq!(storage.get(PersistKey::IdToken).await.unwrap().as_deref(), Some("id"));
        let file = file_text(&storage);
        assert!(!file.contains("\"refreshToken\"") && file.contains("\"id\""), "{file}");
        assert!(file.contains("\"refreshTokenIn\": \"Mock"), "{file}");
        storage.delete(PersistKey::RefreshToken).await.unwrap();
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap(), None);
        assert!(!file_text(&storage).contains("refreshTokenIn"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_refresh_token_left_in_the_file_moves_to_the_keyring() {
        let (storage, dir) = storage("move");
        storage.file().set(PersistKey::RefreshToken, "old".into()).await.unwrap();
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("old"));
        assert_eq!(storage.file().get(PersistKey::RefreshToken).await.unwrap(), None, "moved");
        assert_eq!(storage.read_entry().unwrap().as_deref(), Some("old"));
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("old"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn an_entry_the_file_does_not_note_is_a_leftover_and_is_not_read() {
        let (storage, dir) = storage("leftover");
        storage.entry.set_password("left behind by a sign-out").unwrap();
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn mock(storage: &KeyringStorage) -> &keyring_core::mock::Cred {
        storage.entry.as_any().downcast_ref::<keyring_core::mock::Cred>().unwrap()
    }

    fn locked() -> KeyringError {
        KeyringError::NoStorageAccess(Box::new(std::io::Error::other("the keyring is locked")))
    }

    #[tokio::test]
    async fn a_keyring_error_is_an_error_not_a_signed_out_user() {
        let (storage, dir) = storage("error");
        storage.set(PersistKey::RefreshToken, "rt".into()).await.unwrap();
        mock(&storage).set_error(locked());
        let error = storage.get(PersistKey::RefreshToken).await.unwrap_err();
        assert!(error.to_string().contains("the keyring is locked"), "{error}");
        mock(&storage).set_error(locked());
        assert!(storage.set(PersistKey::RefreshToken, "new".into()).await.is_err());
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("rt"));
        // A sign-out goes through a keyring that does not answer: the note is gone, and so is
        // the session.
        mock(&storage).set_error(locked());
        storage.delete(PersistKey::RefreshToken).await.unwrap();
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn with_the_file_fallback_a_refused_write_keeps_the_token_in_the_file() {
        let (storage, dir) = storage("fallback");
        let storage = storage.with_file_fallback();
        mock(&storage).set_error(locked());
        storage.set(PersistKey::RefreshToken, "rt".into()).await.unwrap();
        let file = file_text(&storage);
        assert!(file.contains("\"refreshToken\": \"rt\"") && !file.contains("refreshTokenIn"), "{file}");
        // The keyring answers again: the token moves in at the next read.
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("rt"));
        assert!(file_text(&storage).contains("refreshTokenIn"));
        assert_eq!(storage.read_entry().unwrap().as_deref(), Some("rt"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
