//! [`FileCoordinator`]: refresh coordination between the processes of one user on one machine.

use super::files::{Exclusive, config_dir, private_dir, safe_name, write_atomically};
use crate::coordination::{Coordinator, LeaseToken};
use crate::error::CoordinationError;
use async_trait::async_trait;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The refresh coordination of the SDK ([`coordination`](crate::coordination)) across the
/// processes of one user: two invocations of a command-line tool that find the access token
/// expired at the same time make one refresh request, and the second takes the first one's
/// rotated refresh token instead of presenting the consumed one (which Logto would answer by
/// revoking the grant).
///
/// A lease is an exclusive lock on a file of a private directory (the system releases it if
/// the process dies, so a crashed invocation never blocks the next); a published outcome is a
/// file written atomically, with its expiry (outcomes are encrypted by the SDK with a key
/// derived from the consumed refresh token).
///
/// ```no_run
/// use std::sync::Arc;
/// let coordinator = logto::native::FileCoordinator::for_app("my-cli", "app-id")?;
/// # let config = logto::LogtoConfig::new("https://tenant.logto.app", "app-id");
/// let client = logto::LogtoClient::builder(config).coordinator(Arc::new(coordinator)).build()?;
/// # Ok::<(), logto::LogtoError>(())
/// ```
#[derive(Debug)]
pub struct FileCoordinator {
    dir: PathBuf,
    /// The leases this process holds: key → (token, the lock).
    held: Mutex<HashMap<String, (LeaseToken, Exclusive)>>,
}

impl FileCoordinator {
    /// Coordination in the directory `dir` (created, private to the user).
    pub fn in_dir(dir: impl Into<PathBuf>) -> Result<Self, CoordinationError> {
        let dir = dir.into();
        private_dir(&dir).map_err(|e| CoordinationError::new(format!("{}: {e}", dir.display())))?;
        Ok(Self { dir, held: Mutex::default() })
    }

    /// `<config dir>/<tool>/logto-coordination` in the platform's per-user configuration
    /// directory.
    pub fn for_app(tool: &str, app_id: &str) -> Result<Self, CoordinationError> {
        let dir =
            config_dir().ok_or_else(|| CoordinationError::new("no configuration directory (set HOME)"))?;
        Self::in_dir(dir.join(safe_name(tool)).join(format!("logto-coordination-{}", safe_name(app_id))))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A file name for `key` (keys are the SDK's hashed ASCII names: `logto:space:hex`).
    fn file(&self, key: &str, suffix: &str) -> PathBuf {
        let name: String = key.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        self.dir.join(format!("{name}.{suffix}"))
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, (LeaseToken, Exclusive)>> {
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn error(&self, error: std::io::Error) -> CoordinationError {
        CoordinationError::new(format!("{}: {error}", self.dir.display()))
    }

    /// Removes the publications that have expired (a few small files at most).
    fn sweep(&self, now: u128) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "pub")
                && std::fs::read(&path).ok().and_then(|bytes| expiry(&bytes)).is_some_and(|at| at <= now)
            {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis()
}

/// The expiry (ms since the epoch) a publication file starts with.
fn expiry(bytes: &[u8]) -> Option<u128> {
    bytes.get(..16).map(|head| u128::from_be_bytes(head.try_into().unwrap_or([0; 16])))
}

#[async_trait]
impl Coordinator for FileCoordinator {
    async fn try_lease(
        &self,
        key: &str,
        token: &LeaseToken,
        _ttl: Duration,
    ) -> Result<bool, CoordinationError> {
        let mut held = self.held();
        if let Some((holder, _)) = held.get(key) {
            return Ok(holder == token);
        }
        // The lock, not a time to live, ends a lease: the system drops it with its process.
        match Exclusive::try_take(&self.file(key, "lease")).map_err(|e| self.error(e))? {
            Some(lock) => {
                held.insert(key.to_owned(), (token.clone(), lock));
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn release(&self, key: &str, token: &LeaseToken) -> Result<(), CoordinationError> {
        let mut held = self.held();
        if held.get(key).is_some_and(|(holder, _)| holder == token) {
            held.remove(key);
        }
        Ok(())
    }

    async fn publish(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CoordinationError> {
        let now = now_ms();
        let mut bytes = (now + ttl.as_millis()).to_be_bytes().to_vec();
        bytes.extend_from_slice(value);
        write_atomically(&self.file(key, "pub"), &bytes).map_err(|e| self.error(e))?;
        self.sweep(now);
        Ok(())
    }

    async fn published(&self, key: &str) -> Result<Option<Vec<u8>>, CoordinationError> {
        match std::fs::read(self.file(key, "pub")) {
            Ok(bytes) if expiry(&bytes).is_some_and(|at| at > now_ms()) => Ok(Some(bytes[16..].to_vec())),
            Ok(_) => Ok(None),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(self.error(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lease_is_one_holders_and_a_publication_lives_its_ttl() {
        let dir = std::env::temp_dir().join(format!("logto-file-coordinator-{}", std::process::id()));
        let (first, second) =
            (FileCoordinator::in_dir(&dir).unwrap(), FileCoordinator::in_dir(&dir).unwrap());
        let (a, b) = (LeaseToken::generate(), LeaseToken::generate());
        let ttl = Duration::from_secs(5);
        assert!(first.try_lease("logto:refresh:lease:1", &a, ttl).await.unwrap());
        assert!(
            first.try_lease("logto:refresh:lease:1", &a, ttl).await.unwrap(),
            "asked again by its holder"
        );
        assert!(!second.try_lease("logto:refresh:lease:1", &b, ttl).await.unwrap(), "another handle waits");
        first.release("logto:refresh:lease:1", &b).await.unwrap();
        assert!(
            !second.try_lease("logto:refresh:lease:1", &b, ttl).await.unwrap(),
            "only the holder releases"
        );
        first.release("logto:refresh:lease:1", &a).await.unwrap();
        assert!(second.try_lease("logto:refresh:lease:1", &b, ttl).await.unwrap());

        first.publish("logto:refresh:outcome:1", b"sealed", Duration::from_millis(200)).await.unwrap();
        assert_eq!(
            second.published("logto:refresh:outcome:1").await.unwrap().as_deref(),
            Some(&b"sealed"[..])
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(second.published("logto:refresh:outcome:1").await.unwrap(), None, "expired");
        assert_eq!(second.published("logto:refresh:outcome:2").await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
