//! [`AuthSettings`] (where the auth routes live and where they send the browser) and
//! [`SessionConfig`] (the session cookie and lifetimes).

use crate::error::LogtoError;
use std::time::Duration;

/// The default name of the session cookie.
pub const DEFAULT_COOKIE_NAME: &str = "logto_session";

/// How long a session that holds only sign-ins in progress lives: an abandoned sign-in must not
/// keep a record for the full session lifetime.
pub const SIGN_IN_SESSION_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Paths and redirects of the auth routes.
///
/// `base_url` is the public URL of the app (scheme, host, port and any prefix the app is mounted
/// under); the SDK builds the absolute redirect URI (`base_url + callback_path`) and the
/// post-sign-out URI from it. Register `base_url + callback_path` as a redirect URI and
/// `base_url + post_sign_out_redirect` as a post sign-out redirect URI in Logto.
///
/// ```
/// use logto::session::AuthSettings;
///
/// let settings = AuthSettings::new("http://localhost:3000/")
///     .callback_path("/auth/callback")
///     .post_sign_in_redirect("/dashboard");
/// assert_eq!(settings.redirect_uri(), "http://localhost:3000/auth/callback");
/// assert_eq!(settings.absolute("/"), "http://localhost:3000/");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthSettings {
    /// The app's public base URL, without a trailing slash.
    pub base_url: String,
    /// The sign-in route (default `/sign-in`).
    pub sign_in_path: String,
    /// The sign-up route: sign-in with the register screen first (default `/sign-up`).
    pub sign_up_path: String,
    /// The callback route (default `/callback`).
    pub callback_path: String,
    /// The sign-out route (default `/sign-out`).
    pub sign_out_path: String,
    /// The back-channel logout route (default `/backchannel-logout`), mounted when the client
    /// honours back-channel logouts; register `base_url + backchannel_logout_path` as the app's
    /// back-channel logout URI in Logto.
    pub backchannel_logout_path: String,
    /// Where the browser goes after signing in (default `/`), unless the sign-in request named a
    /// local `return_to` path.
    pub post_sign_in_redirect: String,
    /// Where the identity server sends the browser after signing out (default `/`); relative
    /// paths are made absolute with `base_url`.
    pub post_sign_out_redirect: String,
    /// Whether the sign-out route also answers GET (default `false`: POST only, from a form of
    /// this site). A GET sign-out lets any site sign the user out with a link or an image; turn
    /// it on only if the app must sign out from a plain link.
    pub sign_out_on_get: bool,
}

impl AuthSettings {
    /// Default paths for an app served at `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        let base_url: String = base_url.into();
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            sign_in_path: "/sign-in".into(),
            sign_up_path: "/sign-up".into(),
            callback_path: "/callback".into(),
            sign_out_path: "/sign-out".into(),
            backchannel_logout_path: "/backchannel-logout".into(),
            post_sign_in_redirect: "/".into(),
            post_sign_out_redirect: "/".into(),
            sign_out_on_get: false,
        }
    }

    /// Lets the sign-out route answer GET as well as POST.
    pub fn sign_out_on_get(mut self, allow: bool) -> Self {
        self.sign_out_on_get = allow;
        self
    }

    /// Sets the sign-in path.
    pub fn sign_in_path(mut self, path: impl Into<String>) -> Self {
        self.sign_in_path = path.into();
        self
    }

    /// Sets the sign-up path.
    pub fn sign_up_path(mut self, path: impl Into<String>) -> Self {
        self.sign_up_path = path.into();
        self
    }

    /// Sets the callback path.
    pub fn callback_path(mut self, path: impl Into<String>) -> Self {
        self.callback_path = path.into();
        self
    }

    /// Sets the sign-out path.
    pub fn sign_out_path(mut self, path: impl Into<String>) -> Self {
        self.sign_out_path = path.into();
        self
    }

    /// Sets the back-channel logout path.
    pub fn backchannel_logout_path(mut self, path: impl Into<String>) -> Self {
        self.backchannel_logout_path = path.into();
        self
    }

    /// Sets where to go after signing in.
    pub fn post_sign_in_redirect(mut self, target: impl Into<String>) -> Self {
        self.post_sign_in_redirect = target.into();
        self
    }

    /// Sets where to go after signing out.
    pub fn post_sign_out_redirect(mut self, target: impl Into<String>) -> Self {
        self.post_sign_out_redirect = target.into();
        self
    }

    /// The redirect URI sent at sign-in: `base_url + callback_path`.
    pub fn redirect_uri(&self) -> String {
        self.absolute(&self.callback_path)
    }

    /// `target` made absolute against `base_url` (absolute URLs are returned as they are).
    pub fn absolute(&self, target: &str) -> String {
        if target.starts_with("http://") || target.starts_with("https://") {
            target.to_owned()
        } else {
            format!("{}/{}", self.base_url, target.trim_start_matches('/'))
        }
    }

    /// Checks the base URL (http(s), no query) and that every path starts with `/`.
    ///
    /// ```
    /// use logto::session::AuthSettings;
    /// assert!(AuthSettings::new("http://localhost:3000").validate().is_ok());
    /// assert!(AuthSettings::new("localhost:3000").validate().is_err());
    /// assert!(AuthSettings::new("http://localhost:3000").callback_path("cb").validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), LogtoError> {
        let url = url::Url::parse(&self.base_url).map_err(|e| {
            LogtoError::InvalidConfig(format!("base URL `{}` is not a URL: {e}", self.base_url))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
            return Err(LogtoError::InvalidConfig(format!(
                "base URL `{}` must be an http(s) URL without query",
                self.base_url
            )));
        }
        for path in [
            &self.sign_in_path,
            &self.sign_up_path,
            &self.callback_path,
            &self.sign_out_path,
            &self.backchannel_logout_path,
        ] {
            if !path.starts_with('/') {
                return Err(LogtoError::InvalidConfig(format!("route path `{path}` must start with `/`")));
            }
        }
        Ok(())
    }
}

