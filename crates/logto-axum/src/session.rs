//! [`SessionConfig`] and [`SessionLayer`]: the session engine of the `logto` crate
//! ([`logto::session`]) as a tower layer. Each request opens its session from the cookie (the
//! [`WebSession`] goes into the request's extensions), and its end saves the session and sets or
//! removes the cookie, as the engine decides.

use crate::error::answer_response;
use axum::body::Body;
use axum::http::{HeaderValue, Request, header};
use axum::response::Response;
use logto::LogtoError;
use logto::session::{Answer, CookieUpdate, SessionManager, SessionStore, WebSession};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tower::{Layer, Service};

pub use logto::session::DEFAULT_COOKIE_NAME;

/// Settings of the session cookie and lifetimes ([`logto::session::SessionConfig`]), and the
/// layer over a store.
///
/// The cookie is always `HttpOnly` and `SameSite=Lax` (so it comes back on the identity server's
/// top-level redirect to the callback) and carries only the session id; the tokens stay in the
/// store. `Secure` is on by default; turn it off only for plain-HTTP development on localhost.
///
/// ```
/// use logto_axum::{MemorySessionStore, SessionConfig};
///
/// let layer = SessionConfig::default()
///     .secure(false)
///     .cookie_name("my_app_session")
///     .inactivity_timeout(std::time::Duration::from_secs(3600))
///     .layer(MemorySessionStore::new());
/// # drop(layer);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SessionConfig(logto::session::SessionConfig);

impl SessionConfig {
    /// Sets whether the cookie is `Secure`.
    pub fn secure(self, secure: bool) -> Self {
        Self(self.0.secure(secure))
    }

    /// Sets the cookie name.
    pub fn cookie_name(self, name: impl Into<String>) -> Self {
        Self(self.0.cookie_name(name))
    }

    /// Sets the cookie's `Domain`.
    pub fn domain(self, domain: impl Into<String>) -> Self {
        Self(self.0.domain(domain))
    }

    /// Sets the cookie's `Path`.
    pub fn path(self, path: impl Into<String>) -> Self {
        Self(self.0.path(path))
    }

    /// Sets how long an unused session lives (default 14 days).
    pub fn inactivity_timeout(self, timeout: Duration) -> Self {
        Self(self.0.inactivity_timeout(timeout))
    }

    /// Sets how long a sign-in may take (default 10 minutes).
    pub fn sign_in_timeout(self, timeout: Duration) -> Self {
        Self(self.0.sign_in_timeout(timeout))
    }

    /// The engine's settings.
    pub fn config(&self) -> &logto::session::SessionConfig {
        &self.0
    }

    /// The session layer over `store`: a [`MemorySessionStore`](logto::session::MemorySessionStore)
    /// for development (one process, lost on restart), or Redis (the `redis` feature) for
    /// several instances.
    pub fn layer(&self, store: impl SessionStore + 'static) -> SessionLayer {
        SessionLayer { manager: SessionManager::new(Arc::new(store), self.0.clone()) }
    }
}

/// The tower layer that opens each request's [`WebSession`] and saves it at the end.
#[derive(Debug, Clone)]
pub struct SessionLayer {
    manager: SessionManager,
}

impl SessionLayer {
    /// The layer of an engine's session manager.
    pub fn new(manager: SessionManager) -> Self {
        Self { manager }
    }

    /// The session manager.
    pub fn manager(&self) -> &SessionManager {
        &self.manager
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService { inner, manager: self.manager.clone() }
    }
}

/// The service of a [`SessionLayer`].
#[derive(Clone)]
pub struct SessionService<S> {
    inner: S,
    manager: SessionManager,
}

impl<S> fmt::Debug for SessionService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService").finish_non_exhaustive()
    }
}

impl<S> Service<Request<Body>> for SessionService<S>
where
    S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        // The clone that was polled ready serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let manager = self.manager.clone();
        Box::pin(async move {
            let cookie = request
                .headers()
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find_map(|value| manager.config().cookie_value(value))
                .map(str::to_owned);
            let session = match manager.open(cookie.as_deref()).await {
                Ok(session) => session,
                Err(error) => return Ok(answer_response(Answer::error_page(&LogtoError::Storage(error)))),
            };
            request.extensions_mut().insert(session.clone());
            let mut response = inner.call(request).await?;
            if let Some(set_cookie) = finish(&manager, &session).await {
                response.headers_mut().append(header::SET_COOKIE, set_cookie);
            }
            if cookie.is_some() {
                response.headers_mut().append(header::VARY, HeaderValue::from_static("cookie"));
            }
            Ok(response)
        })
    }
}

async fn finish(manager: &SessionManager, session: &WebSession) -> Option<HeaderValue> {
    let update = manager.finish(session).await;
    if update == CookieUpdate::Keep {
        return None;
    }
    manager.set_cookie_header(&update).and_then(|value| HeaderValue::from_str(&value).ok())
}
