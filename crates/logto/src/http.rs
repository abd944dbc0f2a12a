//! The one HTTP client of the SDK: timeouts, a body size limit, client authentication and the
//! mapping of every failure to a typed [`LogtoError`].

use crate::error::{LogtoError, Result, ServerError};
use crate::secret::AppSecret;
use base64::Engine;
use serde::de::DeserializeOwned;
use std::time::Duration;
use tracing::Instrument;

/// The largest response body the SDK reads (discovery, JWKS, tokens, userinfo are all far
/// smaller); anything bigger is an [`LogtoError::InvalidResponse`].
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// How long an idle pooled connection is kept: under Node's default keep-alive of 5 s.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// Transport settings of the SDK's HTTP client.
///
/// ```
/// use std::time::Duration;
///
/// let options = logto::HttpOptions::default().with_timeout(Duration::from_secs(5));
/// assert_eq!(options.timeout, Duration::from_secs(5));
/// assert_eq!(options.connect_timeout, Duration::from_secs(5));
/// assert!(!options.allow_insecure_http);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpOptions {
    /// The whole request, from connecting to the last body byte. Applied to every request, also
    /// with a caller's own `reqwest::Client`.
    pub timeout: Duration,
    /// Establishing the connection (for the client the SDK builds).
    pub connect_timeout: Duration,
    /// Whether plain `http://` is allowed for hosts other than loopback (`127.0.0.1`, `::1`,
    /// `localhost`). Off by default: tokens and the app secret must not cross a network in clear.
    pub allow_insecure_http: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            allow_insecure_http: false,
        }
    }
}

impl HttpOptions {
    /// Sets the whole-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Allows plain `http://` to hosts other than loopback (for example inside a private network
    /// whose traffic is encrypted otherwise).
    pub fn with_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Builds a pooled rustls client with these timeouts that never follows redirects.
    ///
    /// ```
    /// let client = logto::HttpOptions::default().build_client().unwrap();
    /// # drop(client);
    /// ```
    pub fn build_client(&self) -> Result<reqwest::Client> {
        reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            // Logto runs on Node, whose HTTP server closes an idle keep-alive connection after
            // 5 s: a pooled connection reused right as the server closes it fails the request
            // ("connection reset"). Drop idle connections before the server does.
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .user_agent(concat!("logto-rust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LogtoError::InvalidConfig(format!("cannot build the HTTP client: {e}")))
    }

    /// Checks that `url` may be called: `https`, or `http` to a loopback host, or `http` anywhere
    /// when [`allow_insecure_http`](Self::allow_insecure_http) is on.
    ///
    /// ```
    /// let options = logto::HttpOptions::default();
    /// assert!(options.check_url("https://t.logto.app/oidc/token").is_ok());
    /// assert!(options.check_url("http://127.0.0.1:3001/oidc/token").is_ok());
    /// assert!(options.check_url("http://localhost/oidc").is_ok());
    /// assert!(options.check_url("http://t.logto.app/oidc/token").is_err());
    /// assert!(options.with_insecure_http(true).check_url("http://t.logto.app/oidc/token").is_ok());
    /// ```
    pub fn check_url(&self, url: &str) -> Result<()> {
        self.checked_url(url).map(drop)
    }

    fn checked_url(&self, url: &str) -> Result<url::Url> {
        let parsed = url::Url::parse(url)
            .map_err(|e| LogtoError::InvalidConfig(format!("`{}` is not a URL: {e}", strip_query(url))))?;
        let loopback = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        match parsed.scheme() {
            "https" if parsed.host().is_some() => Ok(parsed),
            "http" if parsed.host().is_some() && (loopback || self.allow_insecure_http) => Ok(parsed),
            "http" if parsed.host().is_some() => Err(LogtoError::InvalidConfig(format!(
                "`{}` is plain http to a host that is not loopback: use https (or allow insecure http \
                 explicitly in the HTTP options)",
                strip_query(url)
            ))),
            _ => Err(LogtoError::InvalidConfig(format!("`{}` is not an http(s) URL", strip_query(url)))),
        }
    }
}

/// How the app authenticates at the token and revocation endpoints.
#[derive(Clone, Copy)]
pub(crate) struct ClientAuth<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) client_secret: Option<&'a str>,
}

