//! [`Api`]: one Logto's API over one HTTP pool, with its credentials and its retry policy. The
//! generated areas call its five request shapes (JSON, text, empty, one page, every page).

use crate::error::Error;
use crate::retry::RetryPolicy;
use futures_core::Stream;
use logto::{LogtoClient, MachineClient};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The largest answer read (a page of 100 users with their custom data fits many times over).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Where an access token for the user's own account comes from: a signed-in [`LogtoClient`]
/// (its opaque access token, which the Account API takes), or a token of your own
/// ([`StaticToken`]).
#[async_trait::async_trait]
pub trait AccessTokenSource: Send + Sync + std::fmt::Debug {
    /// The access token to send.
    async fn access_token(&self) -> Result<String, logto::LogtoError>;
}

#[async_trait::async_trait]
impl AccessTokenSource for LogtoClient {
    async fn access_token(&self) -> Result<String, logto::LogtoError> {
        Ok(self.get_access_token("").await?.secret().to_owned())
    }
}

/// An access token you already hold.
///
/// ```
/// let token = logto_management::StaticToken::new("opaque-token");
/// assert!(!format!("{token:?}").contains("opaque-token"));
/// ```
#[derive(Clone)]
pub struct StaticToken(String);

impl StaticToken {
    /// Wraps `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }
}

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken(..)")
    }
}

#[async_trait::async_trait]
impl AccessTokenSource for StaticToken {
    async fn access_token(&self) -> Result<String, logto::LogtoError> {
        Ok(self.0.clone())
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Credentials {
    /// A machine-to-machine token for the Management API resource, scope `all`.
    Machine { client: MachineClient, resource: String },
    /// The signed-in user's access token (the Account API).
    User(Arc<dyn AccessTokenSource>),
    /// No token (public routes).
    Anonymous,
}

/// A request body: JSON (what almost every operation takes) or raw bytes of a content type (the
/// upload operations, which take `multipart/form-data`).
#[derive(Clone)]
pub enum Body {
    /// Serialized JSON.
    Json(Vec<u8>),
    /// Bytes sent as they are.
    Raw {
        /// Their `Content-Type`.
        content_type: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Json(bytes) => write!(f, "Body::Json({} bytes)", bytes.len()),
            Body::Raw { content_type, bytes } => {
                write!(f, "Body::Raw({content_type}, {} bytes)", bytes.len())
            }
        }
    }
}

impl Body {
    /// `value` as JSON.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        serde_json::to_vec(value).map(Body::Json).map_err(Error::Body)
    }

    /// `bytes` sent with `content_type` (for a multipart upload, a boundary of your own in it).
    ///
    /// ```
    /// let body = logto_management::Body::raw("image/png", vec![0x89, b'P', b'N', b'G']);
    /// assert_eq!(format!("{body:?}"), "Body::Raw(image/png, 4 bytes)");
    /// ```
    pub fn raw(content_type: impl Into<String>, bytes: Vec<u8>) -> Self {
        Body::Raw { content_type: content_type.into(), bytes }
    }
}

/// One page of a list and the total count Logto reports for the whole list (its `Total-Number`
/// header).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// How many items the whole list has, when Logto said.
    pub total: Option<u64>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: String,
    credentials: Credentials,
    retry: RetryPolicy,
    headers: HeaderMap,
}

/// One Logto's API: its endpoint, an HTTP pool, the credentials requests carry and the retry
/// policy. [`ManagementClient`](crate::ManagementClient) and
/// [`AccountClient`](crate::AccountClient) are this with a machine's or a user's token; cloning
/// is cheap (one shared pool). Each area of the API is a method (`users()`, `organizations()`,
/// ...), and each operation a method of its area.
#[derive(Clone)]
pub struct Api {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("endpoint", &self.inner.endpoint).finish_non_exhaustive()
    }
}

impl Api {
    pub(crate) fn new(
        http: reqwest::Client,
        endpoint: &str,
        credentials: Credentials,
        retry: RetryPolicy,
    ) -> Self {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        Self { inner: Arc::new(Inner { http, endpoint, credentials, retry, headers: HeaderMap::new() }) }
    }

    /// The same API with every request carrying the verification record `id` (Logto's
    /// `logto-verification-id` header), which the Account API asks for before a sensitive change.
    pub fn with_verification(&self, id: &str) -> Result<Self, Error> {
        self.with_header("logto-verification-id", id)
    }

