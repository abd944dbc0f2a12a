//! Sign-in from a terminal, for command-line tools and other native apps (a public client):
//!
//! - [`LogtoClient::sign_in_with_loopback`]: through the system browser with a loopback redirect
//!   (RFC 8252: `http://127.0.0.1:<free port>/callback`, PKCE, one callback);
//! - [`LogtoClient::start_device_sign_in`] / [`LogtoClient::finish_device_sign_in`]: on a machine
//!   without a browser (RFC 8628: "open this URL and enter ABCD-EFGH"; Logto 1.38+);
//! - [`NativeStorage`]: the user's tokens where [`TokenStore`] says: by default the refresh
//!   token in the OS keyring (`KeyringStorage`, with the crate's `keyring` feature) when one
//!   answers and the rest in a private file ([`FileStorage`]), else all in the file; read
//!   fresh by every invocation;
//! - [`FileCoordinator`]: the SDK's refresh coordination across processes, so two invocations
//!   that find the access token expired make one refresh request.
//!
//! [`native_client`] puts them together. The tokens are then used as in a web app:
//! `get_access_token(resource)`, organization tokens, `sign_out` (which revokes the refresh
//! token and clears the file).
//!
//! ```no_run
//! # async fn run() -> logto::Result<()> {
//! use logto::LogtoConfig;
//! use logto::native::{LoopbackOptions, native_client, open_browser};
//!
//! let client = native_client("my-cli", LogtoConfig::new("https://tenant.logto.app", "native-app-id"))?;
//! if !client.is_authenticated().await? {
//!     client.sign_in_with_loopback(LoopbackOptions::default(), |url| {
//!         if !open_browser(url) { println!("Open this link to sign in: {url}"); }
//!     }).await?;
//! }
//! let token = client.get_access_token("https://api.example.com").await?;
//! # let _ = token;
//! # Ok(()) }
//! ```

mod browser;
mod device;
mod file_coordinator;
mod file_storage;
mod files;
#[cfg(feature = "keyring")]
mod keyring_storage;
mod loopback;
mod noted_file;
mod token_store;

pub use browser::open_browser;
pub use device::{DEVICE_CODE_GRANT, DeviceAuthorization};
pub use file_coordinator::FileCoordinator;
pub use file_storage::FileStorage;
#[cfg(feature = "keyring")]
pub use keyring_storage::KeyringStorage;
pub use loopback::LoopbackOptions;
pub use token_store::{NativeStorage, TokenStore, UnknownTokenStore};

/// The keyring library [`KeyringStorage::in_store`] takes stores of (the crate's `keyring`
/// feature), re-exported so a tool names the same version.
#[cfg(feature = "keyring")]
pub use keyring_core;

use crate::{LogtoClient, LogtoConfig, Result};
use std::sync::Arc;

/// A client for the command-line tool `tool` (a directory name) with its user's tokens in
/// [`TokenStore::Auto`] (the OS keyring when one answers, else a private file) and refreshes
/// coordinated by [`FileCoordinator::for_app`], in the platform's per-user configuration
/// directory.
pub fn native_client(tool: &str, config: LogtoConfig) -> Result<LogtoClient> {
    native_client_with(tool, config, TokenStore::Auto)
}

/// [`native_client`] with the tokens in `store`.
///
/// ```no_run
/// use logto::LogtoConfig;
/// use logto::native::{TokenStore, native_client_with};
///
/// let client = native_client_with("my-cli", LogtoConfig::new("https://tenant.logto.app", "app-id"), TokenStore::File)?;
/// # let _ = client;
/// # Ok::<(), logto::LogtoError>(())
/// ```
pub fn native_client_with(tool: &str, config: LogtoConfig, store: TokenStore) -> Result<LogtoClient> {
    let storage = NativeStorage::open(tool, &config.app_id, store)?;
    native_client_in(tool, config, storage)
}

/// [`native_client`] with the tokens in `storage`, opened by the tool (to show where the
/// tokens are).
///
/// ```no_run
/// use logto::LogtoConfig;
/// use logto::native::{NativeStorage, TokenStore, native_client_in};
///
/// let storage = NativeStorage::open("my-cli", "app-id", TokenStore::Auto)?;
/// eprintln!("tokens kept in {storage}");
/// let client = native_client_in("my-cli", LogtoConfig::new("https://tenant.logto.app", "app-id"), storage)?;
/// # let _ = client;
/// # Ok::<(), logto::LogtoError>(())
/// ```
pub fn native_client_in(tool: &str, config: LogtoConfig, storage: NativeStorage) -> Result<LogtoClient> {
    let coordinator = FileCoordinator::for_app(tool, &config.app_id)?;
    LogtoClient::builder(config).storage(Arc::new(storage)).coordinator(Arc::new(coordinator)).build()
}
