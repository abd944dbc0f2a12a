//! `CoreClient`: the core [`logto::LogtoClient`] of one Python `LogtoClient`, bound per call to a
//! [`SnapshotStorage`] of the user's storage.

use crate::errors::{invalid_argument, to_py_err};
use crate::oidc::{CoreOidc, raw_claims};
use crate::snapshot::{SnapshotStorage, Values};
use logto::{
    DirectSignIn, FirstScreen, Identifier, InteractionMode, LogtoClient, LogtoConfig, LogtoError,
    MemoryStorage, OidcCore, SignInOptions,
};
use pyo3::prelude::*;
use pyo3::types::PyList;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// What a call changed in the storage: `(key, value)` pairs, `None` meaning deleted.
type Changes = Vec<(&'static str, Option<String>)>;

/// The name of the attribute that carries the storage changes of a failed call, so that the
/// Python wrapper applies them too (a failed callback still ends the sign-in session, a sign-out
/// whose end-session URL cannot be built still clears the tokens).
const CHANGES_ATTRIBUTE: &str = "_logto_storage_changes";

/// The core client of one Python `LogtoClient`.
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug)]
pub(crate) struct CoreClient {
    client: LogtoClient,
}

impl CoreClient {
    /// Runs `call` on the core client bound to a snapshot of the user's values. Returns
    /// `(result, changes)` at once when the core needs no I/O (a sign-in URL, a cached token),
    /// otherwise a Python awaitable of it, driven by the tokio runtime.
    fn run<'py, T, F, Fut>(&self, py: Python<'py>, snapshot: Values, call: F) -> PyResult<Bound<'py, PyAny>>
    where
        F: FnOnce(LogtoClient) -> Fut,
        Fut: Future<Output = logto::Result<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        let storage = Arc::new(SnapshotStorage::new(snapshot));
        let mut future = Box::pin(call(self.client.with_storage(storage.clone())));
        // Handing a future to a worker thread and waking the event loop back costs hundreds of
        // microseconds; most calls of a web request (cached token, sign-in URL) finish without
        // I/O, so poll once here, inside the runtime's context, and only hand over what waits.
        let runtime = pyo3_async_runtimes::tokio::get_runtime();
        let first_poll = {
            let _context = runtime.enter();
            future.as_mut().poll(&mut Context::from_waker(Waker::noop()))
        };
        if let Poll::Ready(outcome) = first_poll {
            return finish(outcome, storage.changes())
                .and_then(|value| value.into_pyobject(py).map(Bound::into_any));
        }
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let outcome = future.await;
            finish(outcome, storage.changes())
        })
    }

    /// Runs a call that only reads the storage (no network), on the caller's thread.
    fn read<T>(
        &self,
        storage: SnapshotStorage,
        call: impl AsyncFnOnce(LogtoClient) -> logto::Result<T>,
    ) -> PyResult<T> {
        let client = self.client.with_storage(Arc::new(storage));
        // Python threads are never tokio worker threads, so blocking here is allowed; the
        // snapshot answers at once, so this does not wait.
        pyo3_async_runtimes::tokio::get_runtime().block_on(call(client)).map_err(to_py_err)
    }
}

fn finish<T>(outcome: logto::Result<T>, changes: Changes) -> PyResult<(T, Changes)> {
    match outcome {
        Ok(value) => Ok((value, changes)),
        Err(error) => Err(with_changes(to_py_err(error), changes)),
    }
}

fn with_changes(error: PyErr, changes: Changes) -> PyErr {
    if !changes.is_empty() {
        Python::attach(|py| {
            let list =
                PyList::new(py, changes).and_then(|list| error.value(py).setattr(CHANGES_ATTRIBUTE, list));
            if let Err(failure) = list {
                failure.write_unraisable(py, None);
            }
        });
    }
    error
}

/// `None` where the reference SDK returns `None`: no refresh token to get a new access token.
fn none_if_signed_out(result: logto::Result<String>) -> logto::Result<Option<String>> {
    match result {
        Ok(token) => Ok(Some(token)),
        Err(LogtoError::NotAuthenticated) => Ok(None),
        Err(error) => Err(error),
    }
}

fn interaction_mode(value: &str) -> PyResult<InteractionMode> {
    InteractionMode::parse(value)
        .ok_or_else(|| invalid_argument(format!("interactionMode `{value}` is not `signIn` or `signUp`")))
}

fn first_screen(value: &str) -> PyResult<FirstScreen> {
    FirstScreen::parse(value)
        .ok_or_else(|| invalid_argument(format!("firstScreen `{value}` is not a Logto first screen")))
}

fn identifier(value: &str) -> PyResult<Identifier> {
    Identifier::parse(value)
        .ok_or_else(|| invalid_argument(format!("identifier `{value}` is not email, phone or username")))
}

fn direct_sign_in(method: &str, target: String) -> PyResult<DirectSignIn> {
    match method {
        "social" => Ok(DirectSignIn::Social(target)),
        "sso" => Ok(DirectSignIn::Sso(target)),
        other => Err(invalid_argument(format!("directSignIn method `{other}` is not `social` or `sso`"))),
    }
}

