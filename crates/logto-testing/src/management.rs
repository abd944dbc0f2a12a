//! The part of Logto's Management API an app's organization admin page needs, with a
//! machine-to-machine token for [`MANAGEMENT_API_RESOURCE`](crate::MANAGEMENT_API_RESOURCE)
//! (scope `all`): an organization's members (paged, with their organization roles), adding and
//! removing members, and reading and replacing a member's organization roles. Organization
//! roles are names (a role's id is its name); any organization id exists. Errors have Logto's
//! API shape (`{"code": ..., "message": ...}`).

use crate::account::profile;
use crate::routes::SharedState;
use axum::Json;
use axum::extract::{Path, Query, State as Shared};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde_json::{Value, json};
use std::collections::HashMap;

pub(crate) fn routes() -> axum::Router<SharedState> {
    axum::Router::new()
        .route("/api/organizations/{id}/users", get(members).post(add_members))
        .route("/api/organizations/{id}/users/{user_id}", axum::routing::delete(remove_member))
        .route("/api/organizations/{id}/users/{user_id}/roles", put(replace_roles).get(roles))
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

type Locked<'a> = std::sync::MutexGuard<'a, crate::state::State>;

fn unauthorized() -> Response {
    api_error(
        StatusCode::UNAUTHORIZED,
        "auth.unauthorized",
        "Unauthorized. Please check credentials and its scope.",
    )
}

/// The state, when the request carries a live Management API token.
fn authorized<'a>(state: &'a SharedState, headers: &HeaderMap) -> Option<Locked<'a>> {
    let state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    token.is_some_and(|token| state.is_management_token(token)).then_some(state)
}

/// Organization roles as a member's `organizationRoles` lists them.
fn role_refs(roles: &[String]) -> Value {
    json!(roles.iter().map(|role| json!({ "id": role, "name": role })).collect::<Vec<_>>())
}

/// Organization roles as Logto's role endpoints answer them.
fn roles_json(roles: &[String]) -> Value {
    let role = |name: &String| json!({ "tenantId": "default", "id": name, "name": name, "description": null, "type": "User" });
    json!(roles.iter().map(role).collect::<Vec<_>>())
}

/// `GET /api/organizations/{id}/users`: its members, with `organizationRoles`, paged by
/// `page`/`page_size` with `Total-Number`.
async fn members(
    Shared(state): Shared<SharedState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(state) = authorized(&state, &headers) else { return unauthorized() };
    let all: Vec<Value> = state
        .users
        .values()
        .filter_map(|user| {
            let (roles, _) = user.organizations.get(&id)?;
            let mut member = profile(user);
            member["organizationRoles"] = role_refs(roles);
            Some(member)
        })
        .collect();
    let number = |name: &str, default: usize| {
        query.get(name).and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(default)
    };
    let (page, size) = (number("page", 1), number("page_size", 20));
    let items: Vec<Value> = all.iter().skip((page - 1) * size).take(size).cloned().collect();
    ([("total-number", all.len().to_string())], Json(items)).into_response()
}

/// `POST /api/organizations/{id}/users` `{"userIds": [...]}`: 201; an unknown user is 422.
async fn add_members(
    Shared(state): Shared<SharedState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let Some(mut state) = authorized(&state, &headers) else { return unauthorized() };
    let Some(ids) = body.get("userIds").and_then(Value::as_array) else {
        return api_error(StatusCode::BAD_REQUEST, "guard.invalid_input", "`userIds` is required.");
    };
    let ids: Vec<String> = ids.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    if let Some(unknown) = ids.iter().find(|sub| !state.users.contains_key(*sub)) {
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "entity.relation_foreign_key_not_found",
            &format!("The user `{unknown}` does not exist."),
        );
    }
    for sub in ids {
        if let Some(user) = state.users.get_mut(&sub) {
            user.organizations.entry(id.clone()).or_default();
        }
    }
    StatusCode::CREATED.into_response()
}

/// `DELETE /api/organizations/{id}/users/{userId}`: 204, or 404 when not a member.
async fn remove_member(
    Shared(state): Shared<SharedState>,
    Path((id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(mut state) = authorized(&state, &headers) else { return unauthorized() };
    match state.users.get_mut(&user_id).and_then(|user| user.organizations.remove(&id)) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => api_error(
            StatusCode::NOT_FOUND,
            "entity.not_found",
            "The user is not a member of the organization.",
        ),
    }
}

/// `GET /api/organizations/{id}/users/{userId}/roles`.
async fn roles(
    Shared(state): Shared<SharedState>,
    Path((id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(state) = authorized(&state, &headers) else { return unauthorized() };
    match state.users.get(&user_id).and_then(|user| user.organizations.get(&id)) {
        Some((roles, _)) => Json(roles_json(roles)).into_response(),
        None => api_error(
            StatusCode::NOT_FOUND,
            "entity.not_found",
            "The user is not a member of the organization.",
        ),
    }
}

/// `PUT /api/organizations/{id}/users/{userId}/roles` `{"organizationRoleNames" | "organizationRoleIds": [...]}`:
/// 204. The member's organization scopes stay as they were given.
async fn replace_roles(
    Shared(state): Shared<SharedState>,
    Path((id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let Some(mut state) = authorized(&state, &headers) else { return unauthorized() };
    let names = body
        .get("organizationRoleNames")
        .or_else(|| body.get("organizationRoleIds"))
        .and_then(Value::as_array);
    let Some(names) = names else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
            "`organizationRoleIds` or `organizationRoleNames` is required.",
        );
    };
    let names: Vec<String> = names.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    match state.users.get_mut(&user_id).and_then(|user| user.organizations.get_mut(&id)) {
        Some((roles, _)) => {
            *roles = names;
            StatusCode::NO_CONTENT.into_response()
        }
        None => api_error(
            StatusCode::NOT_FOUND,
            "entity.not_found",
            "The user is not a member of the organization.",
        ),
    }
}
