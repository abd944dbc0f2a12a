//! An OAuth error as Logto answers it: a status and
//! `{"code":"oidc.<error>","message":…,"error":…,"error_description":…}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer of the token, userinfo or authorization endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub(crate) status: u16,
    pub(crate) error: String,
    pub(crate) description: String,
}

impl OAuthError {
    pub(crate) fn new(status: u16, error: &str, description: impl Into<String>) -> Self {
        Self { status, error: error.to_owned(), description: description.into() }
    }

    pub(crate) fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_grant", description)
    }

    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }

    pub(crate) fn invalid_client() -> Self {
        Self::new(401, "invalid_client", "client authentication failed")
    }

    pub(crate) fn invalid_target(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_target", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let body = json!({
            "code": format!("oidc.{}", self.error),
            "message": self.description,
            "error": self.error,
            "error_description": self.description,
        });
        let mut response = (status, Json(body)).into_response();
        if self.status == 401 {
            let challenge = format!("Bearer realm=\"oidc\", error=\"{}\"", self.error);
            if let Ok(value) = challenge.parse() {
                response.headers_mut().insert("www-authenticate", value);
            }
        }
        response
    }
}
