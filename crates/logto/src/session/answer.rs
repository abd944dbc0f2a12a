//! [`Answer`]: an HTTP answer the engine decided (status, headers, body), which a face turns into
//! its framework's response as it is, so every face answers a request the same.

use crate::error::LogtoError;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// An HTTP answer: status, headers and body.
///
/// ```
/// let answer = logto::session::Answer::redirect("/after");
/// assert_eq!(answer.status, 302);
/// assert_eq!(answer.header("location"), Some("/after"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers (lowercase names).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: String,
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";

impl Answer {
    /// A `302 Found` to `location` (the status the official SDKs use); anything but visible
    /// ASCII in it is percent-encoded, so the header is valid in every face.
    ///
    /// ```
    /// let answer = logto::session::Answer::redirect("/caf\u{e9}?q=a b");
    /// assert_eq!(answer.header("location"), Some("/caf%C3%A9?q=a%20b"));
    /// ```
    pub fn redirect(location: impl Into<String>) -> Self {
        Self { status: 302, headers: vec![("location", header_safe(&location.into()))], body: String::new() }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self { status, headers: vec![("content-type", JSON.to_owned())], body: body.to_string() }
    }

    /// The `401 {"error": "Not authenticated"}` of a JSON endpoint nobody is signed in to (the
    /// official SDK's guide answers so).
    pub fn not_authenticated() -> Self {
        Self::json(401, &serde_json::json!({ "error": "Not authenticated" }))
    }

    /// A core error as an HTML error page with the status its kind calls for: client-caused
    /// failures keep their helpful text, server-side ones show a generic sentence and keep the
    /// details in the log (they may name internal hosts). Logged; client errors rate-limited.
    ///
    /// ```
    /// use logto::{CallbackError, LogtoError};
    /// let page = logto::session::Answer::error_page(&LogtoError::from(CallbackError::StateMismatch));
    /// assert_eq!(page.status, 400);
    /// assert!(page.body.contains("Sign-in could not be completed"));
    /// ```
    pub fn error_page(error: &LogtoError) -> Self {
        let status = status_of(error);
        log_error(error, status);
        let title = title_of(status);
        Self::page(status, title, &message_for(error, status))
    }

    /// A core error as a JSON answer (`error`, `error_description`), logged like
    /// [`error_page`](Self::error_page).
    pub fn error_json(error: &LogtoError) -> Self {
        let status = status_of(error);
        log_error(error, status);
        let code = if status < 500 { "invalid_request" } else { "server_error" };
        Self::json(
            status,
            &serde_json::json!({ "error": code, "error_description": message_for(error, status) }),
        )
    }

    /// A small HTML page with a title and a message (escaped).
    pub fn page(status: u16, title: &str, message: &str) -> Self {
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
             <body style=\"font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem\">\
             <h1>{title}</h1><p id=\"auth-error\">{message}</p>\
             <p><a href=\"/\">Back to the app</a></p></body></html>",
            title = escape_html(title),
            message = escape_html(message),
        );
        Self { status, headers: vec![("content-type", HTML.to_owned())], body }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The first value of the header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str())
    }
}

/// `text` with every byte that is not visible ASCII percent-encoded.
fn header_safe(text: &str) -> String {
    let mut safe = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_graphic() {
            safe.push(char::from(byte));
        } else {
            safe.push_str(&format!("%{byte:02X}"));
        }
    }
    safe
}

/// The status of a core error: [`LogtoError::http_status`], kept to 4xx/5xx.
fn status_of(error: &LogtoError) -> u16 {
    let status = error.http_status();
    if (400..=599).contains(&status) { status } else { 500 }
}

/// The page title of a status.
pub fn title_of(status: u16) -> &'static str {
    match status {
        400 => "Sign-in could not be completed",
        401 => "Please sign in again",
        403 => "Access was denied",
        502 | 504 => "The identity server is unavailable",
        503 => "The service is unavailable",
        _ => "Something went wrong",
    }
}

/// The text an error page shows for `error`: the error itself for client-caused failures (it
/// helps fix a misconfigured redirect URI), a generic sentence for server-side ones (their
/// details, such as addresses of internal services, stay in the log).
///
/// ```
/// let error = logto::LogtoError::Timeout { endpoint: "http://10.0.0.1/oidc/token".into() };
/// assert!(!logto::session::public_message(&error).contains("10.0.0.1"));
/// ```
pub fn public_message(error: &LogtoError) -> String {
    message_for(error, status_of(error))
}

fn message_for(error: &LogtoError, status: u16) -> String {
    if status >= 500 {
        "Please try again in a moment. The details are in the application's log.".to_owned()
    } else {
        error.to_string()
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
///
/// ```
/// assert_eq!(logto::session::escape_html("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
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

/// Logs a failure: server-side ones at ERROR, client-caused ones at INFO and rate-limited
/// (anyone can send forged callbacks and logout tokens).
fn log_error(error: &LogtoError, status: u16) {
    if status >= 500 {
        tracing::error!(%error, status, "authentication failed");
        return;
    }
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
        tracing::info!(%error, status, "authentication refused");
    } else {
        window.suppressed += 1;
    }
}
