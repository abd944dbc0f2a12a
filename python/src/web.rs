//! `CoreSessions` and `CoreWebSession`: the core's web session engine ([`logto::session`]) for the
//! Python integrations. A framework face opens a request's session from its cookie, runs the
//! engine's route steps on it, and finishes it; every decision (what the session holds, how it is
//! saved, what each route answers) is the engine's. Each step runs to completion on this thread
//! with `blocking`, else it is a Python awaitable.

use crate::client::CoreClient;
use crate::errors::{invalid_argument, to_py_err};
use crate::runtime::{block_on, drive};
use logto::session::{
    Answer, AuthFlows, AuthSettings, MemorySessionStore, RequestOrigin, SessionConfig, SessionManager,
    SessionStore, WebSession,
};
use logto::{FirstScreen, LogtoError, PersistKey, Storage};
use pyo3::prelude::*;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// An answer as Python receives it: `(status, [(header, value)], body)`.
pub(crate) type PyAnswer = (u16, Vec<(&'static str, String)>, String);

fn answer(answer: Answer) -> PyAnswer {
    (answer.status, answer.headers, answer.body)
}

/// One Redis pool per URL in this process, shared by the sessions and the refresh coordination.
/// Connecting waits with the GIL released.
pub(crate) fn redis_pool(py: Python<'_>, url: &str) -> PyResult<logto_redis::fred::prelude::Pool> {
    static POOLS: OnceLock<Mutex<Vec<(String, logto_redis::fred::prelude::Pool)>>> = OnceLock::new();
    let pools = POOLS.get_or_init(Mutex::default);
    let mut pools = pools.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, pool)) = pools.iter().find(|(known, _)| known == url) {
        return Ok(pool.clone());
    }
    let pool = block_on(py, logto_redis::pool(url, &logto_redis::RedisOptions::default()))
        .map_err(|e| invalid_argument(format!("cannot connect to Redis at the configured URL: {e}")))?;
    pools.push((url.to_owned(), pool.clone()));
    Ok(pool)
}

/// The sessions and auth routes of one web app.
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug)]
pub(crate) struct CoreSessions {
    manager: SessionManager,
    flows: AuthFlows,
}

/// One request's session.
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug, Clone)]
pub(crate) struct CoreWebSession {
    pub(crate) session: WebSession,
}

impl CoreWebSession {
    /// The session as the client's storage.
    pub(crate) fn storage(&self) -> Arc<dyn Storage> {
        Arc::new(self.session.clone())
    }
}

fn key_of(name: &str) -> PyResult<PersistKey> {
    PersistKey::parse(name).ok_or_else(|| invalid_argument(format!("{name:?} is not a storage key")))
}

#[pymethods]
impl CoreWebSession {
    /// The value under a storage key (for the client's plain reads: `getIdToken`, ...).
    fn get(&self, py: Python<'_>, key: &str) -> PyResult<Option<String>> {
        let key = key_of(key)?;
        let session = self.session.clone();
        block_on(py, session.get(key)).map_err(|e| to_py_err(LogtoError::Storage(e)))
    }

    /// The app's own values, as JSON.
    #[pyo3(signature = (*, blocking=false))]
    fn app_values<'py>(&self, py: Python<'py>, blocking: bool) -> PyResult<Bound<'py, PyAny>> {
        let session = self.session.clone();
        drive(
            py,
            blocking,
            async move { Ok(serde_json::Value::Object(session.app_values().await).to_string()) },
        )
    }

    /// Whether the session holds a user's tokens (no network).
    #[pyo3(signature = (*, blocking=false))]
    fn holds_tokens<'py>(&self, py: Python<'py>, blocking: bool) -> PyResult<Bound<'py, PyAny>> {
        let session = self.session.clone();
        drive(py, blocking, async move { Ok(session.holds_tokens().await) })
    }
}

fn parse_app_values(json: Option<String>) -> PyResult<Option<serde_json::Map<String, serde_json::Value>>> {
    match json {
        None => Ok(None),
        Some(text) => match serde_json::from_str(&text) {
            Ok(serde_json::Value::Object(values)) => Ok(Some(values)),
            _ => Err(invalid_argument("the session's values must be a JSON object")),
        },
    }
}

