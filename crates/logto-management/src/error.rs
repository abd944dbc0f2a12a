//! [`Error`]: what a call to Logto's API can end with.

use reqwest::StatusCode;
use serde_json::Value;

/// What a call to Logto's API can end with. Logto's own refusals are [`Error::Api`], with the
/// `code` Logto names them by (`user.username_already_in_use`, `entity.not_exists_with_id`, ...).
///
/// ```
/// let error = logto_management::Error::Api {
///     operation: "CreateUser",
///     status: 422,
///     code: Some("user.username_already_in_use".into()),
///     message: "This username is already in use.".into(),
///     data: None,
/// };
/// assert_eq!(error.code(), Some("user.username_already_in_use"));
/// assert_eq!(error.status(), Some(422));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Logto refused the request (a 4xx or 5xx answer, after the retries for 429 and 503).
    #[error("{operation}: Logto answered HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" `{c}`")).unwrap_or_default())]
    Api {
        /// The operation (its id in Logto's OpenAPI document, e.g. `CreateUser`).
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// Logto's error code, when the answer had one.
        code: Option<String>,
        /// Logto's message (or the start of the answer when it was not Logto's error shape).
        message: String,
        /// Logto's `data` member (details of a validation failure).
        data: Option<Value>,
    },
    /// The answer is not the shape the document gives (a Logto newer or older than the
    /// document, or not a Logto).
    #[error("{operation}: the answer is not the documented shape: {source}")]
    Decode {
        /// The operation.
        operation: &'static str,
        /// What did not fit.
        source: serde_json::Error,
    },
    /// The request did not get an answer (connection refused, timeout, TLS).
    #[error("{operation}: {source}")]
    Http {
        /// The operation.
        operation: &'static str,
        /// The transport's error.
        source: reqwest::Error,
    },
    /// No access token to send (the machine-to-machine token request failed, or the user is
    /// not signed in).
    #[error("no access token for Logto's API: {0}")]
    Token(#[from] logto::LogtoError),
    /// A request body that does not serialize.
    #[error("the request body does not serialize: {0}")]
    Body(serde_json::Error),
    /// A client that cannot be built as configured.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
}

impl Error {
    /// Logto's error code (`Api` errors that had one).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of an `Api` error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether Logto said there is no such thing (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    pub(crate) fn from_answer(operation: &'static str, status: StatusCode, body: &[u8]) -> Self {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let field =
            |name: &str| parsed.as_ref().and_then(|v| v.get(name)).and_then(Value::as_str).map(str::to_owned);
        let message = field("message").unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                status.canonical_reason().unwrap_or("error").to_owned()
            } else {
                text.chars().take(200).collect()
            }
        });
        Error::Api {
            operation,
            status: status.as_u16(),
            code: field("code"),
            message,
            data: parsed.as_ref().and_then(|v| v.get("data")).cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_logtos_error_shape_and_survives_others() {
        let body = br#"{"message":"The user does not exist.","code":"entity.not_exists_with_id","data":{"id":"u1"}}"#;
        let error = Error::from_answer("GetUser", StatusCode::NOT_FOUND, body);
        assert_eq!(error.code(), Some("entity.not_exists_with_id"));
        assert!(error.is_not_found());
        assert!(error.to_string().contains("`entity.not_exists_with_id`"), "{error}");
        let html = Error::from_answer("GetUser", StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>");
        assert_eq!(html.code(), None);
        assert!(html.to_string().contains("502"), "{html}");
        let empty = Error::from_answer("GetUser", StatusCode::UNAUTHORIZED, b"");
        assert!(empty.to_string().contains("Unauthorized"), "{empty}");
    }
}