#[pymethods]
impl CoreClient {
    #[new]
    #[pyo3(signature = (endpoint, app_id, app_secret, scopes, resources, prompt))]
    fn new(
        endpoint: String,
        app_id: String,
        app_secret: Option<String>,
        scopes: Vec<String>,
        resources: Vec<String>,
        prompt: Vec<String>,
    ) -> PyResult<Self> {
        let mut config = LogtoConfig::new(endpoint, app_id)
            .with_scopes(scopes)
            .with_resources(resources)
            .with_prompt(prompt);
        if let Some(secret) = app_secret {
            config = config.with_app_secret(secret);
        }
        // Every call binds its own snapshot; this storage is never used.
        let client = LogtoClient::new(config, Arc::new(MemoryStorage::new())).map_err(to_py_err)?;
        Ok(Self { client })
    }

    #[pyo3(signature = (snapshot, redirect_uri, interaction_mode=None, first_screen=None, identifiers=None, direct_sign_in=None, extra_params=None))]
    #[allow(clippy::too_many_arguments)]
    fn sign_in<'py>(
        &self,
        py: Python<'py>,
        snapshot: Values,
        redirect_uri: String,
        interaction_mode: Option<String>,
        first_screen: Option<String>,
        identifiers: Option<Vec<String>>,
        direct_sign_in: Option<(String, String)>,
        extra_params: Option<Vec<(String, String)>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut options = SignInOptions::new(redirect_uri);
        if let Some(mode) = interaction_mode {
            options = options.interaction_mode(self::interaction_mode(&mode)?);
        }
        if let Some(screen) = first_screen {
            options = options.first_screen(self::first_screen(&screen)?);
        }
        if let Some(identifiers) = identifiers {
            options =
                options.identifiers(identifiers.iter().map(|i| identifier(i)).collect::<PyResult<Vec<_>>>()?);
        }
        if let Some((method, target)) = direct_sign_in {
            options = options.direct_sign_in(self::direct_sign_in(&method, target)?);
        }
        for (name, value) in extra_params.unwrap_or_default() {
            options = options.extra_param(name, value);
        }
        self.run(py, snapshot, |client| async move { client.sign_in(options).await })
    }

    fn handle_sign_in_callback<'py>(
        &self,
        py: Python<'py>,
        snapshot: Values,
        callback_uri: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, snapshot, |client| async move { client.handle_sign_in_callback(&callback_uri).await })
    }

    #[pyo3(signature = (snapshot, post_logout_redirect_uri=None))]
    fn sign_out<'py>(
        &self,
        py: Python<'py>,
        snapshot: Values,
        post_logout_redirect_uri: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(
            py,
            snapshot,
            |client| async move { client.sign_out(post_logout_redirect_uri.as_deref()).await },
        )
    }

    fn get_access_token<'py>(
        &self,
        py: Python<'py>,
        snapshot: Values,
        resource: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, snapshot, |client| async move {
            none_if_signed_out(client.get_access_token(&resource).await)
        })
    }

    fn get_organization_token<'py>(
        &self,
        py: Python<'py>,
        snapshot: Values,
        organization_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, snapshot, |client| async move {
            none_if_signed_out(client.get_organization_token(&organization_id).await)
        })
    }

    /// The JSON text of the access token's claims, as the server wrote them.
    fn get_access_token_claims<'py>(
        &self,
        py: Python<'py>,
        snapshot: Values,
        resource: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, snapshot, |client| async move {
            let token = client.get_access_token(&resource).await?;
            raw_claims(&token, OidcCore::decode_access_token)
        })
    }

    /// The JSON text of the organization token's claims.
    fn get_organization_token_claims<'py>(
        &self,
        py: Python<'py>,
        snapshot: Values,
        organization_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, snapshot, |client| async move {
            let token = client.get_organization_token(&organization_id).await?;
            raw_claims(&token, OidcCore::decode_access_token)
        })
    }

    /// The JSON text of the userinfo response.
    fn fetch_user_info<'py>(&self, py: Python<'py>, snapshot: Values) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, snapshot, |client| async move {
            let info = client.fetch_user_info_json().await?;
            serde_json::to_string(&info).map_err(|e| LogtoError::InvalidResponse {
                endpoint: "userinfo".into(),
                reason: e.to_string(),
            })
        })
    }

    fn oidc_core<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            client.oidc_core().await.map(CoreOidc::new).map_err(to_py_err)
        })
    }

    #[pyo3(signature = (id_token))]
    fn is_authenticated(&self, id_token: Option<String>) -> PyResult<bool> {
        self.read(SnapshotStorage::with_id_token(id_token), async |client| client.is_authenticated().await)
    }

    /// The JSON text of the stored ID token's claims; `LogtoNotAuthenticated` without one.
    #[pyo3(signature = (id_token))]
    fn id_token_claims(&self, id_token: Option<String>) -> PyResult<String> {
        let token = self
            .read(SnapshotStorage::with_id_token(id_token), async |client| client.get_id_token().await)?
            .ok_or_else(|| to_py_err(LogtoError::NotAuthenticated))?;
        raw_claims(&token, OidcCore::decode_id_token).map_err(to_py_err)
    }
}
