//! The HTTP face of the server: Logto's routes under `/oidc` (and the Account API's profile,
//! [`account`](crate::account)), each parsing its request and answering with what
//! [`State`](crate::state::State) decides.

use crate::oauth_error::OAuthError;
use crate::state::{AuthRequest, Exchange, ORGANIZATIONS_SCOPE, State, TOKEN_EXCHANGE, Target};
use axum::extract::{Form, Path, Query, State as Shared};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use url::Url;

pub(crate) type SharedState = Arc<Mutex<State>>;

fn lock(state: &SharedState) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The server's routes.
pub(crate) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/oidc/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/auth", get(authorize))
        .route("/oidc/interaction/{id}", post(interaction))
        .route("/oidc/token", post(token))
        .route("/oidc/me", get(user_info).post(user_info))
        .route("/oidc/device/auth", post(device_authorization))
        .route("/oidc/token/revocation", post(revocation))
        .route("/oidc/session/end", get(end_session))
        .route("/api/my-account", get(crate::account::my_account).patch(crate::account::my_account))
        .merge(crate::management::routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), unless_down))
        .with_state(state)
}

/// Every route answers 503 while the server is [down](crate::MockLogto::set_down).
async fn unless_down(
    Shared(state): Shared<SharedState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if lock(&state).down {
        return OAuthError::new(503, "server_error", "the identity server is down (MockLogto::set_down)")
            .into_response();
    }
    next.run(request).await
}

async fn discovery(Shared(state): Shared<SharedState>) -> Json<Value> {
    let state = lock(&state);
    let issuer = state.issuer();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/me"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/session/end"),
        "revocation_endpoint": format!("{issuer}/token/revocation"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", TOKEN_EXCHANGE, DEVICE_CODE],
        "device_authorization_endpoint": format!("{issuer}/device/auth"),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES384"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "scopes_supported": [
            "openid", "offline_access", "profile", "email", "phone", "custom_data", "identities", "roles",
            ORGANIZATIONS_SCOPE, "urn:logto:scope:organization_roles",
        ],
        "claims_supported": [
            "sub", "name", "picture", "username", "email", "email_verified", "phone_number",
            "phone_number_verified", "roles", "organizations", "organization_roles", "custom_data",
            "created_at", "updated_at",
        ],
        "authorization_response_iss_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
    }))
}

async fn jwks(Shared(state): Shared<SharedState>) -> Response {
    let keys: Vec<Value> = lock(&state).keys.iter().map(|key| key.jwk()).collect();
    ([(header::CACHE_CONTROL, "no-cache")], Json(json!({ "keys": keys }))).into_response()
}

/// `GET /oidc/auth`: signs the chosen user in at once (no page) and redirects back with a code.
async fn authorize(Shared(state): Shared<SharedState>, uri: axum::http::Uri) -> Response {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut state = lock(&state);
    let client_id = one("client_id").unwrap_or_default();
    let Some(app) = state.apps.get(&client_id) else {
        return OAuthError::new(400, "invalid_client", "client is invalid").into_response();
    };
    let redirect_uri = one("redirect_uri").unwrap_or_default();
    if !app.allows_redirect(&redirect_uri) {
        return OAuthError::new(
            400,
            "invalid_redirect_uri",
            "redirect_uri did not match any of the client's registered redirect_uris",
        )
        .into_response();
    }
    let issuer = state.issuer();
    let back = |params: &[(&str, &str)]| redirect_back(&redirect_uri, &issuer, params);
    let request_state = one("state").unwrap_or_default();
    let error = |error: &str, description: &str| {
        back(&[("error", error), ("error_description", description), ("state", request_state.as_str())])
    };
    if one("response_type").as_deref() != Some("code") {
        return error("unsupported_response_type", "only response_type=code is supported");
    }
    let (Some(challenge), Some("S256")) = (one("code_challenge"), one("code_challenge_method").as_deref())
    else {
        return error("invalid_request", "PKCE with code_challenge_method=S256 is required");
    };
    let scopes: Vec<String> =
        one("scope").unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    if !scopes.iter().any(|s| s == "openid") {
        return error("invalid_scope", "openid scope must be requested");
    }
    let resources: Vec<String> =
        pairs.iter().filter(|(k, _)| k == "resource").map(|(_, v)| v.clone()).collect();
    let request = AuthRequest {
        client_id,
        redirect_uri: redirect_uri.clone(),
        scopes,
        resources,
        prompt: one("prompt"),
        challenge,
        nonce: one("nonce"),
    };
    if state.login_page {
        // A browser test: the page lists the users; the choice comes back to `interaction`.
        let id = state.park(request, request_state);
        return Html(login_page(&id, state.users.values())).into_response();
    }
    match state.authorize(request) {
        Ok(code) => back(&[("code", code.as_str()), ("state", request_state.as_str())]),
        Err(refused) => error(&refused.error, &refused.description),
    }
}

