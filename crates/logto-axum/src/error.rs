//! [`AuthError`]: a core error answered as a small HTML error page with the right status, for
//! the auth routes (a failed callback must never panic or show a blank page).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use logto::LogtoError;
use std::fmt;

/// A failed sign-in, callback or sign-out, answered as an HTML error page.
///
/// ```
/// use axum::http::StatusCode;
/// use logto::LogtoError;
/// use logto_axum::AuthError;
///
/// let denied = AuthError::from(LogtoError::Callback { error: "access_denied".into(), error_description: None });
/// assert_eq!(denied.status(), StatusCode::FORBIDDEN);
/// assert_eq!(AuthError::from(LogtoError::StateMismatch).status(), StatusCode::BAD_REQUEST);
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
    /// The HTTP status: 400 for a bad or stale callback, 403 when the user or the server denied
    /// the sign-in, 401 when nobody is signed in, 502/504 when the identity server failed, 500
    /// otherwise.
    pub fn status(&self) -> StatusCode {
        match &self.0 {
            LogtoError::Callback { error, .. } if error == "access_denied" => StatusCode::FORBIDDEN,
            LogtoError::Callback { .. }
            | LogtoError::StateMismatch
            | LogtoError::MissingCode
            | LogtoError::RedirectUriMismatch { .. }
            | LogtoError::SignInSessionMissing
            | LogtoError::InvalidCallbackUrl(_)
            | LogtoError::CallbackIssuerMismatch { .. } => StatusCode::BAD_REQUEST,
            LogtoError::NotAuthenticated => StatusCode::UNAUTHORIZED,
            LogtoError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            LogtoError::Network { .. }
            | LogtoError::Server { .. }
            | LogtoError::InvalidResponse { .. }
            | LogtoError::InvalidIdToken(_)
            | LogtoError::DiscoveryIssuerMismatch { .. }
            | LogtoError::UserInfoSubjectMismatch => StatusCode::BAD_GATEWAY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short title for the page.
    pub fn title(&self) -> &'static str {
        match self.status() {
            StatusCode::FORBIDDEN => "Sign-in was denied",
            StatusCode::BAD_REQUEST => "Sign-in could not be completed",
            StatusCode::UNAUTHORIZED => "Not signed in",
            StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT => "The identity server is unavailable",
            _ => "Authentication error",
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self.0, "authentication failed");
        } else {
            tracing::info!(error = %self.0, "authentication failed");
        }
        let page = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body><h1>{title}</h1><p id=\"auth-error\">{message}</p><p><a href=\"/\">Back to the app</a></p>\
             </body></html>",
            title = self.title(),
            message = escape_html(&self.0.to_string()),
        );
        (status, Html(page)).into_response()
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