/// The session cookie and the session's lifetimes.
///
/// The cookie is always `HttpOnly` and `SameSite=Lax` (`Lax`, not `Strict`, so it comes back on
/// the identity server's top-level redirect to the callback) and carries only the session id.
/// `Secure` is on by default; turn it off only for plain-HTTP development on localhost.
///
/// ```
/// use logto::session::SessionConfig;
/// let config = SessionConfig::default().secure(false).cookie_name("my_app_session");
/// assert_eq!(config.set_cookie("abc", std::time::Duration::from_secs(60)),
///            "my_app_session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
/// assert_eq!(config.clear_cookie(), "my_app_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The cookie name (default [`DEFAULT_COOKIE_NAME`]).
    pub cookie_name: String,
    /// Whether the cookie is `Secure` (sent over HTTPS only). Default `true`.
    pub secure: bool,
    /// The cookie's `Domain` (default none: this host only).
    pub domain: Option<String>,
    /// The cookie's `Path` (default `/`).
    pub path: String,
    /// How long an unused session lives (default 14 days, a Logto refresh token's lifetime);
    /// every save starts it again.
    pub inactivity_timeout: Duration,
    /// How long a session holding only sign-ins in progress lives, and how long a sign-in may
    /// take (default [`SIGN_IN_SESSION_TIMEOUT`]).
    pub sign_in_timeout: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            cookie_name: DEFAULT_COOKIE_NAME.to_owned(),
            secure: true,
            domain: None,
            path: "/".to_owned(),
            inactivity_timeout: Duration::from_secs(14 * 24 * 3600),
            sign_in_timeout: SIGN_IN_SESSION_TIMEOUT,
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

    /// Sets the cookie's `Domain`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Sets the cookie's `Path`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets the inactivity timeout of a session.
    pub fn inactivity_timeout(mut self, timeout: Duration) -> Self {
        self.inactivity_timeout = timeout;
        self
    }

    /// Sets how long a sign-in may take.
    pub fn sign_in_timeout(mut self, timeout: Duration) -> Self {
        self.sign_in_timeout = timeout;
        self
    }

    /// The `Set-Cookie` value that keeps `value` for `max_age`.
    pub fn set_cookie(&self, value: &str, max_age: Duration) -> String {
        self.cookie(value, max_age.as_secs())
    }

    /// The `Set-Cookie` value that removes the cookie.
    pub fn clear_cookie(&self) -> String {
        self.cookie("", 0)
    }

    /// The value of this config's cookie in a `Cookie` request header, if any.
    ///
    /// ```
    /// let config = logto::session::SessionConfig::default();
    /// assert_eq!(config.cookie_value("a=1; logto_session=xyz"), Some("xyz"));
    /// assert_eq!(config.cookie_value("a=1"), None);
    /// ```
    pub fn cookie_value<'a>(&self, cookie_header: &'a str) -> Option<&'a str> {
        cookie_header.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name.trim() == self.cookie_name).then(|| value.trim().trim_matches('"'))
        })
    }

    fn cookie(&self, value: &str, max_age: u64) -> String {
        let mut cookie = format!("{}={value}; Path={}; Max-Age={max_age}", self.cookie_name, self.path);
        if let Some(domain) = &self.domain {
            cookie.push_str("; Domain=");
            cookie.push_str(domain);
        }
        cookie.push_str("; HttpOnly; SameSite=Lax");
        if self.secure {
            cookie.push_str("; Secure");
        }
        cookie
    }
}
