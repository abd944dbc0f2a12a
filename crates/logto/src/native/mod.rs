//! Sign-in from a terminal, for command-line tools and other native apps (a public client):
//!
//! - [`LogtoClient::sign_in_with_loopback`]: through the system browser with a loopback redirect
//!   (RFC 8252: `http://127.0.0.1:<free port>/callback`, PKCE, one callback);
//! - [`LogtoClient::start_device_sign_in`] / [`LogtoClient::finish_device_sign_in`]: on a machine
//!   without a browser (RFC 8628: "open this URL and enter ABCD-EFGH"; Logto 1.38+);
//! - [`FileStorage`]: the user's tokens in a private file, read fresh by every invocation;
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
mod loopback;

pub use browser::open_browser;
pub use device::{DEVICE_CODE_GRANT, DeviceAuthorization};
pub use file_coordinator::FileCoordinator;
pub use file_storage::FileStorage;
pub use loopback::LoopbackOptions;

use crate::{LogtoClient, LogtoConfig, Result};
use std::sync::Arc;

/// A client for the command-line tool `tool` (a directory name) with its user's tokens in
/// [`FileStorage::for_app`] and refreshes coordinated by [`FileCoordinator::for_app`], both in
/// the platform's per-user configuration directory.
pub fn native_client(tool: &str, config: LogtoConfig) -> Result<LogtoClient> {
    let storage = FileStorage::for_app(tool, &config.app_id)?;
    let coordinator = FileCoordinator::for_app(tool, &config.app_id)?;
    LogtoClient::builder(config).storage(Arc::new(storage)).coordinator(Arc::new(coordinator)).build()
}
