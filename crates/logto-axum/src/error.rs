//! [`AuthError`]: a core error answered as a small HTML error page with the status its
//! [`ErrorKind`] calls for. Client-caused failures keep their helpful text; server-side failures
//! show a generic page and keep the details in the log.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use logto::LogtoError;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A failed sign-in, callback, sign-out or token request, answered as an HTML error page.
///
/// ```
/// use axum::http::StatusCode;
/// use logto::{CallbackError, LogtoError};
/// use logto_axum::AuthError;
///
/// let denied = AuthError::from(LogtoError::from(CallbackError::Denied { error: "access_denied".into(), error_description: None }));
/// assert_eq!(denied.status(), StatusCode::FORBIDDEN);
/// assert_eq!(AuthError::from(LogtoError::from(CallbackError::StateMismatch)).status(), StatusCode::BAD_REQUEST);
/// assert_eq!(AuthError::from(LogtoError::Timeout { endpoint: "https://t/oidc/token".into() }).status(), StatusCode::GATEWAY_TIMEOUT);
/// ```
#[derive(Debug)]
pub struct AuthError(pub LogtoError);

impl From<LogtoError> for AuthError {
    fn from(error: LogtoError) -> Self {
        Self(error)
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl AuthError {
    /// The HTTP status: [`LogtoError::http_status`], the same decision every face makes.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// A short title for the page.
    pub fn title(&self) -> &'static str {
        match self.status() {
            StatusCode::FORBIDDEN => "Access was denied",
            StatusCode::BAD_REQUEST => "Sign-in could not be completed",
            StatusCode::UNAUTHORIZED => "Please sign in again",
            StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT => "The identity server is unavailable",
            _ => "Something went wrong",
        }
    }

    /// The text shown to the user: the error itself for client-caused failures (it helps fix
    /// a misconfigured redirect URI), a generic sentence for server-side ones (their details,
    /// such as addresses of internal services, stay in the log).
    pub fn public_message(&self) -> String {
        if self.status().is_server_error() {
            "Please try again in a moment. The details are in the application's log.".to_owned()
        } else {
            self.0.to_string()
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self.0, status = status.as_u16(), "authentication failed");
        } else {
            log_client_error(&self.0, status);
        }
        let page = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
             <body style=\"font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem\">\
             <h1>{title}</h1><p id=\"auth-error\">{message}</p>\
             <p><a href=\"/\">Back to the app</a></p></body></html>",
            title = self.title(),
            message = escape_html(&self.public_message()),
        );
        (status, Html(page)).into_response()
    }
}

/// At most this many client-caused failures are logged per window; the rest are counted.
const CLIENT_LOG_BURST: u32 = 20;
const CLIENT_LOG_WINDOW: Duration = Duration::from_secs(10);

struct LogWindow {
    started: Option<Instant>,
    logged: u32,
    suppressed: u64,
}

static CLIENT_LOG: Mutex<LogWindow> = Mutex::new(LogWindow { started: None, logged: 0, suppressed: 0 });

/// Logs a client-caused failure at INFO, rate-limited: a flood of bad callbacks or dead sessions
/// must not flood the log.
fn log_client_error(error: &LogtoError, status: StatusCode) {
    let mut window = CLIENT_LOG.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let now = Instant::now();
    if window.started.is_none_or(|started| now.duration_since(started) >= CLIENT_LOG_WINDOW) {
        if window.suppressed > 0 {
            tracing::info!(suppressed = window.suppressed, "similar authentication failures were not logged");
        }
        *window = LogWindow { started: Some(now), logged: 0, suppressed: 0 };
    }
    if window.logged < CLIENT_LOG_BURST {
        window.logged += 1;
        drop(window);
        tracing::info!(%error, status = status.as_u16(), "authentication refused");
    } else {
        window.suppressed += 1;
    }
}

/// Escapes text for HTML element content and quoted attribute values.
///
/// ```
/// assert_eq!(logto_axum::escape_html("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use logto::{CallbackError, ServerError};

    fn server(status: u16, error: &str) -> AuthError {
        AuthError(LogtoError::Server(
            ServerError::new("https://t/oidc/token", status).with_error(error, None),
        ))
    }

    #[test]
    fn statuses_follow_who_caused_the_failure() {
        assert_eq!(server(400, "invalid_grant").status(), StatusCode::BAD_REQUEST);
        assert_eq!(server(503, "server_error").status(), StatusCode::BAD_GATEWAY);
        assert_eq!(
            AuthError(LogtoError::SignInRequired { reason: "x".into() }).status(),
            StatusCode::UNAUTHORIZED
        );
    }

    #[test]
    fn server_side_failures_show_a_generic_page() {
        let network = AuthError(LogtoError::InvalidResponse {
            endpoint: "http://10.1.2.3:6379/secret-internal".into(),
            reason: "boom".into(),
        });
        assert!(!network.public_message().contains("10.1.2.3"));
        let callback = AuthError(LogtoError::from(CallbackError::PathMismatch {
            redirect_uri: "https://app/callback".into(),
            expected_path: "/callback".into(),
            actual_path: "/cb".into(),
        }));
        assert!(callback.public_message().contains("/cb"));
    }
}
