//! [`AuthSettings`]: where the auth routes live and where they send the browser afterwards.

use logto::LogtoError;

/// Paths and redirects of the auth routes.
///
/// `base_url` is the public URL of the app (scheme, host, port and any prefix the app is mounted
/// under); the SDK builds the absolute redirect URI (`base_url + callback_path`) and the
/// post-sign-out URI from it, and reconstructs the callback URL the identity server redirected
/// to. Register `base_url + callback_path` as a redirect URI and `base_url +
/// post_sign_out_redirect` as a post sign-out redirect URI in Logto.
///
/// ```
/// use logto_axum::AuthSettings;
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

    pub(crate) fn validate(&self) -> Result<(), LogtoError> {
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

/// Whether `target` is a path on this site (`/x`, not `//host` or `/\host`): the only
/// `return_to` values honoured, so the sign-in route is no open redirect.
pub(crate) fn is_local_path(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_only() {
        assert!(is_local_path("/protected?x=1"));
        assert!(!is_local_path("//evil.example/"));
        assert!(!is_local_path("/\\evil.example"));
        assert!(!is_local_path("https://evil.example/"));
        assert!(!is_local_path("/a\nb"));
    }

    #[test]
    fn validates_base_url_and_paths() {
        assert!(AuthSettings::new("http://localhost:3000").validate().is_ok());
        assert!(AuthSettings::new("localhost:3000").validate().is_err());
        assert!(AuthSettings::new("http://localhost:3000").callback_path("cb").validate().is_err());
    }
}
