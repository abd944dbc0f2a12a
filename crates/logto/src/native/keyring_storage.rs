//! [`KeyringStorage`]: the refresh token of a command-line tool's user in the OS keyring.

use super::FileStorage;
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
/// few APIs would not fit. A refresh token found in the file (left by a tool that had no
/// keyring before) is moved into the keyring when it is first read.
///
/// The file notes which keyring holds the refresh token (`refreshTokenIn`), so a tool that
/// finds that keyring gone says so instead of acting signed out
/// ([`TokenStore::Auto`](super::TokenStore::Auto)).
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
    store: Arc<CredentialStore>,
    entry: Arc<Entry>,
    keyring: String,
    file: FileStorage,
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
        Ok(Self { store, entry: Arc::new(entry), keyring, file })
    }

    /// Whether the keyring takes a write: it holds this user's entry, or a probe entry (the
    /// user's with ` (probe)` appended) can be written and deleted. A keyring that answers
    /// reads but has no collection to write to, or a locked one nobody can unlock (a desktop's
    /// keyring reached over SSH), fails here.
    pub(crate) fn check_writable(&self, service: &str, user: &str) -> Result<(), StorageError> {
        if self.entry.get_password().is_ok() {
            return Ok(());
        }
        let error = |e| keyring_error(&self.keyring, e);
        let probe = Entry::new_in_store(&self.store, service, &format!("{user} (probe)")).map_err(error)?;
        probe.set_password("probe").map_err(error)?;
        match probe.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(error(e)),
        }
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

    async fn keyring_call<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Entry) -> Result<T, KeyringError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let entry = Arc::clone(&self.entry);
        let keyring = self.keyring.clone();
        tokio::task::spawn_blocking(move || call(&entry))
            .await
            .map_err(|e| StorageError::new(format!("{keyring}: {e}")))?
            .map_err(|e| keyring_error(&keyring, e))
    }

    async fn refresh_token(&self) -> Result<Option<String>, StorageError> {
        let stored = self
            .keyring_call(|entry| match entry.get_password() {
                Ok(token) => Ok(Some(token)),
                Err(KeyringError::NoEntry) => Ok(None),
                Err(error) => Err(error),
            })
            .await?;
        if stored.is_some() {
            return Ok(stored);
        }
        // A token the file kept before the keyring was used moves into the keyring.
        let Some(token) = self.file.get(PersistKey::RefreshToken).await? else { return Ok(None) };
        self.set_refresh_token(token.clone()).await?;
        self.file.delete(PersistKey::RefreshToken).await?;
        Ok(Some(token))
    }

    async fn set_refresh_token(&self, token: String) -> Result<(), StorageError> {
        self.keyring_call(move |entry| entry.set_password(&token)).await?;
        if self.file.get_raw(REFRESH_TOKEN_IN)?.as_deref() != Some(&self.keyring) {
            self.file.set_raw(REFRESH_TOKEN_IN, Some(self.keyring.clone()))?;
        }
        Ok(())
    }

    async fn delete_refresh_token(&self) -> Result<(), StorageError> {
        self.keyring_call(|entry| match entry.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(error) => Err(error),
        })
        .await?;
        self.file.delete(PersistKey::RefreshToken).await?;
        self.file.set_raw(REFRESH_TOKEN_IN, None)
    }
}

#[async_trait]
impl Storage for KeyringStorage {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        match key {
            PersistKey::RefreshToken => self.refresh_token().await,
            key => self.file.get(key).await,
        }
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        match key {
            PersistKey::RefreshToken => self.set_refresh_token(value).await,
            key => self.file.set(key, value).await,
        }
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        match key {
            PersistKey::RefreshToken => self.delete_refresh_token().await,
            key => self.file.delete(key).await,
        }
    }

    /// The refresh token first (a rotated one is the only way on), then the rest in one write.
    async fn set_many(&self, entries: Vec<(PersistKey, String)>) -> Result<(), StorageError> {
        let (refresh, others): (Vec<_>, Vec<_>) =
            entries.into_iter().partition(|(key, _)| *key == PersistKey::RefreshToken);
        for (_, token) in refresh {
            self.set_refresh_token(token).await?;
        }
        if others.is_empty() { Ok(()) } else { self.file.set_many(others).await }
    }
}

/// The file's note of the keyring that holds the refresh token.
pub(crate) const REFRESH_TOKEN_IN: &str = "refreshTokenIn";

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
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let file = FileStorage::at(dir.join("tokens.json")).unwrap();
        (KeyringStorage::in_store(store, "tool", "app", file).unwrap(), dir)
    }

    #[tokio::test]
    async fn only_the_refresh_token_goes_to_the_keyring() {
        let (storage, dir) = storage("split");
        storage
            .set_many(vec![(PersistKey::RefreshToken, "rt".into()), (PersistKey::IdToken, "id".into())])
            .await
            .unwrap();
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("rt"));
        assert_eq!(storage.get(PersistKey::IdToken).await.unwrap().as_deref(), Some("id"));
        let file = std::fs::read_to_string(storage.file().path()).unwrap();
        assert!(!file.contains("rt\""), "the refresh token is not in the file: {file}");
        assert!(file.contains("\"id\""));
        storage.delete(PersistKey::RefreshToken).await.unwrap();
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_refresh_token_left_in_the_file_moves_to_the_keyring() {
        let (storage, dir) = storage("move");
        storage.file().set(PersistKey::RefreshToken, "old".into()).await.unwrap();
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("old"));
        assert_eq!(storage.file().get(PersistKey::RefreshToken).await.unwrap(), None);
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("old"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_keyring_error_is_an_error_not_a_signed_out_user() {
        let (storage, dir) = storage("error");
        storage.set(PersistKey::RefreshToken, "rt".into()).await.unwrap();
        let failing =
            || KeyringError::NoStorageAccess(Box::new(std::io::Error::other("the keyring is locked")));
        let mock = storage.entry.as_any().downcast_ref::<keyring_core::mock::Cred>().unwrap();
        mock.set_error(failing());
        let error = storage.get(PersistKey::RefreshToken).await.unwrap_err();
        assert!(error.to_string().contains("the keyring is locked"), "{error}");
        mock.set_error(failing());
        assert!(storage.set(PersistKey::RefreshToken, "new".into()).await.is_err());
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("rt"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
