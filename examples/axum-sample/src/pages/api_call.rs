//! `/protected/api`: the server calls the sample's own API (`/api/data`, behind the bearer
//! guard) with the session's access token for the API resource, and once without a token, and
//! shows both answers.

use crate::AppState;
use crate::errors::auth_error_page;
use crate::layout::{heading, page};
use crate::view::{access_token_rows, badge, code, pretty};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use logto_axum::{AuthError, RedirectToSignIn, SignedInUser, escape_html};

pub(crate) async fn api_call(
    State(state): State<AppState>,
    user: SignedInUser<RedirectToSignIn>,
) -> Response {
    let token = match user.access_token(state.api_resource.as_str()).await {
        Ok(token) => token,
        Err(error) => return auth_error_page(AuthError(error)),
    };
    let claims = match logto::OidcCore::decode_access_token(token.secret()) {
        Ok(claims) => format!("<table class=\"kv\">{}</table>", access_token_rows(&claims)),
        Err(error) => format!("<p class=\"muted\">{}</p>", escape_html(&AuthError(error).public_message())),
    };
    let with_token = call(&state, state.http.get(&state.api_url).bearer_auth(token.secret())).await;
    let without_token = call(&state, state.http.get(&state.api_url)).await;
    page(
        "API call",
        "/protected/api",
        Some(user.claims()),
        &format!(
            "{heading}<div class=\"grid\">\
             <section class=\"card\" id=\"with-token\"><h2>With the access token</h2>\
             <p class=\"sub\">{request} with <code>Authorization: Bearer</code> and the session's token for {resource}.</p>{with_token}</section>\
             <section class=\"card\" id=\"without-token\"><h2>Without a token</h2>\
             <p class=\"sub\">{request} with no <code>Authorization</code> header: the bearer guard refuses it.</p>{without_token}</section>\
             </div><section class=\"card\"><h2>The token that was sent</h2><p class=\"sub\">Decoded here for you to read; \
             the API verified it (signature, issuer, audience, expiry, the <code>{scope}</code> scope). Its value is not shown.</p>{claims}</section>",
            heading = heading(
                "API call",
                "The app's server calls a protected API, here this sample's own <code>/api/data</code>, with the \
                 access token the session holds for the API resource. The API checks the token with \
                 <code>BearerAuthLayer</code> and answers with what it read from it."
            ),
            request = format!("<code>GET {}</code>", escape_html(&state.api_url)),
            resource = code(&state.api_resource),
            scope = escape_html(crate::API_SCOPE),
        ),
    )
    .into_response()
}

/// Sends the request and shows the answer: status, the bearer challenge, the JSON body.
async fn call(state: &AppState, request: reqwest::RequestBuilder) -> String {
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(%error, url = %state.api_url, "the API call failed");
            return format!(
                "<p>{} The API at {} did not answer. Set <code>API_URL</code> if the app cannot reach its own public address.</p>",
                badge("bad", "no answer"),
                code(&state.api_url)
            );
        }
    };
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            format!(
                "<p style=\"margin:10px 0 0\"><span class=\"muted\">WWW-Authenticate:</span> {}</p>",
                code(value)
            )
        })
        .unwrap_or_default();
    let body = match response.text().await {
        Ok(body) => match serde_json::from_str::<serde_json::Value>(&body) {
            Ok(json) => format!("<pre class=\"api-body\">{}</pre>", pretty(&json)),
            Err(_) if body.is_empty() => "<p class=\"muted\">(empty body)</p>".to_owned(),
            Err(_) => format!("<pre class=\"api-body\">{}</pre>", escape_html(&body)),
        },
        Err(error) => {
            format!("<p class=\"muted\">The body could not be read: {}</p>", escape_html(&error.to_string()))
        }
    };
    let kind = if status.is_success() { "ok" } else { "bad" };
    format!(
        "<p style=\"margin:0\"><span class=\"muted\">Response</span> <span class=\"badge {kind} status\">{} {}</span></p>{challenge}{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default(),
    )
}
