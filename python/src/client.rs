//! `CoreClient`: the core [`logto::LogtoClient`] of one Python `LogtoClient` configuration, bound
//! per call to a [`SnapshotStorage`] of the user's storage, and [`Outcome`], what every call hands
//! back: its value or its error, and the ordered change log the wrapper applies in both cases.

use crate::errors::{invalid_argument, to_py_err};
use crate::oidc::{CoreOidc, raw_claims};
use crate::runtime::{drive, drive_with, into_awaitable};
use crate::snapshot::{Change, Snapshot, SnapshotStorage};
use crate::web::CoreWebSession;
use logto::{
    DirectSignIn, FirstScreen, Identifier, InteractionMode, LogtoClient, LogtoConfig, LogtoError,
    MemoryStorage, OidcCore, Prompt, SignInOptions, Storage, TokenTarget,
};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// What a core call produced: its value or its error, and the storage writes it made, in the
/// order the core made them. The Python wrapper applies the writes first (a failed callback
/// still ends the sign-in session, a failed refresh still keeps the rotated token), then returns
/// the value or raises the error.
#[pyclass(module = "logto._core", frozen)]
pub(crate) struct Outcome {
    value: Option<Py<PyAny>>,
    error: Option<PyErr>,
    changes: Vec<Change>,
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.changes.iter().map(|(key, _)| *key).collect();
        f.debug_struct("Outcome").field("ok", &self.error.is_none()).field("changed", &keys).finish()
    }
}

impl Outcome {
    fn new<T: for<'a> IntoPyObject<'a>>(
        py: Python<'_>,
        result: logto::Result<T>,
        changes: Vec<Change>,
    ) -> Self {
        let (value, error) = match result.map_err(to_py_err).and_then(|value| value.into_py_any(py)) {
            Ok(value) => (Some(value), None),
            Err(error) => (None, Some(error)),
        };
        Self { value, error, changes }
    }
}

#[pymethods]
impl Outcome {
    /// The call's result (`None` when it failed).
    #[getter]
    fn value(&self, py: Python<'_>) -> Py<PyAny> {
        self.value.as_ref().map_or_else(|| py.None(), |value| value.clone_ref(py))
    }

    /// The exception to raise, if the call failed.
    #[getter]
    fn error(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.error.as_ref().map(|error| error.value(py).clone().into_any().unbind())
    }

    /// The storage writes, `(key, value or None for a deletion)`, in the core's order.
    #[getter]
    fn changes(&self) -> Vec<Change> {
        self.changes.clone()
    }
}

/// The storage of a core call: a snapshot of the user's Python storage (its changes are handed
/// back), or a web session of the engine (its own storage).
#[derive(FromPyObject)]
pub(crate) enum StorageArg<'py> {
    /// A snapshot of a Python storage.
    Snapshot(PyRef<'py, Snapshot>),
    /// The engine's session of a web request.
    Session(PyRef<'py, CoreWebSession>),
}

impl StorageArg<'_> {
    fn bind(&self) -> BoundStorage {
        match self {
            StorageArg::Snapshot(snapshot) => BoundStorage::snapshot(snapshot),
            // The engine's session is the storage itself: nothing to hand back.
            StorageArg::Session(session) => BoundStorage { storage: session.storage(), log: None },
        }
    }
}

/// A call's storage, and the change log to hand back (for a snapshot).
struct BoundStorage {
    storage: Arc<dyn Storage>,
    log: Option<Arc<SnapshotStorage>>,
}

impl BoundStorage {
    fn snapshot(snapshot: &Snapshot) -> Self {
        let storage = Arc::new(SnapshotStorage::new(snapshot));
        Self { storage: storage.clone(), log: Some(storage) }
    }
}

/// The core client of one Python configuration.
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug)]
pub(crate) struct CoreClient {
    pub(crate) client: LogtoClient,
}

impl CoreClient {
    /// Runs `call` on the core client bound to `snapshot` and returns an [`Outcome`]:
    /// - at once when the core needs no I/O (a sign-in URL, a cached token);
    /// - with `blocking`, after waiting for it on this thread with the GIL released;
    /// - otherwise as a Python awaitable of it, driven by the tokio runtime.
    fn run<'py, T, F, Fut>(
        &self,
        py: Python<'py>,
        storage: BoundStorage,
        blocking: bool,
        call: F,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        F: FnOnce(LogtoClient) -> Fut,
        Fut: Future<Output = logto::Result<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        let BoundStorage { storage, log } = storage;
        let future = call(self.client.with_storage(storage));
        drive_with(py, blocking, future, move |py, result| {
            let log = log.as_ref().map(|log| log.take_log()).unwrap_or_default();
            Ok(Bound::new(py, Outcome::new(py, result, log))?.into_any().unbind())
        })
    }

    /// Runs a call that only reads the storage (no network), on the caller's thread.
    fn read<T>(
        &self,
        snapshot: &Snapshot,
        call: impl AsyncFnOnce(LogtoClient) -> logto::Result<T>,
    ) -> PyResult<T> {
        let client = self.client.with_storage(Arc::new(SnapshotStorage::new(snapshot)));
        // The snapshot answers at once, so this never waits.
        crate::runtime::runtime().block_on(call(client)).map_err(to_py_err)
    }
}