    fn with_header(&self, name: &'static str, value: &str) -> Result<Self, Error> {
        let value = reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| Error::InvalidConfig(format!("`{name}` cannot carry that value")))?;
        let mut headers = self.inner.headers.clone();
        headers.insert(name, value);
        let inner = Inner {
            http: self.inner.http.clone(),
            endpoint: self.inner.endpoint.clone(),
            credentials: self.inner.credentials.clone(),
            retry: self.inner.retry,
            headers,
        };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The Logto endpoint requests go to.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    async fn bearer(&self) -> Result<Option<String>, Error> {
        Ok(match &self.inner.credentials {
            Credentials::Machine { client, resource } => {
                Some(client.get_token_with_scopes(resource.as_str(), ["all"]).await?.secret().to_owned())
            }
            Credentials::User(source) => Some(source.access_token().await?),
            Credentials::Anonymous => None,
        })
    }

    /// Sends one request, again on 429 and 503 as the retry policy says; returns a success
    /// status's headers and body, or Logto's error.
    async fn send(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&Body>,
    ) -> Result<(HeaderMap, Vec<u8>), Error> {
        let mut url = format!("{}{path}", self.inner.endpoint);
        if !query.is_empty() {
            let encoded: Vec<String> =
                query.iter().map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v))).collect();
            url = format!("{url}?{}", encoded.join("&"));
        }
        let mut attempt = 0;
        loop {
            let mut request =
                self.inner.http.request(method.clone(), &url).headers(self.inner.headers.clone());
            if let Some(token) = self.bearer().await? {
                request = request.bearer_auth(token);
            }
            request = match body {
                Some(Body::Json(bytes)) => {
                    request.header(CONTENT_TYPE, "application/json").body(bytes.clone())
                }
                Some(Body::Raw { content_type, bytes }) => {
                    request.header(CONTENT_TYPE, content_type.as_str()).body(bytes.clone())
                }
                None => request,
            };
            let answer = request.send().await.map_err(|source| Error::Http { operation, source })?;
            let status = answer.status();
            let headers = answer.headers().clone();
            let bytes = read_limited(answer).await.map_err(|source| Error::Http { operation, source })?;
            if status.is_success() {
                return Ok((headers, bytes));
            }
            if let Some(wait) = self.inner.retry.wait(attempt, status, &headers) {
                tracing::debug!(operation, status = status.as_u16(), ?wait, "Logto asked to wait; retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            return Err(Error::from_answer(operation, status, &bytes));
        }
    }

    /// Sends an operation by hand (one the generated code does not have yet, from a newer
    /// Logto): `path` with its ids already in it, `query` as pairs; the retries, the token and
    /// the error handling are those of the generated methods.
    ///
    /// ```no_run
    /// # async fn run(logto: logto_management::ManagementClient) -> Result<(), logto_management::Error> {
    /// let answer = logto.request("ListUsers", reqwest::Method::GET, "/api/users", vec![("page_size".into(), "5".into())], None).await?;
    /// let users: Vec<serde_json::Value> = answer.json()?;
    /// # Ok(()) }
    /// ```
    pub async fn request(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<Body>,
    ) -> Result<Answer, Error> {
        let (headers, body) = self.send(operation, method, path, &query, body.as_ref()).await?;
        Ok(Answer { operation, total: total_of(&headers), body })
    }

    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<Body>,
    ) -> Result<T, Error> {
        let (_, bytes) = self.send(operation, method, path, &query, body.as_ref()).await?;
        decode(operation, &bytes)
    }

    // For operations whose document gives a non-JSON answer only (none in Logto 1.37's).
    #[allow(dead_code)]
    pub(crate) async fn text(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<Body>,
    ) -> Result<String, Error> {
        let (_, bytes) = self.send(operation, method, path, &query, body.as_ref()).await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    pub(crate) async fn empty(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: Vec<(String, String)>,
        body: Option<Body>,
    ) -> Result<(), Error> {
        self.send(operation, method, path, &query, body.as_ref()).await.map(drop)
    }

    pub(crate) async fn page<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        query: Vec<(String, String)>,
    ) -> Result<Page<T>, Error> {
        let (headers, bytes) = self.send(operation, Method::GET, path, &query, None).await?;
        Ok(Page { items: decode(operation, &bytes)?, total: total_of(&headers) })
    }

    pub(crate) fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
        operation: &'static str,
        path: String,
        query: Vec<(String, String)>,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        let page_size: u64 = query
            .iter()
            .find(|(k, _)| k == "page_size")
            .and_then(|(_, v)| v.parse().ok())
            .filter(|size| *size > 0)
            .unwrap_or(100);
        let first: u64 =
            query.iter().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse().ok()).unwrap_or(1);
        let base: Vec<(String, String)> =
            query.into_iter().filter(|(k, _)| k != "page" && k != "page_size").collect();
        let api = self.clone();
        let state =
            PageWalk { api, path, base, page: first, page_size, seen: 0, buffered: Vec::new(), done: false };
        futures_util::stream::try_unfold(state, move |mut walk| async move {
            loop {
                if let Some(item) = walk.buffered.pop() {
                    return Ok(Some((item, walk)));
                }
                if walk.done {
                    return Ok(None);
                }
                let mut query = walk.base.clone();
                query.push(("page".into(), walk.page.to_string()));
                query.push(("page_size".into(), walk.page_size.to_string()));
                let page: Page<T> = walk.api.page(operation, &walk.path, query).await?;
                let count = page.items.len() as u64;
                walk.seen += count;
                walk.page += 1;
                walk.done = count < walk.page_size || page.total.is_some_and(|total| walk.seen >= total);
                walk.buffered = page.items;
                walk.buffered.reverse();
            }
        })
    }
}

