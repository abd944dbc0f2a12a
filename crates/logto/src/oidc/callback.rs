//! The authorization response (RFC 6749 §4.1.2, RFC 9207): [`CallbackParams`] as the identity
//! server sent them, and [`Callback`], the request that carried them (path and, when known,
//! origin).

use crate::error::CallbackError;
use std::fmt;
use url::Url;

/// The query parameters of the sign-in callback.
///
/// `Debug` hides the authorization code.
///
/// ```
/// use logto::CallbackParams;
///
/// let params = CallbackParams::from_query("code=c1&state=s1&iss=https%3A%2F%2Ft.logto.app%2Foidc").unwrap();
/// assert_eq!(params.code.as_deref(), Some("c1"));
/// assert_eq!(params.iss.as_deref(), Some("https://t.logto.app/oidc"));
/// assert!(CallbackParams::from_query("code=a&code=b").is_err(), "a repeated parameter is ambiguous");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackParams {
    /// The authorization code.
    pub code: Option<String>,
    /// The `state` sent at sign-in.
    pub state: Option<String>,
    /// The OAuth error code, when the sign-in failed.
    pub error: Option<String>,
    /// The error's description.
    pub error_description: Option<String>,
    /// The issuer (RFC 9207).
    pub iss: Option<String>,
}

impl fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackParams")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("state", &self.state.as_ref().map(|_| "<redacted>"))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .field("iss", &self.iss)
            .finish()
    }
}

impl CallbackParams {
    /// Reads the parameters of a query string (without `?`). Unknown parameters are ignored; a
    /// repeated one is refused rather than guessed.
    pub fn from_query(query: &str) -> Result<Self, CallbackError> {
        Self::from_pairs(url::form_urlencoded::parse(query.as_bytes()))
    }

    /// Reads the parameters from decoded `(name, value)` pairs (for example a web framework's
    /// parsed query).
    pub fn from_pairs<K: AsRef<str>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, CallbackError> {
        let mut params = Self::default();
        for (name, value) in pairs {
            let slot = match name.as_ref() {
                "code" => &mut params.code,
                "state" => &mut params.state,
                "error" => &mut params.error,
                "error_description" => &mut params.error_description,
                "iss" => &mut params.iss,
                _ => continue,
            };
            if slot.is_some() {
                return Err(CallbackError::Malformed(format!(
                    "the parameter `{}` is repeated",
                    name.as_ref()
                )));
            }
            *slot = Some(value.into());
        }
        Ok(params)
    }
}

/// The callback request: where it arrived (its path, and its origin when the app knows it) and
/// its parameters.
///
/// The path is what the SDK compares with the redirect URI of the sign-in: behind a reverse proxy
/// or under a test client the app sees another origin than the public one, so the origin is
/// only compared when the client's strict origin check is on.
///
/// ```
/// use logto::Callback;
///
/// // The URL a web framework reports (any origin), or only its path and query:
/// let callback = Callback::from_url("http://app:8000/callback?code=c&state=s").unwrap();
/// assert_eq!(callback.path(), Some("/callback"));
/// assert_eq!(callback.origin(), Some("http://app:8000"));
/// let relative = Callback::from_url("/callback?code=c&state=s").unwrap();
/// assert_eq!(relative.origin(), None);
/// assert_eq!(relative.params().state.as_deref(), Some("s"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    origin: Option<String>,
    path: Option<String>,
    params: CallbackParams,
}

impl Callback {
    /// A callback that arrived at `path` with `params`.
    pub fn new(path: impl Into<String>, params: CallbackParams) -> Self {
        Self { origin: None, path: Some(path.into()), params }
    }

    /// Reads an absolute callback URL, or a path with its query (`/callback?code=...`).
    pub fn from_url(url: &str) -> Result<Self, CallbackError> {
        let malformed = |e: url::ParseError| CallbackError::Malformed(format!("not a URL: {e}"));
        let (url, origin) = match Url::parse(url) {
            Ok(url) => {
                let origin = url.origin().ascii_serialization();
                (url, (origin != "null").then_some(origin))
            }
            Err(url::ParseError::RelativeUrlWithoutBase) if url.starts_with('/') => {
                let base = Url::parse("http://callback.invalid/").map_err(malformed)?;
                (base.join(url).map_err(malformed)?, None)
            }
            Err(error) => return Err(malformed(error)),
        };
        let params = CallbackParams::from_pairs(url.query_pairs().map(|(k, v)| (k, v.into_owned())))?;
        Ok(Self { origin, path: Some(url.path().to_owned()), params })
    }

    /// Sets the origin the callback arrived at (`scheme://host[:port]`), for the strict origin
    /// check.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// The origin, when known.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The path the callback arrived at, when known.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The parameters.
    pub fn params(&self) -> &CallbackParams {
        &self.params
    }

    pub(crate) fn into_params(self) -> CallbackParams {
        self.params
    }
}

impl From<CallbackParams> for Callback {
    /// Parameters alone: the path is not checked against the redirect URI's (for faces that
    /// route the callback themselves).
    fn from(params: CallbackParams) -> Self {
        Self { origin: None, path: None, params }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_absolute_and_relative_urls() {
        let callback = Callback::from_url("https://app.example:8443/a/callback?state=s&x=1#frag").unwrap();
        assert_eq!(callback.origin(), Some("https://app.example:8443"));
        assert_eq!(callback.path(), Some("/a/callback"));
        let default_port = Callback::from_url("https://app.example:443/cb").unwrap();
        assert_eq!(default_port.origin(), Some("https://app.example"));
        assert!(matches!(Callback::from_url("callback?code=1"), Err(CallbackError::Malformed(_))));
        assert!(matches!(Callback::from_url("/cb?state=a&state=b"), Err(CallbackError::Malformed(_))));
    }

    #[test]
    fn debug_hides_the_code_and_state() {
        let params = CallbackParams::from_query("code=secret-code&state=secret-state").unwrap();
        let rendered = format!("{params:?}");
        assert!(!rendered.contains("secret-code") && !rendered.contains("secret-state"), "{rendered}");
    }
}
