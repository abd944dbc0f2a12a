//! [`NotedFile`]: the token file used alone, minding a note that the refresh token is in a
//! keyring.

use super::FileStorage;
use super::file_storage::REFRESH_TOKEN_IN;
use crate::error::StorageError;
use crate::storage::{PersistKey, Storage};
use async_trait::async_trait;

/// A [`FileStorage`] used without its keyring: by choice ([`TokenStore::File`]), or because the
/// keyring did not answer ([`TokenStore::Auto`]). When the file says the refresh token is in a
/// keyring, reading it is an error naming that keyring, never a signed-out user; a sign-in or
/// a sign-out here replaces the note (the file holds the token again, or nothing).
///
/// [`TokenStore::File`]: super::TokenStore::File
/// [`TokenStore::Auto`]: super::TokenStore::Auto
#[derive(Debug, Clone)]
pub(crate) struct NotedFile {
    pub(crate) file: FileStorage,
    /// Why the keyring was not used, when it was not by choice.
    pub(crate) keyring_unreachable: Option<String>,
}

impl NotedFile {
    fn refresh_token(&self) -> Result<Option<String>, StorageError> {
        let values = self.file.values()?;
        if let Some(token) = values.get(PersistKey::RefreshToken.as_str()) {
            return Ok(Some(token.clone()));
        }
        let Some(keyring) = values.get(REFRESH_TOKEN_IN) else { return Ok(None) };
        Err(StorageError::new(match &self.keyring_unreachable {
            Some(error) => format!(
                "the refresh token is in {keyring}, which does not answer ({error}): try again once it does, or sign \
                 in again (or out) to keep the tokens in the file"
            ),
            None => format!(
                "the refresh token is in {keyring}, not in the file this tool now uses: use the `auto` or `keyring` \
                 token store, or sign in again (or out)"
            ),
        }))
    }

    fn set_refresh_token(&self, token: Option<String>) -> Result<(), StorageError> {
        self.file.update(|values| {
            values.remove(REFRESH_TOKEN_IN);
            match token {
                Some(token) => values.insert(PersistKey::RefreshToken.as_str().to_owned(), token),
                None => values.remove(PersistKey::RefreshToken.as_str()),
            };
            Ok(())
        })
    }
}

#[async_trait]
impl Storage for NotedFile {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        match key {
            PersistKey::RefreshToken => self.refresh_token(),
            key => self.file.get(key).await,
        }
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        match key {
            PersistKey::RefreshToken => self.set_refresh_token(Some(value)),
            key => self.file.set(key, value).await,
        }
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        match key {
            PersistKey::RefreshToken => self.set_refresh_token(None),
            key => self.file.delete(key).await,
        }
    }

    async fn set_many(&self, entries: Vec<(PersistKey, String)>) -> Result<(), StorageError> {
        self.file.update(|values| {
            for (key, value) in entries {
                if key == PersistKey::RefreshToken {
                    values.remove(REFRESH_TOKEN_IN);
                }
                values.insert(key.as_str().to_owned(), value);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_noted_refresh_token_is_an_error_until_a_sign_in_or_out_here() {
        let dir = std::env::temp_dir().join(format!("logto-noted-file-{}", std::process::id()));
        let file = FileStorage::at(dir.join("tokens.json")).unwrap();
        file.set(PersistKey::IdToken, "id".into()).await.unwrap();
        file.update(|values| Ok(values.insert(REFRESH_TOKEN_IN.into(), "the Secret Service keyring".into())))
            .unwrap();
        let unreachable =
            NotedFile { file: file.clone(), keyring_unreachable: Some("no session bus".into()) };
        let error = unreachable.get(PersistKey::RefreshToken).await.unwrap_err().to_string();
        assert!(
            error.contains("the Secret Service keyring, which does not answer (no session bus)"),
            "{error}"
        );
        let chosen = NotedFile { file: file.clone(), keyring_unreachable: None };
        assert!(chosen.get(PersistKey::RefreshToken).await.unwrap_err().to_string().contains("`auto`"));
        // A sign-out here forgets the note: nobody is signed in.
        chosen.delete(PersistKey::RefreshToken).await.unwrap();
        assert_eq!(chosen.get(PersistKey::RefreshToken).await.unwrap(), None);
        // A sign-in here keeps the token in the file.
        file.update(|values| Ok(values.insert(REFRESH_TOKEN_IN.into(), "a keyring".into()))).unwrap();
        chosen.set_many(vec![(PersistKey::RefreshToken, "rt".into())]).await.unwrap();
        assert_eq!(chosen.get(PersistKey::RefreshToken).await.unwrap().as_deref(), Some("rt"));
        assert_eq!(file.values().unwrap().get(REFRESH_TOKEN_IN), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