#[pymethods]
impl CoreSessions {
    #[new]
    #[pyo3(signature = (client, base_url, *, sign_in_path, sign_up_path, callback_path, sign_out_path, backchannel_logout_path, post_sign_in_redirect, post_sign_out_redirect, sign_out_on_get, cookie_name, cookie_secure, cookie_domain, cookie_path, session_lifetime, sign_in_lifetime, redis_url=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client: &CoreClient,
        base_url: String,
        sign_in_path: String,
        sign_up_path: String,
        callback_path: String,
        sign_out_path: String,
        backchannel_logout_path: String,
        post_sign_in_redirect: String,
        post_sign_out_redirect: String,
        sign_out_on_get: bool,
        cookie_name: String,
        cookie_secure: bool,
        cookie_domain: Option<String>,
        cookie_path: String,
        session_lifetime: u64,
        sign_in_lifetime: u64,
        redis_url: Option<String>,
    ) -> PyResult<Self> {
        let settings = AuthSettings::new(base_url)
            .sign_in_path(sign_in_path)
            .sign_up_path(sign_up_path)
            .callback_path(callback_path)
            .sign_out_path(sign_out_path)
            .backchannel_logout_path(backchannel_logout_path)
            .post_sign_in_redirect(post_sign_in_redirect)
            .post_sign_out_redirect(post_sign_out_redirect)
            .sign_out_on_get(sign_out_on_get);
        let mut config = SessionConfig::default()
            .cookie_name(cookie_name)
            .secure(cookie_secure)
            .path(cookie_path)
            .inactivity_timeout(Duration::from_secs(session_lifetime))
            .sign_in_timeout(Duration::from_secs(sign_in_lifetime));
        if let Some(domain) = cookie_domain {
            config = config.domain(domain);
        }
        let store: Arc<dyn SessionStore> = match redis_url {
            Some(url) => Arc::new(logto_redis::RedisSessionStore::from_pool(redis_pool(py, &url)?, "")),
            None => Arc::new(MemorySessionStore::new()),
        };
        let flows = AuthFlows::new(client.client.clone(), settings).map_err(to_py_err)?;
        Ok(Self { manager: SessionManager::new(store, config), flows })
    }

    /// The session a request's cookie value names (a new one for none or an unknown one), and
    /// the app's values in it (JSON): `(session, values)`.
    #[pyo3(signature = (cookie, *, blocking=false))]
    fn open<'py>(
        &self,
        py: Python<'py>,
        cookie: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let manager = self.manager.clone();
        drive(py, blocking, async move {
            let session =
                manager.open(cookie.as_deref()).await.map_err(|e| to_py_err(LogtoError::Storage(e)))?;
            let values = serde_json::Value::Object(session.app_values().await).to_string();
            Ok((CoreWebSession { session }, values))
        })
    }

    /// Saves the request's changes (the app's values when `app_values` is given, as JSON) and
    /// returns the `Set-Cookie` header value, if the cookie changes.
    #[pyo3(signature = (session, app_values=None, *, blocking=false))]
    fn finish<'py>(
        &self,
        py: Python<'py>,
        session: &CoreWebSession,
        app_values: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (manager, session) = (self.manager.clone(), session.session.clone());
        let values = parse_app_values(app_values)?;
        drive(py, blocking, async move {
            if let Some(values) = values {
                session.replace_app_values(values).await;
            }
            let update = manager.finish(&session).await;
            Ok(manager.set_cookie_header(&update))
        })
    }

    /// `GET sign-in` / `sign-up`: the answer (a redirect to Logto).
    #[pyo3(signature = (session, return_to=None, first_screen=None, *, blocking=false))]
    fn sign_in<'py>(
        &self,
        py: Python<'py>,
        session: &CoreWebSession,
        return_to: Option<String>,
        first_screen: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let screen = match first_screen.as_deref() {
            None => None,
            Some(value) => Some(
                FirstScreen::parse(value)
                    .ok_or_else(|| invalid_argument(format!("unknown first screen {value:?}")))?,
            ),
        };
        let (flows, session) = (self.flows.clone(), session.session.clone());
        drive(
            py,
            blocking,
            async move { Ok(answer(flows.sign_in(&session, return_to.as_deref(), screen).await)) },
        )
    }

    /// `GET callback` with its query string: the answer.
    #[pyo3(signature = (session, query, *, blocking=false))]
    fn callback<'py>(
        &self,
        py: Python<'py>,
        session: &CoreWebSession,
        query: String,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (flows, session) = (self.flows.clone(), session.session.clone());
        drive(py, blocking, async move { Ok(answer(flows.callback(&session, &query).await)) })
    }

    /// `sign-out` with the request's method and origin headers: the answer.
    #[pyo3(signature = (session, method, origin=None, sec_fetch_site=None, *, blocking=false))]
    fn sign_out<'py>(
        &self,
        py: Python<'py>,
        session: &CoreWebSession,
        method: String,
        origin: Option<String>,
        sec_fetch_site: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (flows, session) = (self.flows.clone(), session.session.clone());
        drive(py, blocking, async move {
            let origin =
                RequestOrigin { origin: origin.as_deref(), sec_fetch_site: sec_fetch_site.as_deref() };
            Ok(answer(flows.sign_out(&session, &method, &origin).await))
        })
    }

    /// `POST backchannel-logout` with the form's `logout_token`: the answer.
    #[pyo3(signature = (logout_token, *, blocking=false))]
    fn backchannel_logout<'py>(
        &self,
        py: Python<'py>,
        logout_token: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let flows = self.flows.clone();
        drive(
            py,
            blocking,
            async move { Ok(answer(flows.backchannel_logout(logout_token.as_deref()).await)) },
        )
    }

    /// The signed-in user's ID-token claims as JSON, or `None` (the core's decision).
    #[pyo3(signature = (session, *, blocking=false))]
    fn signed_in_claims<'py>(
        &self,
        py: Python<'py>,
        session: &CoreWebSession,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (flows, session) = (self.flows.clone(), session.session.clone());
        drive(py, blocking, async move {
            match flows.signed_in_claims(&session).await {
                Ok(claims) => Ok(claims.map(|claims| serde_json::to_string(&claims).unwrap_or_default())),
                Err(error) if error.is_sign_in_required() => Ok(None),
                Err(error) => Err(to_py_err(error)),
            }
        })
    }

    /// The redirect of a page that needs a user (`return_to`: the requested path and query).
    fn redirect_to_sign_in(&self, return_to: &str) -> PyAnswer {
        answer(self.flows.redirect_to_sign_in(return_to))
    }

    /// The `401` of a JSON endpoint nobody is signed in to.
    #[staticmethod]
    fn not_authenticated() -> PyAnswer {
        answer(Answer::not_authenticated())
    }

    /// The cookie name.
    #[getter]
    fn cookie_name(&self) -> String {
        self.manager.config().cookie_name.clone()
    }
}
