//! [`AuthError`]: a core error answered as the engine's error page
//! ([`Answer::error_page`](logto::session::Answer::error_page)), and the conversion of an engine
//! [`Answer`] into an axum response.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use logto::LogtoError;
use logto::session::Answer;
use std::fmt;

pub use logto::session::escape_html;

/// A failed sign-in, callback, sign-out or token request, answered as an HTML error page with the
/// status the error's kind calls for (the same page in every face).
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

    /// A short title for the page ([`logto::session::title_of`]).
    pub fn title(&self) -> &'static str {
        logto::session::title_of(self.status().as_u16())
    }

    /// The text shown to the user ([`logto::session::public_message`]).
    pub fn public_message(&self) -> String {
        logto::session::public_message(&self.0)
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        answer_response(Answer::error_page(&self.0))
    }
}

/// An engine [`Answer`] as an axum response, as it is.
///
/// ```
/// let response = logto_axum::answer_response(logto::session::Answer::redirect("/"));
/// assert_eq!(response.status(), axum::http::StatusCode::FOUND);
/// ```
pub fn answer_response(answer: Answer) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value))
        {
            response.headers_mut().append(name, value);
        }
    }
    response
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
        let network = Answer::error_page(&LogtoError::InvalidResponse {
            endpoint: "http://10.1.2.3:6379/secret-internal".into(),
            reason: "boom".into(),
        });
        assert!(!network.body.contains("10.1.2.3"));
        let callback = Answer::error_page(&LogtoError::from(CallbackError::PathMismatch {
            redirect_uri: "https://app/callback".into(),
            expected_path: "/callback".into(),
            actual_path: "/cb".into(),
        }));
        assert!(callback.body.contains("/cb"));
    }
}
