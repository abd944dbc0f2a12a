//! Errors as pages in the sample's own style: [`error_page`] for the sample's handlers,
//! [`restyle`] for the error pages of the integration's routes (sign-in, callback, sign-out)
//! and its extractors, and the 404 page.

use crate::layout::page;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use logto_axum::{AuthError, escape_html};

/// Marks a response as one of the sample's own error pages, so [`restyle`] leaves it alone.
#[derive(Debug, Clone, Copy)]
struct StyledErrorPage;

/// The page of a failed SDK call: the status, title and user-facing text [`AuthError`] decides
/// (server-side details stay in the log, where this puts them).
pub(crate) fn auth_error_page(error: AuthError) -> Response {
    let status = error.status();
    if status.is_server_error() {
        tracing::error!(%error, status = status.as_u16(), "a page failed");
    } else {
        tracing::info!(%error, status = status.as_u16(), "a page was refused");
    }
    error_page(status, error.title(), &escape_html(&capitalise(&error.public_message())))
}

/// An error page with `title` and `message` (HTML, already escaped) and the way back.
pub(crate) fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let sign_in =
        if matches!(status, StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            "<a class=\"btn secondary\" href=\"/sign-in\">Sign in again</a>"
        } else {
            ""
        };
    let hint = match status {
        StatusCode::BAD_REQUEST => {
            "This happens when a sign-in link is opened twice, in another browser, or too late. Start again."
        }
        StatusCode::UNAUTHORIZED => "The session has ended. Sign in again to continue.",
        StatusCode::FORBIDDEN => "If this is unexpected, ask the app's administrator.",
        s if s.is_server_error() => "The app or the identity server had a problem. Try again in a moment.",
        _ => "",
    };
    let body = format!(
        "<section class=\"card error-page\"><span class=\"code\">{code} {reason}</span><h1>{title}</h1>\
         <p class=\"message\" id=\"auth-error\">{message}</p><p class=\"hint\">{hint}</p>\
         <div class=\"actions\"><a class=\"btn primary\" href=\"/\">Back to the home page</a>{sign_in}</div></section>",
        code = status.as_u16(),
        reason = status.canonical_reason().unwrap_or("Error"),
        title = escape_html(title),
    );
    let mut response = (status, page(title, "", None, &body)).into_response();
    response.extensions_mut().insert(StyledErrorPage);
    response
}

/// The 404 page.
pub(crate) async fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "There is no such page",
        "The address does not lead to a page of this sample. The home page links to all of them.",
    )
}

/// Re-renders the error responses of the integration's routes in the sample's style.
///
/// `logto_axum` answers a failed callback (a forged or replayed one, a denied consent) with a
/// small page of its own whose title is the `<h1>` and whose text is `#auth-error`; a refused
/// cross-site sign-out is plain text. The status and the words are kept, the page is the
/// sample's. Anything this cannot read is passed on unchanged.
pub(crate) async fn restyle(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<StyledErrorPage>().is_some()
    {
        return response;
    }
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return error_page(status, default_title(status), "The server could not finish the answer.");
    };
    let text = String::from_utf8_lossy(&bytes);
    let (title, message) = if html {
        let title = between(&text, "<h1>", "</h1>").map(unescape);
        let message = between(&text, "<p id=\"auth-error\">", "</p>").map(unescape);
        match (title, message) {
            (Some(title), Some(message)) => (title, message),
            // Not the page this knows: keep it as it was.
            _ => return Response::from_parts(parts, axum::body::Body::from(bytes)),
        }
    } else if text.trim().is_empty() {
        (default_title(status).to_owned(), default_message(status).to_owned())
    } else {
        (default_title(status).to_owned(), text.trim().to_owned())
    };
    let mut styled = error_page(status, &title, &escape_html(&capitalise(&message)));
    // Keep what the integration said about the response (a challenge, an allowed method).
    for name in [header::WWW_AUTHENTICATE, header::ALLOW] {
        if let Some(value) = parts.headers.get(&name) {
            styled.headers_mut().insert(name, value.clone());
        }
    }
    styled
}

/// Gives an empty 5xx the sample's error page. The session layer answers a bare `500` when it
/// cannot save the session (its store is unreachable); it sits outside the pages' own styling.
/// Anything with a body (the API's JSON answers included) is passed on unchanged.
pub(crate) async fn fill_empty_server_error(response: Response) -> Response {
    use axum::body::HttpBody;
    let status = response.status();
    if status.is_server_error() && response.body().size_hint().exact() == Some(0) {
        return error_page(status, default_title(status), default_message(status));
    }
    response
}

fn default_title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::FORBIDDEN => "That was refused",
        StatusCode::NOT_FOUND => "There is no such page",
        StatusCode::METHOD_NOT_ALLOWED => "Not like this",
        s if s.is_server_error() => "Something went wrong",
        _ => "The request could not be completed",
    }
}

fn default_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            "This address answers a form button, not a link. Sign out with the button at the top of the page."
        }
        s if s.is_server_error() => "Please try again in a moment. The details are in the application's log.",
        _ => "Please go back and try again.",
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The text between the first `start` and the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

/// Undoes [`escape_html`], so the text can be escaped again (and is escaped even if it was not).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_integration_page_is_restyled_with_its_words() {
        let error = AuthError(logto::LogtoError::from(logto::CallbackError::StateMismatch));
        let words = error.public_message();
        let restyled = restyle(error.into_response()).await;
        assert_eq!(restyled.status(), StatusCode::BAD_REQUEST);
        let body = axum::body::to_bytes(restyled.into_body(), usize::MAX).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            body.contains("class=\"card error-page\"") && body.contains("Sign-in could not be completed")
        );
        assert!(body.contains(&escape_html(&capitalise(&words))), "{body}");
    }

    #[tokio::test]
    async fn an_empty_server_error_gets_a_page_and_the_rest_passes() {
        let empty = fill_empty_server_error(StatusCode::INTERNAL_SERVER_ERROR.into_response()).await;
        assert_eq!(empty.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(empty.into_body(), usize::MAX).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("class=\"card error-page\""));
        let json = (StatusCode::BAD_GATEWAY, axum::Json(serde_json::json!({"error": "x"}))).into_response();
        let body =
            axum::body::to_bytes(fill_empty_server_error(json).await.into_body(), usize::MAX).await.unwrap();
        assert_eq!(&body[..], br#"{"error":"x"}"#);
    }

    #[tokio::test]
    async fn plain_text_and_unknown_pages() {
        let plain = restyle((StatusCode::FORBIDDEN, "cross-site sign-out refused").into_response()).await;
        let body = axum::body::to_bytes(plain.into_body(), usize::MAX).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("Cross-site sign-out refused"));
        let other =
            (StatusCode::BAD_REQUEST, axum::response::Html("<p><script>x</script></p>")).into_response();
        let body = axum::body::to_bytes(restyle(other).await.into_body(), usize::MAX).await.unwrap();
        assert_eq!(&body[..], b"<p><script>x</script></p>");
        assert_eq!(unescape(&escape_html("a &lt; <b> & 'c\"")), "a &lt; <b> & 'c\"");
    }
}
