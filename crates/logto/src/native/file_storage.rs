//! [`FileStorage`]: the tokens of a command-line tool's user in a private file.

use super::files::{Exclusive, config_dir, open_private, private_dir, safe_name as safe, write_atomically};
use crate::error::StorageError;
use crate::storage::{PersistKey, Storage};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The file's note naming the keyring that holds the refresh token (written by
/// [`KeyringStorage`](super::KeyringStorage)), so a tool that finds the token missing from the
/// file knows where it is.
pub(crate) const REFRESH_TOKEN_IN: &str = "refreshTokenIn";

/// The SDK's stored values for one user of a command-line tool, in one JSON file only the user
/// may read (`0600` in a `0700` directory). Every read goes to the file, so several invocations
/// of the tool see each other's tokens; every change is a locked read-modify-write replaced
/// atomically, so two invocations writing at once lose nothing.
///
/// ```no_run
/// let storage = logto::native::FileStorage::for_app("my-cli", "app-id")?;
/// println!("tokens in {}", storage.path().display());
/// # Ok::<(), logto::LogtoError>(())
/// ```
#[derive(Debug, Clone)]
pub struct FileStorage {
    path: PathBuf,
}

impl FileStorage {
    /// The file `path` (its directory is created, private to the user).
    pub fn at(path: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            private_dir(dir).map_err(|e| StorageError::new(format!("{}: {e}", dir.display())))?;
        }
        Ok(Self { path })
    }

    /// `<config dir>/<tool>/logto-<app id>.json` in the platform's per-user configuration
    /// directory (`~/.config` on Linux).
    pub fn for_app(tool: &str, app_id: &str) -> Result<Self, StorageError> {
        let dir = config_dir().ok_or_else(|| StorageError::new("no configuration directory (set HOME)"))?;
        Self::at(dir.join(safe(tool)).join(format!("logto-{}.json", safe(app_id))))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        let mut path = self.path.as_os_str().to_owned();
        path.push(".lock");
        PathBuf::from(path)
    }

    fn read(&self) -> Result<BTreeMap<String, String>, StorageError> {
        let mut text = String::new();
        match open_private(&self.path, false) {
            Ok(mut file) => file.read_to_string(&mut text).map_err(|e| self.error(e))?,
            Err(error) => return Err(self.error(error)),
        };
        if text.trim().is_empty() {
            return Ok(BTreeMap::new());
        }
        serde_json::from_str(&text)
            .map_err(|e| StorageError::new(format!("{}: not a token file: {e}", self.path.display())))
    }

    fn change(&self, edit: impl FnOnce(&mut BTreeMap<String, String>)) -> Result<(), StorageError> {
        self.update(|values| {
            edit(values);
            Ok(())
        })
    }

    /// Every value in the file, by name (the [`PersistKey`]s' and the crate's own notes).
    pub(crate) fn values(&self) -> Result<BTreeMap<String, String>, StorageError> {
        self.read()
    }

    /// A read-modify-write under the file's lock, written (atomically) only when `edit` changed
    /// something and succeeded; `edit` may do other work that must not interleave with another
    /// process's (a keyring write).
    pub(crate) fn update<T>(
        &self,
        edit: impl FnOnce(&mut BTreeMap<String, String>) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let _locked = Exclusive::wait(&self.lock_path()).map_err(|e| self.error(e))?;
        let before = self.read()?;
        let mut values = before.clone();
        let outcome = edit(&mut values)?;
        if values != before {
            let text = serde_json::to_vec_pretty(&values).map_err(|e| StorageError::new(e.to_string()))?;
            write_atomically(&self.path, &text).map_err(|e| self.error(e))?;
        }
        Ok(outcome)
    }

    fn error(&self, error: std::io::Error) -> StorageError {
        StorageError::new(format!("{}: {error}", self.path.display()))
    }
}

#[async_trait]
impl Storage for FileStorage {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        Ok(self.read()?.remove(key.as_str()))
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        self.change(|values| {
            values.insert(key.as_str().to_owned(), value);
        })
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        self.change(|values| {
            values.remove(key.as_str());
        })
    }

    async fn set_many(&self, entries: Vec<(PersistKey, String)>) -> Result<(), StorageError> {
        self.change(|values| {
            for (key, value) in entries {
                values.insert(key.as_str().to_owned(), value);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_survive_in_a_private_file_that_another_handle_reads() {
        let dir = std::env::temp_dir().join(format!("logto-file-storage-{}", std::process::id()));
        let storage = FileStorage::at(dir.join("tokens.json")).unwrap();
        assert_eq!(storage.get(PersistKey::IdToken).await.unwrap(), None);
        storage
            .set_many(vec![(PersistKey::IdToken, "id".into()), (PersistKey::RefreshToken, "rt".into())])
            .await
            .unwrap();
        let other = FileStorage::at(dir.join("tokens.json")).unwrap();
        assert_eq!(other.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("rt"));
        other.delete(PersistKey::RefreshToken).await.unwrap();
        assert_eq!(storage.get(PersistKey::RefreshToken).await.unwrap(), None);
        assert_eq!(storage.get(PersistKey::IdToken).await.unwrap().as_deref(), Some("id"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(storage.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        }
        std::fs::write(storage.path(), b"not json").unwrap();
        assert!(
            storage.get(PersistKey::IdToken).await.is_err(),
            "a corrupt file is an error, not a sign-out"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe("my app/../x"), "my_app_.._x");
    }
}