/// The app's redirect URI with `params` and `iss`.
fn redirect_back(redirect_uri: &str, issuer: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut target) = Url::parse(redirect_uri) else {
        return OAuthError::invalid_request("redirect_uri is not a URL").into_response();
    };
    target.query_pairs_mut().extend_pairs(params.iter().copied()).append_pair("iss", issuer);
    Redirect::to(target.as_str()).into_response()
}

/// The login page of a browser test: one button per user, and a cancel button.
fn login_page<'a>(interaction: &str, users: impl Iterator<Item = &'a crate::User>) -> String {
    let escape = |text: &str| {
        text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    };
    let buttons: String = users
        .map(|user| {
            let label = ["username", "name", "email"]
                .iter()
                .find_map(|claim| user.claims.get(*claim).and_then(serde_json::Value::as_str))
                .unwrap_or(&user.sub);
            format!(
                "<button type=\"submit\" name=\"sub\" value=\"{}\">Sign in as {}</button>",
                escape(&user.sub),
                escape(label)
            )
        })
        .collect();
    format!(
        "<!doctype html><meta charset=\"utf-8\"><title>Sign in (MockLogto)</title>\
         <form method=\"post\" action=\"/oidc/interaction/{}\">{buttons}\
         <button type=\"submit\" name=\"cancel\" value=\"1\">Cancel</button></form>",
        escape(interaction)
    )
}

/// `POST /oidc/interaction/{id}`: the login page's answer (`sub`, or `cancel`).
async fn interaction(
    Shared(state): Shared<SharedState>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut state = lock(&state);
    let Some((request, request_state)) = state.unpark(&id) else {
        return OAuthError::invalid_request("this sign-in is over or unknown").into_response();
    };
    let issuer = state.issuer();
    let redirect_uri = request.redirect_uri.clone();
    let outcome = match form.get("sub") {
        Some(sub) if !form.contains_key("cancel") => state.authorize_as(request, sub),
        _ => Err(OAuthError::new(400, "access_denied", "the user cancelled the sign-in")),
    };
    let params: Vec<(&str, &str)> = match &outcome {
        Ok(code) => vec![("code", code.as_str()), ("state", request_state.as_str())],
        Err(refused) => vec![
            ("error", refused.error.as_str()),
            ("error_description", refused.description.as_str()),
            ("state", request_state.as_str()),
        ],
    };
    redirect_back(&redirect_uri, &issuer, &params)
}

