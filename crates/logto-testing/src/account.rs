//! Logto's Account API for the signed-in user, as far as a test of an app's "my account" page
//! needs it: `GET /api/my-account` (the profile) and `PATCH /api/my-account` (`name`, `avatar`,
//! `username`, `customData`), with the user's opaque access token, as if the tenant's account
//! center let users read and edit those fields. Errors have Logto's API shape
//! (`{"code": "auth.unauthorized", "message": ...}`).

use crate::directory::User;
use crate::routes::SharedState;
use axum::Json;
use axum::extract::State as Shared;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// The profile in the Account API's shape (its camel-case names, not the ID token's).
pub(crate) fn profile(user: &User) -> Value {
    let claim = |name: &str| user.claims.get(name).cloned().unwrap_or(Value::Null);
    json!({
        "id": user.sub,
        "username": claim("username"),
        "name": claim("name"),
        "avatar": claim("picture"),
        "primaryEmail": claim("email"),
        "primaryPhone": claim("phone_number"),
        "customData": user.custom_data,
        "identities": {},
        "profile": {},
        "lastSignInAt": null,
        "applicationId": null,
        "hasPassword": false,
        "isSuspended": false,
        "createdAt": claim("created_at"),
        "updatedAt": claim("updated_at"),
    })
}

/// `GET /api/my-account` and `PATCH /api/my-account`.
pub(crate) async fn my_account(
    Shared(state): Shared<SharedState>,
    method: axum::http::Method,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let Some(sub) = bearer(&headers).and_then(|token| state.account_holder(token)) else {
        return api_error(
            StatusCode::UNAUTHORIZED,
            "auth.unauthorized",
            "Unauthorized. Please check credentials and its scope.",
        );
    };
    let now_ms = state.now_ms();
    let Some(user) = state.users.get_mut(&sub) else {
        return api_error(StatusCode::NOT_FOUND, "entity.not_exists_with_id", "The user does not exist.");
    };
    if method == axum::http::Method::PATCH {
        let Ok(Value::Object(changes)) = serde_json::from_slice::<Value>(&body) else {
            return api_error(
                StatusCode::BAD_REQUEST,
                "guard.invalid_input",
                "The request body is not a JSON object.",
            );
        };
        if let Err(message) = apply(user, changes, now_ms) {
            return api_error(StatusCode::BAD_REQUEST, "guard.invalid_input", &message);
        }
    }
    Json(profile(user)).into_response()
}

/// Applies the changes, or says which field cannot be changed.
fn apply(user: &mut User, changes: Map<String, Value>, now_ms: u64) -> Result<(), String> {
    for (field, value) in changes {
        let claim = match field.as_str() {
            "name" => "name",
            "avatar" => "picture",
            "username" => "username",
            "customData" if value.is_object() => {
                user.custom_data = value;
                continue;
            }
            _ => return Err(format!("`{field}` cannot be changed here")),
        };
        if !(value.is_string() || value.is_null()) {
            return Err(format!("`{field}` must be a string or null"));
        }
        user.claims.insert(claim.to_owned(), value);
    }
    user.claims.insert("updated_at".to_owned(), json!(now_ms));
    Ok(())
}
