//! [`SessionConfig`]: the session cookie settings the SDK needs (HttpOnly, SameSite=Lax,
//! configurable Secure) turned into a tower-sessions layer over any session store.

use crate::RotationSafeStore;
use std::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time;
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};

/// The default name of the session cookie.
pub const DEFAULT_COOKIE_NAME: &str = "logto_session";

/// Settings of the session cookie.
///
/// The cookie is always `HttpOnly` and `SameSite=Lax`: `Lax` (not `Strict`) so the cookie comes
/// back on the identity server's top-level redirect to the callback. It carries only the session
/// id; the tokens stay in the store. `Secure` is on by default; turn it off only for plain-HTTP
/// development on localhost.
///
/// ```
/// use logto_axum::SessionConfig;
/// use tower_sessions::MemoryStore;
///
/// let layer = SessionConfig::default()
///     .secure(false)
///     .cookie_name("my_app_session")
///     .inactivity_timeout(std::time::Duration::from_secs(3600))
///     .layer(MemoryStore::default());
/// # drop(layer);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The cookie name (default [`DEFAULT_COOKIE_NAME`]).
    pub cookie_name: String,
    /// Whether the cookie is `Secure` (sent over HTTPS only). Default `true`.
    pub secure: bool,
    /// How long an unused session lives (default 14 days, the refresh token's lifetime).
    pub inactivity_timeout: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            cookie_name: DEFAULT_COOKIE_NAME.to_owned(),
            secure: true,
            inactivity_timeout: Duration::from_secs(14 * 24 * 3600),
        }
    }
}

impl SessionConfig {
    /// Sets whether the cookie is `Secure`.
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Sets the cookie name.
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// Sets the inactivity timeout of a session.
    pub fn inactivity_timeout(mut self, timeout: Duration) -> Self {
        self.inactivity_timeout = timeout;
        self
    }

    /// The session layer over `store` (for example `MemoryStore::default()`, for development
    /// only: it lives in one process and is lost on restart; or a Redis store), wrapped in a
    /// [`RotationSafeStore`] so a stale copy of a session never brings back a consumed refresh
    /// token.
    pub fn layer<Store: SessionStore + Clone>(
        &self,
        store: Store,
    ) -> SessionManagerLayer<RotationSafeStore<Store>> {
        let seconds = i64::try_from(self.inactivity_timeout.as_secs()).unwrap_or(i64::MAX);
        SessionManagerLayer::new(RotationSafeStore::new(store))
            .with_name(self.cookie_name.clone())
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(self.secure)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(time::Duration::seconds(seconds)))
    }
}
