//! `CoreNative`: sign-in from a terminal for `logto.native`: the core's loopback and device
//! sign-ins, its token storage (the OS keyring or a private file) and cross-process refresh
//! coordination, as one client.

use crate::errors::to_py_err;
use crate::runtime::drive;
use logto::native::{
    DeviceAuthorization, FileCoordinator, FileStorage, LoopbackOptions, NativeStorage, TokenStore,
    UnknownTokenStore, native_client_in,
};
use logto::{LogtoClient, LogtoConfig, TokenTarget};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::Arc;
use std::time::Duration;

/// A native app's client whose tokens live in the OS keyring or a private file.
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug)]
pub(crate) struct CoreNative {
    client: LogtoClient,
    kept_in: String,
}

/// A device sign-in in progress (the device code stays inside).
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug)]
pub(crate) struct CoreDeviceAuthorization {
    inner: DeviceAuthorization,
}

#[pymethods]
impl CoreDeviceAuthorization {
    #[getter]
    fn user_code(&self) -> String {
        self.inner.user_code.clone()
    }
    #[getter]
    fn verification_uri(&self) -> String {
        self.inner.verification_uri.clone()
    }
    #[getter]
    fn verification_uri_complete(&self) -> Option<String> {
        self.inner.verification_uri_complete.clone()
    }
    #[getter]
    fn expires_in(&self) -> f64 {
        self.inner.expires_in.as_secs_f64()
    }
    #[getter]
    fn interval(&self) -> f64 {
        self.inner.interval.as_secs_f64()
    }
    /// The same sign-in polled every `seconds` (a test's shortcut; Logto asks for 5 s).
    fn with_interval(&self, seconds: f64) -> Self {
        let mut inner = self.inner.clone();
        inner.interval = Duration::from_secs_f64(seconds.max(0.0));
        Self { inner }
    }
}

#[pymethods]
impl CoreNative {
    /// `tool` names the directory under the user's configuration directory; `token_store` is
    /// `auto`, `keyring` or `file`; `token_file` and `coordination_dir` override where the
    /// tokens (then all in that file: `token_store` must be `auto` or `file`) and the locks
    /// live. Opening the keyring may block (D-Bus, a prompt): without the GIL.
    #[new]
    #[pyo3(signature = (tool, endpoint, app_id, scopes, resources, token_file=None, coordination_dir=None, token_store="auto"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        tool: &str,
        endpoint: String,
        app_id: String,
        scopes: Vec<String>,
        resources: Vec<String>,
        token_file: Option<String>,
        coordination_dir: Option<String>,
        token_store: &str,
    ) -> PyResult<Self> {
        let config = LogtoConfig::new(endpoint, app_id).with_scopes(scopes).with_resources(resources);
        let store: TokenStore =
            token_store.parse().map_err(|e: UnknownTokenStore| PyValueError::new_err(e.to_string()))?;
        if token_file.is_some() && store == TokenStore::Keyring {
            return Err(PyValueError::new_err(
                "tokenFile keeps every token in that file: tokenStore=\"keyring\" cannot apply",
            ));
        }
        let storage = py
            .detach(|| match token_file {
                Some(path) => FileStorage::at(path).map(NativeStorage::from),
                None => NativeStorage::open(tool, &config.app_id, store),
            })
            .map_err(|e| to_py_err(e.into()))?;
        let kept_in = storage.to_string();
        let client = match coordination_dir {
            None => native_client_in(tool, config, storage),
            Some(dir) => {
                let coordinator = FileCoordinator::in_dir(dir).map_err(|e| to_py_err(e.into()))?;
                LogtoClient::builder(config)
                    .storage(Arc::new(storage))
                    .coordinator(Arc::new(coordinator))
                    .build()
            }
        }
        .map_err(to_py_err)?;
        Ok(Self { client, kept_in })
    }

    /// Where the tokens are kept (`the file <path>`, or the keyring and the file).
    #[getter]
    fn kept_in(&self) -> String {
        self.kept_in.clone()
    }

    /// Loopback sign-in: `on_url(url)` is called with the sign-in URL (open a browser there).
    #[pyo3(signature = (on_url, timeout=300.0, port=0, *, blocking=false))]
    fn sign_in_with_loopback<'py>(
        &self,
        py: Python<'py>,
        on_url: Py<PyAny>,
        timeout: f64,
        port: u16,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        let options =
            LoopbackOptions::default().timeout(Duration::from_secs_f64(timeout.max(0.0))).port(port);
        drive(py, blocking, async move {
            client
                .sign_in_with_loopback(options, move |url| {
                    crate::runtime::attach_unless_exiting(|py| {
                        if let Err(error) = on_url.call1(py, (url,)) {
                            error.print(py);
                        }
                    });
                })
                .await
                .map_err(to_py_err)
        })
    }

    #[pyo3(signature = (*, blocking=false))]
    fn start_device_sign_in<'py>(&self, py: Python<'py>, blocking: bool) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        drive(py, blocking, async move {
            let inner = client.start_device_sign_in().await.map_err(to_py_err)?;
            Ok(CoreDeviceAuthorization { inner })
        })
    }

    #[pyo3(signature = (device, *, blocking=false))]
    fn finish_device_sign_in<'py>(
        &self,
        py: Python<'py>,
        device: &CoreDeviceAuthorization,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (client, device) = (self.client.clone(), device.inner.clone());
        drive(py, blocking, async move { client.finish_device_sign_in(&device).await.map_err(to_py_err) })
    }

    #[pyo3(signature = (*, blocking=false))]
    fn is_authenticated<'py>(&self, py: Python<'py>, blocking: bool) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        drive(py, blocking, async move { client.is_authenticated().await.map_err(to_py_err) })
    }

    /// An access token (text) for the resource and/or organization (none: the user-info token).
    #[pyo3(signature = (resource=None, organization_id=None, *, blocking=false))]
    fn get_access_token<'py>(
        &self,
        py: Python<'py>,
        resource: Option<String>,
        organization_id: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        let target = match (organization_id, resource) {
            (Some(organization), Some(resource)) => {
                TokenTarget::organization_resource(organization, resource)
            }
            (Some(organization), None) => TokenTarget::organization(organization),
            (None, Some(resource)) => TokenTarget::from(resource),
            (None, None) => TokenTarget::UserInfo,
        };
        drive(py, blocking, async move {
            Ok(client.get_access_token(target).await.map_err(to_py_err)?.into_secret())
        })
    }

    /// The verified ID token's claims, as JSON text.
    #[pyo3(signature = (*, blocking=false))]
    fn id_token_claims<'py>(&self, py: Python<'py>, blocking: bool) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        drive(py, blocking, async move {
            let claims = client.get_id_token_claims().await.map_err(to_py_err)?;
            serde_json::to_string(&claims).map_err(|e| to_py_err(logto::LogtoError::Internal(e.to_string())))
        })
    }

    /// Revokes the refresh token and forgets the tokens.
    #[pyo3(signature = (*, blocking=false))]
    fn sign_out<'py>(&self, py: Python<'py>, blocking: bool) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        drive(py, blocking, async move { client.sign_out(None).await.map(drop).map_err(to_py_err) })
    }
}