struct PageWalk<T> {
    api: Api,
    path: String,
    base: Vec<(String, String)>,
    page: u64,
    page_size: u64,
    seen: u64,
    buffered: Vec<T>,
    done: bool,
}

fn total_of(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("total-number")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok())
}

/// A successful answer to [`Api::request`].
#[derive(Clone)]
pub struct Answer {
    operation: &'static str,
    /// Logto's `Total-Number` header, on a list.
    pub total: Option<u64>,
    /// The body.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Answer({}, {} bytes)", self.operation, self.body.len())
    }
}

impl Answer {
    /// The body decoded as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode(self.operation, &self.body)
    }
}

fn decode<T: DeserializeOwned>(operation: &'static str, bytes: &[u8]) -> Result<T, Error> {
    // An empty body where the document promises JSON decodes as `null` (an `Option` or `()`).
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) { &b"null"[..] } else { bytes };
    serde_json::from_slice(bytes).map_err(|source| Error::Decode { operation, source })
}

async fn read_limited(mut answer: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = answer.chunk().await? {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            break;
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Characters escaped in a path segment: everything but RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'[')
    .add(b']')
    .add(b'^')
    .add(b'|')
    .add(b'\\')
    .add(b'&')
    .add(b'=')
    .add(b'+')
    .add(b';')
    .add(b':')
    .add(b',')
    .add(b'@')
    .add(b'$')
    .add(b'!')
    .add(b'\'')
    .add(b'(')
    .add(b')')
    .add(b'*');

fn encode_query(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// `/seg/seg/...`, each segment percent-encoded (an id with a `/` stays one segment).
pub(crate) fn path(segments: &[&str]) -> String {
    segments.iter().map(|segment| format!("/{}", utf8_percent_encode(segment, SEGMENT))).collect()
}

/// The query values of a parameter: an array's items as repeated keys, a string as it is,
/// anything else as JSON.
pub(crate) fn query_values<T: Serialize>(value: &T) -> Vec<String> {
    fn one(value: &serde_json::Value) -> String {
        match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Array(items)) => items.iter().map(one).collect(),
        Ok(serde_json::Value::Null) => Vec::new(),
        Ok(other) => vec![one(&other)],
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded_one_by_one() {
        assert_eq!(path(&["api", "users", "a/b c"]), "/api/users/a%2Fb%20c");
    }

    #[test]
    fn query_values_repeat_an_array() {
        assert_eq!(query_values(&vec!["a", "b"]), ["a", "b"]);
        assert_eq!(query_values(&"x"), ["x"]);
        assert_eq!(query_values(&3), ["3"]);
        assert!(query_values(&None::<String>).is_empty());
    }
}
