//! Where a command-line tool keeps one user's tokens on one machine: a directory only the user
//! may read (`0700`), with files written atomically (`0600`), and the file locks that keep two
//! invocations from writing, or refreshing, at once.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The platform's per-user configuration directory: `$XDG_CONFIG_HOME` or `~/.config` (Linux
/// and other Unix), `~/Library/Application Support` (macOS), `%APPDATA%` (Windows).
pub(crate) fn config_dir() -> Option<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if cfg!(windows) {
        return env("APPDATA");
    }
    if cfg!(target_os = "macos") {
        return env("HOME").map(|home| home.join("Library/Application Support"));
    }
    env("XDG_CONFIG_HOME").or_else(|| env("HOME").map(|home| home.join(".config")))
}

/// A file name made of `value`: letters, digits, `-`, `_` and `.` kept, others as `_`.
pub(crate) fn safe_name(value: &str) -> String {
    value.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

/// Creates `dir` (and its parents) readable by the user only.
pub(crate) fn private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Opens (creating) a file readable by the user only.
pub(crate) fn open_private(path: &Path, truncate: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(truncate);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes `bytes` to `path` atomically: a private temporary file beside it, then a rename, so
/// a reader sees the old content or the new, never half of it.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let mut file = open_private(&temporary, true)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, path)
}

/// An exclusive lock on `path` (a lock file beside the data), held until dropped; another
/// process (or another handle in this one) waits for it. The system releases it if the process
/// dies.
#[derive(Debug)]
pub(crate) struct Exclusive(File);

impl Exclusive {
    pub(crate) fn wait(path: &Path) -> io::Result<Self> {
        let file = open_private(path, false)?;
        file.lock()?;
        Ok(Self(file))
    }

    /// The lock if nobody holds it, else `None`.
    pub(crate) fn try_take(path: &Path) -> io::Result<Option<Self>> {
        let file = open_private(path, false)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self(file))),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(error)) => Err(error),
        }
    }
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}