impl<'a> ClientAuth<'a> {
    pub(crate) fn new(client_id: &'a str, client_secret: Option<&'a AppSecret>) -> Self {
        Self { client_id, client_secret: client_secret.map(AppSecret::secret) }
    }

    /// RFC 6749 §2.3.1: id and secret are form-URL-encoded before the Basic encoding.
    fn basic_header(&self, secret: &str) -> String {
        let encode = |value: &str| url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
        let pair = format!("{}:{}", encode(self.client_id), encode(secret));
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
    }
}

/// The SDK's HTTP client: the caller's or our own `reqwest::Client`, plus the transport rules
/// every request follows (allowed URLs, timeout, no redirects).
#[derive(Clone, Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    options: HttpOptions,
}

impl Http {
    pub(crate) fn new(client: reqwest::Client) -> Self {
        Self::with_options(client, HttpOptions::default())
    }

    pub(crate) fn with_options(client: reqwest::Client, options: HttpOptions) -> Self {
        Self { client, options }
    }

    pub(crate) fn options(&self) -> &HttpOptions {
        &self.options
    }

    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: &str, bearer: Option<&str>) -> Result<T> {
        let mut request = self.client.get(url).header(reqwest::header::ACCEPT, "application/json");
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let body = self.send(url, request).await?;
        parse_json(url, &body)
    }

    /// The body of a GET as UTF-8 text.
    pub(crate) async fn get_text(&self, url: &str, bearer: Option<&str>) -> Result<String> {
        let mut request = self.client.get(url).header(reqwest::header::ACCEPT, "application/json");
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let body = self.send(url, request).await?;
        String::from_utf8(body).map_err(|_| LogtoError::InvalidResponse {
            endpoint: strip_query(url),
            reason: "the body is not UTF-8".into(),
        })
    }

    pub(crate) async fn get_bytes(&self, url: &str) -> Result<Vec<u8>> {
        let request = self.client.get(url).header(reqwest::header::ACCEPT, "application/json");
        self.send(url, request).await
    }

    pub(crate) async fn post_form<T: DeserializeOwned>(
        &self,
        url: &str,
        auth: ClientAuth<'_>,
        params: &[(&str, &str)],
    ) -> Result<T> {
        let body = self.post_form_raw(url, auth, params).await?;
        parse_json(url, &body)
    }

    pub(crate) async fn post_form_raw(
        &self,
        url: &str,
        auth: ClientAuth<'_>,
        params: &[(&str, &str)],
    ) -> Result<Vec<u8>> {
        let body = form_body(auth, params);
        // A body that cannot be replayed: a caller's client that follows redirects stops at a
        // 307/308 instead of sending the code, the verifier or a refresh token to wherever it
        // points, and turns a 301/302/303 into a GET without them (RFC 9110 §15.4).
        let mut request = self
            .client
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::CONTENT_LENGTH, body.len())
            .body(reqwest::Body::wrap(body));
        if let Some(secret) = auth.client_secret {
            request = request.header(reqwest::header::AUTHORIZATION, auth.basic_header(secret));
        }
        self.send(url, request).await
    }

    async fn send(&self, url: &str, request: reqwest::RequestBuilder) -> Result<Vec<u8>> {
        let requested = self.options.checked_url(url)?;
        let endpoint = strip_query(url);
        let span = tracing::debug_span!("logto.http", endpoint = %endpoint);
        let exchange = async {
            let response = request.send().await.map_err(|e| transport_error(&endpoint, e))?;
            let status = response.status();
            // A caller's own client may follow redirects; the SDK never does: a token request
            // replayed elsewhere would carry the app's credentials there.
            if status.is_redirection() || *response.url() != requested {
                return Err(LogtoError::InvalidResponse {
                    endpoint: endpoint.clone(),
                    reason: format!(
                        "the identity server redirected ({status}); the SDK does not follow redirects"
                    ),
                });
            }
            let body = read_limited(&endpoint, response).await?;
            tracing::debug!(status = status.as_u16(), bytes = body.len(), "identity server answered");
            if status.is_success() {
                return Ok(body);
            }
            Err(server_error(&endpoint, status.as_u16(), &body))
        };
        match tokio::time::timeout(self.options.timeout, exchange).instrument(span).await {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::warn!(endpoint = %endpoint, "identity server timed out");
                Err(LogtoError::Timeout { endpoint })
            }
        }
    }
}