/// `None` where the official SDK returns `None`: nobody signed in, or the session just ended.
fn none_if_signed_out(result: logto::Result<logto::AccessToken>) -> logto::Result<Option<String>> {
    match result {
        Ok(token) => Ok(Some(token.into_secret())),
        Err(error) if error.is_sign_in_required() => Ok(None),
        Err(error) => Err(error),
    }
}

/// The token target of the official API's `resource` string, with an optional organization.
fn target(resource: &str, organization_id: Option<String>) -> TokenTarget {
    match organization_id {
        Some(id) if resource.is_empty() => TokenTarget::organization(id),
        Some(id) => TokenTarget::organization_resource(id, resource),
        None => TokenTarget::from_resource_indicator(resource),
    }
}

fn parse<T>(value: &str, parse: fn(&str) -> Option<T>, what: &str) -> PyResult<T> {
    parse(value).ok_or_else(|| invalid_argument(format!("{what} `{value}` is not a value Logto accepts")))
}

#[pymethods]
impl CoreClient {
    #[new]
    #[pyo3(signature = (endpoint, app_id, app_secret, scopes, resources, prompt, *, strict_callback_origin=false, timeout=None, redis_url=None, backchannel_logout=false, leeway=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        endpoint: String,
        app_id: String,
        app_secret: Option<String>,
        scopes: Vec<String>,
        resources: Vec<String>,
        prompt: Vec<String>,
        strict_callback_origin: bool,
        timeout: Option<f64>,
        redis_url: Option<String>,
        backchannel_logout: bool,
        leeway: Option<f64>,
    ) -> PyResult<Self> {
        let mut config = LogtoConfig::new(endpoint, app_id)
            .with_scopes(scopes)
            .with_resources(resources)
            .with_prompt(prompt);
        if let Some(secret) = app_secret {
            config = config.with_app_secret(secret);
        }
        // Every call binds its own snapshot; this storage is never used.
        let mut builder = LogtoClient::builder(config)
            .storage(Arc::new(MemoryStorage::new()))
            .strict_callback_origin(strict_callback_origin)
            .backchannel_logout(backchannel_logout);
        if let Some(seconds) = timeout {
            let timeout = Duration::try_from_secs_f64(seconds)
                .map_err(|_| invalid_argument(format!("timeout {seconds} is not a number of seconds")))?;
            builder = builder.timeout(timeout);
        }
        if let Some(seconds) = leeway {
            // The core refuses a leeway beyond its maximum when building.
            let leeway = Duration::try_from_secs_f64(seconds)
                .map_err(|_| invalid_argument(format!("leeway {seconds} is not a number of seconds")))?;
            builder = builder.leeway(leeway);
        }
        if let Some(url) = redis_url {
            // Refreshes are coordinated with every app instance on this Redis.
            // One pool per URL in the process, shared with the web sessions.
            let coordinator = logto_redis::RedisCoordinator::from_pool(crate::web::redis_pool(py, &url)?, "");
            builder = builder.coordinator(Arc::new(coordinator));
        }
        Ok(Self { client: builder.build().map_err(to_py_err)? })
    }

    #[pyo3(signature = (snapshot, redirect_uri, *, interaction_mode=None, first_screen=None, identifiers=None, direct_sign_in=None, login_hint=None, organization_id=None, prompt=None, one_time_token=None, extra_params=None, blocking=false))]
    #[allow(clippy::too_many_arguments)]
    fn sign_in<'py>(
        &self,
        py: Python<'py>,
        snapshot: StorageArg<'_>,
        redirect_uri: String,
        interaction_mode: Option<String>,
        first_screen: Option<String>,
        identifiers: Option<Vec<String>>,
        direct_sign_in: Option<String>,
        login_hint: Option<String>,
        organization_id: Option<String>,
        prompt: Option<Vec<String>>,
        one_time_token: Option<String>,
        extra_params: Option<Vec<(String, String)>>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut options = SignInOptions::new(redirect_uri);
        if let Some(mode) = interaction_mode {
            options = options.interaction_mode(parse(&mode, InteractionMode::parse, "interactionMode")?);
        }
        if let Some(screen) = first_screen {
            options = options.first_screen(parse(&screen, FirstScreen::parse, "firstScreen")?);
        }
        if let Some(identifiers) = identifiers {
            let identifiers: PyResult<Vec<Identifier>> =
                identifiers.iter().map(|i| parse(i, Identifier::parse, "identifier")).collect();
            options = options.identifiers(identifiers?);
        }
        if let Some(target) = direct_sign_in {
            options = options.direct_sign_in(parse(&target, DirectSignIn::parse, "directSignIn")?);
        }
        if let Some(hint) = login_hint {
            options = options.login_hint(hint);
        }
        if let Some(id) = organization_id {
            options = options.organization_id(id);
        }
        if let Some(prompt) = prompt {
            let prompt: PyResult<Vec<Prompt>> =
                prompt.iter().map(|p| parse(p, Prompt::parse, "prompt")).collect();
            options = options.prompt(prompt?);
        }
        if let Some(token) = one_time_token {
            options.one_time_token = Some(token);
        }
        for (name, value) in extra_params.unwrap_or_default() {
            options = options.extra_param(name, value);
        }
        self.run(py, snapshot.bind(), blocking, |client| async move { client.sign_in(options).await })
    }

    #[pyo3(signature = (snapshot, callback_uri, *, blocking=false))]
    fn handle_sign_in_callback<'py>(
        &self,
        py: Python<'py>,
        snapshot: StorageArg<'_>,
        callback_uri: String,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, snapshot.bind(), blocking, |client| async move {
            client.handle_sign_in_callback(&callback_uri).await
        })
    }

    #[pyo3(signature = (snapshot, post_logout_redirect_uri=None, *, blocking=false))]
    fn sign_out<'py>(
        &self,
        py: Python<'py>,
        snapshot: StorageArg<'_>,
        post_logout_redirect_uri: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, snapshot.bind(), blocking, |client| async move {
            client.sign_out(post_logout_redirect_uri.as_deref()).await
        })
    }

    /// The access token (a string), or `None` when nobody is signed in.
    #[pyo3(signature = (snapshot, resource, organization_id=None, *, blocking=false))]
    fn get_access_token<'py>(
        &self,
        py: Python<'py>,
        snapshot: StorageArg<'_>,
        resource: &str,
        organization_id: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let target = target(resource, organization_id);
        self.run(py, snapshot.bind(), blocking, |client| async move {
            none_if_signed_out(client.get_access_token(target).await)
        })
    }

    /// The session's cached access token for the target if it is valid (reading only the stored
    /// access-token map), else `None`: the common case of `getAccessToken` without a full call.
    #[staticmethod]
    #[pyo3(signature = (stored_map, resource, organization_id=None))]
    fn cached_access_token(
        stored_map: Option<&str>,
        resource: &str,
        organization_id: Option<String>,
    ) -> Option<String> {
        LogtoClient::cached_access_token(stored_map, &target(resource, organization_id))
            .map(logto::AccessToken::into_secret)
    }

    /// The JSON text of the access token's claims, as the server wrote them.
    #[pyo3(signature = (snapshot, resource, organization_id=None, *, blocking=false))]
    fn get_access_token_claims<'py>(
        &self,
        py: Python<'py>,
        snapshot: StorageArg<'_>,
        resource: &str,
        organization_id: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let target = target(resource, organization_id);
        self.run(py, snapshot.bind(), blocking, |client| async move {
            let token = client.get_access_token(target).await?;
            raw_claims(token.secret(), OidcCore::decode_access_token)
        })
    }

    /// The JSON text of the userinfo response.
    #[pyo3(signature = (snapshot, *, blocking=false))]
    fn fetch_user_info<'py>(
        &self,
        py: Python<'py>,
        snapshot: StorageArg<'_>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, snapshot.bind(), blocking, |client| async move {
            client.fetch_user_info_text().await.map(|(_, text)| text)
        })
    }

    /// The ID token's claims (JSON text) when the request is signed in (not ended by a
    /// back-channel logout, the ID token renewed when expired), else `None`.
    #[pyo3(signature = (snapshot, *, blocking=false))]
    fn signed_in_claims<'py>(
        &self,
        py: Python<'py>,
        snapshot: StorageArg<'_>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, snapshot.bind(), blocking, |client| async move {
            match client.signed_in_claims().await? {
                Some(_) => {
                    let token = client.get_id_token().await?.ok_or(LogtoError::NotAuthenticated)?;
                    raw_claims(token.secret(), OidcCore::decode_id_token).map(Some)
                }
                None => Ok(None),
            }
        })
    }

    /// The request's context (JSON text): `isAuthenticated`, `claims`, `accessToken`, `scopes`,
    /// `userInfo`, `organizationTokens`.
    #[pyo3(signature = (snapshot, *, fetch_user_info=false, resource=None, organization_id=None, organization_tokens=false, blocking=false))]
    #[allow(clippy::too_many_arguments)]
    fn context<'py>(
        &self,
        py: Python<'py>,
        snapshot: StorageArg<'_>,
        fetch_user_info: bool,
        resource: Option<String>,
        organization_id: Option<String>,
        organization_tokens: bool,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        // User info is fetched here as text (not by the core's context) to keep the claims as sent.
        let mut options = logto::ContextOptions::default().organization_tokens(organization_tokens);
        if resource.is_some() || organization_id.is_some() {
            options = options.access_token(target(resource.as_deref().unwrap_or_default(), organization_id));
        }
        self.run(py, snapshot.bind(), blocking, |client| async move {
            let context = client.context(&options).await?;
            let (mut claims, mut user_info) = ("null".to_owned(), "null".to_owned());
            if context.is_authenticated {
                if let Some(token) = client.get_id_token().await? {
                    claims = logto::oidc::jwt_payload_text(token.secret()).map_err(LogtoError::InvalidIdToken)?;
                }
                if fetch_user_info {
                    user_info = client.fetch_user_info_text().await?.1;
                }
            }
            let to_json = |value: serde_json::Value| value.to_string();
            let organization_tokens: std::collections::BTreeMap<String, String> =
                context.organization_tokens.into_iter().map(|(id, token)| (id, token.into_secret())).collect();
            Ok(format!(
                r#"{{"isAuthenticated":{},"claims":{claims},"accessToken":{},"scopes":{},"userInfo":{user_info},"organizationTokens":{}}}"#,
                context.is_authenticated,
                to_json(serde_json::json!(context.access_token.map(logto::AccessToken::into_secret))),
                to_json(serde_json::json!(context.scopes)),
                to_json(serde_json::json!(organization_tokens)),
            ))
        })
    }

    /// Handles a back-channel logout token; the ended session's `sub` and `sid` (JSON text).
    #[pyo3(signature = (logout_token, *, blocking=false))]
    fn handle_backchannel_logout<'py>(
        &self,
        py: Python<'py>,
        logout_token: String,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, BoundStorage::snapshot(&Snapshot::default()), blocking, |client| async move {
            let claims = client.handle_backchannel_logout(&logout_token).await?;
            Ok(serde_json::json!({"sub": claims.sub, "sid": claims.sid}).to_string())
        })
    }

    /// The OIDC core (discovered once, its keys fetched): an awaitable, or with `blocking` the
    /// core itself.
    #[pyo3(signature = (*, blocking=false))]
    fn oidc_core<'py>(&self, py: Python<'py>, blocking: bool) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        let ready = async move {
            let core = client.oidc_core().await?;
            // Warm the keys so a later `verifyIdToken` (a plain call) need not wait for them.
            if let Err(error) = core.fetch_keys().await {
                tracing::debug!(%error, "could not prefetch the signing keys");
            }
            Ok::<_, LogtoError>(CoreOidc::new(core))
        };
        let ready = async move { ready.await.map_err(to_py_err) };
        if blocking { drive(py, true, ready) } else { into_awaitable(py, ready) }
    }

    /// The ID token's claims (JSON text) when they answer `signed_in_claims` without I/O (not
    /// expired, back-channel logouts not honoured), else `None`: then call `signed_in_claims`.
    fn claims_without_io(&self, id_token: &str) -> Option<String> {
        self.client.claims_without_io(id_token)?;
        logto::oidc::jwt_payload_text(id_token).ok()
    }

    /// Whether an ID token is stored.
    #[pyo3(signature = (id_token))]
    fn is_authenticated(&self, id_token: Option<String>) -> PyResult<bool> {
        self.read(&Snapshot::with_id_token(id_token), async |client| client.is_authenticated().await)
    }

    /// The JSON text of the stored ID token's claims; `LogtoNotAuthenticated` without one.
    #[pyo3(signature = (id_token))]
    fn id_token_claims(&self, id_token: Option<String>) -> PyResult<String> {
        let token = self
            .read(&Snapshot::with_id_token(id_token), async |client| client.get_id_token().await)?
            .ok_or_else(|| to_py_err(LogtoError::NotAuthenticated))?;
        raw_claims(token.secret(), OidcCore::decode_id_token).map_err(to_py_err)
    }
}