/// The client's id and secret from `client_secret_basic` or `client_secret_post` (or a public
/// client's id alone).
fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(String, Option<String>), OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "));
    match basic {
        Some(encoded) => {
            if form.contains_key("client_secret") {
                return Err(OAuthError::invalid_request(
                    "client authentication must only be provided using one mechanism",
                ));
            }
            let decoded = STANDARD.decode(encoded.trim()).map_err(|_| OAuthError::invalid_client())?;
            let decoded = String::from_utf8(decoded).map_err(|_| OAuthError::invalid_client())?;
            let (id, secret) = decoded.split_once(':').ok_or_else(OAuthError::invalid_client)?;
            let decode = |part: &str| {
                url::form_urlencoded::parse(format!("x={part}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Ok((decode(id), Some(decode(secret))))
        }
        None => {
            let id = form.get("client_id").cloned().ok_or_else(OAuthError::invalid_client)?;
            Ok((id, form.get("client_secret").cloned()))
        }
    }
}

/// `POST /oidc/token`.
/// A form's fields, or oidc-provider's refusal of a field sent twice (`resource` excepted where
/// `repeatable`).
fn single_fields(body: &[u8], repeatable: &[&str]) -> Result<HashMap<String, String>, OAuthError> {
    let mut fields = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(body).into_owned() {
        if fields.insert(name.clone(), value).is_some() && !repeatable.contains(&name.as_str()) {
            return Err(OAuthError::invalid_request(format!(
                "'{name}' parameter must not be provided twice"
            )));
        }
    }
    Ok(fields)
}

async fn token(Shared(state): Shared<SharedState>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let form = match single_fields(&body, &[]) {
        Ok(form) => form,
        Err(error) => return error.into_response(),
    };
    let delay = lock(&state).token_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut state = lock(&state);
    let grant_type = form.get("grant_type").cloned().unwrap_or_default();
    let presented = (grant_type == "refresh_token").then(|| form.get("refresh_token").cloned()).flatten();
    let outcome = match state.token_failures.pop_front() {
        Some(failure) => Err(failure),
        None => answer_token(&mut state, &grant_type, &headers, &form),
    };
    state.record(&grant_type, presented.as_deref(), &outcome);
    match outcome {
        Ok(body) => ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response(),
        Err(error) => error.into_response(),
    }
}

fn answer_token(
    state: &mut State,
    grant_type: &str,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Value, OAuthError> {
    let (client_id, secret) = client_credentials(headers, form)?;
    let app = state.authenticate(&client_id, secret.as_deref())?.clone();
    let field = |name: &str| {
        form.get(name)
            .cloned()
            .ok_or_else(|| OAuthError::invalid_request(format!("missing required parameter '{name}'")))
    };
    let target = Target {
        resource: form.get("resource").cloned(),
        organization_id: form.get("organization_id").cloned(),
        scope: form.get("scope").cloned(),
    };
    match grant_type {
        "authorization_code" => {
            state.exchange_code(&app.id, &field("code")?, &field("redirect_uri")?, &field("code_verifier")?)
        }
        "refresh_token" => state.refresh(&app, &field("refresh_token")?, &target),
        "client_credentials" => state.client_credentials(&app, &target),
        DEVICE_CODE => state.exchange_device_code(&app.id, &field("device_code")?),
        TOKEN_EXCHANGE => {
            let actor = match (form.get("actor_token"), form.get("actor_token_type")) {
                (Some(token), Some(kind)) => Some((token.clone(), kind.clone())),
                (None, None) => None,
                _ => return Err(OAuthError::invalid_request("actor_token and actor_token_type go together")),
            };
            let request = Exchange {
                subject_token: field("subject_token")?,
                subject_token_type: field("subject_token_type")?,
                actor,
            };
            state.exchange(&app, &request, &target)
        }
        "" => Err(OAuthError::invalid_request("missing required parameter 'grant_type'")),
        _ => Err(OAuthError::new(400, "unsupported_grant_type", "unsupported grant_type requested")),
    }
}

/// The device-code grant type.
const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// `POST /oidc/device/auth` (form: `client_id`, `scope`, `resource` repeated).
async fn device_authorization(Shared(state): Shared<SharedState>, body: axum::body::Bytes) -> Response {
    if let Err(error) = single_fields(&body, &["resource"]) {
        return error.into_response();
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let value = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let resources = pairs.iter().filter(|(k, _)| k == "resource").map(|(_, v)| v.clone()).collect();
    let Some(client_id) = value("client_id") else {
        return OAuthError::invalid_request("missing required parameter 'client_id'").into_response();
    };
    let scope = value("scope").unwrap_or_default();
    match lock(&state).device_authorization(&client_id, &scope, resources) {
        Ok(body) => ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `GET`/`POST /oidc/me`.
async fn user_info(Shared(state): Shared<SharedState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let Some(token) = token else {
        return OAuthError::new(401, "invalid_token", "no access token provided").into_response();
    };
    match lock(&state).user_info(token.trim()) {
        Ok(claims) => Json(claims).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `POST /oidc/token/revocation`: always 200 for an authenticated client.
async fn revocation(
    Shared(state): Shared<SharedState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut state = lock(&state);
    let authenticated = client_credentials(&headers, &form)
        .and_then(|(id, secret)| state.authenticate(&id, secret.as_deref()).map(|app| app.id.clone()));
    let client_id = match authenticated {
        Ok(client_id) => client_id,
        Err(error) => return error.into_response(),
    };
    if let Some(token) = form.get("token") {
        state.revoke(&client_id, token);
    }
    StatusCode::OK.into_response()
}

/// `GET /oidc/session/end`: to the registered post-sign-out URI, or a page saying so.
async fn end_session(
    Shared(state): Shared<SharedState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let state = lock(&state);
    let target = query.get("post_logout_redirect_uri");
    match (query.get("client_id").and_then(|id| state.apps.get(id)), target) {
        (Some(app), Some(target)) if app.allows_post_logout_redirect(target) => {
            Redirect::to(target).into_response()
        }
        (_, Some(_)) => {
            OAuthError::invalid_request("post_logout_redirect_uri not registered").into_response()
        }
        (_, None) => {
            Html("<!doctype html><title>Signed out</title><p>You are signed out.</p>").into_response()
        }
    }
}