/// The form body; a public client names itself in it (client_secret_basic otherwise).
fn form_body(auth: ClientAuth<'_>, params: &[(&str, &str)]) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(params);
    if auth.client_secret.is_none() {
        form.append_pair("client_id", auth.client_id);
    }
    form.finish()
}

fn strip_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_owned()
}

fn transport_error(endpoint: &str, error: reqwest::Error) -> LogtoError {
    tracing::warn!(endpoint, timeout = error.is_timeout(), "identity server unreachable");
    if error.is_timeout() {
        LogtoError::Timeout { endpoint: endpoint.to_owned() }
    } else {
        LogtoError::Network { endpoint: endpoint.to_owned(), source: Box::new(error.without_url()) }
    }
}

async fn read_limited(endpoint: &str, mut response: reqwest::Response) -> Result<Vec<u8>> {
    let too_large = || LogtoError::InvalidResponse {
        endpoint: endpoint.to_owned(),
        reason: format!("the body is larger than {MAX_RESPONSE_BYTES} bytes"),
    };
    if response.content_length().is_some_and(|length| length > MAX_RESPONSE_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(endpoint, e))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads an OAuth error body (`error`, `error_description`) or Logto's (`code`, `message`).
fn server_error(endpoint: &str, status: u16, body: &[u8]) -> LogtoError {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: Option<String>,
        error_description: Option<String>,
        code: Option<String>,
        message: Option<String>,
    }
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
    let (error, error_description) = match parsed {
        Some(body) => (body.error.or(body.code), body.error_description.or(body.message)),
        None => (None, None),
    };
    tracing::debug!(status, error = error.as_deref(), "identity server returned an error");
    LogtoError::Server(ServerError {
        endpoint: endpoint.to_owned(),
        status,
        error,
        error_description,
        hint: None,
    })
}

#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_error_body(body: &[u8]) -> LogtoError {
    let _ = parse_json::<serde_json::Value>("https://t.example/x?y", body);
    server_error("https://t.example/x", 400, body)
}

pub(crate) fn parse_json<T: DeserializeOwned>(url: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        let looks_like_html = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
        let reason = if looks_like_html {
            "expected JSON, got HTML".to_owned()
        } else {
            format!("invalid JSON: {}", crate::error::json_error(&e))
        };
        LogtoError::InvalidResponse { endpoint: strip_query(url), reason }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_url_encodes_id_and_secret() {
        let auth = ClientAuth { client_id: "special:app id", client_secret: Some("p:a%ss+ w0rd") };
        let header = auth.basic_header("p:a%ss+ w0rd");
        let decoded =
            base64::engine::general_purpose::STANDARD.decode(header.strip_prefix("Basic ").unwrap()).unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "special%3Aapp+id:p%3Aa%25ss%2B+w0rd");
    }

    #[test]
    fn server_error_reads_oauth_and_logto_bodies() {
        let oauth = server_error(
            "e",
            400,
            br#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
        );
        assert_eq!(oauth.oauth_error(), Some("invalid_grant"));
        let logto = server_error("e", 403, br#"{"code":"oidc.access_denied","message":"no"}"#);
        assert!(
            matches!(logto, LogtoError::Server(ServerError { status: 403, error: Some(ref e), .. }) if e == "oidc.access_denied")
        );
        let html = server_error("e", 500, b"<html>boom</html>");
        assert!(matches!(
            html,
            LogtoError::Server(ServerError { status: 500, error: None, error_description: None, .. })
        ));
    }

    #[test]
    fn html_instead_of_json_says_so() {
        let error =
            parse_json::<serde_json::Value>("https://x/oidc/token?a=b", b"  <!doctype html>").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("expected JSON, got HTML") && !text.contains("a=b"), "{text}");
    }
}
