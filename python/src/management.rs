//! `CoreApi`: Logto's Management API and Account API for `logto.management`. Python holds the
//! generated areas and their pydantic models; every request goes through here, so tokens,
//! retries, errors and the HTTP pool are `logto-management`'s (one stack with the core).

use crate::errors::{LogtoApiError, LogtoException, to_py_err};
use crate::runtime::drive;
use logto::LogtoConfig;
use logto_management::{AccountClient, Api, Body, Error, ManagementClient, StaticToken};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Arc;

/// One Logto's API with a machine's credentials, or none (the caller passes a user's token).
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug)]
pub(crate) struct CoreApi {
    api: Api,
    http: reqwest::Client,
}

fn api_err(error: Error) -> PyErr {
    let message = error.to_string();
    match error {
        Error::Api { operation, status, code, message: logto_message, data } => {
            let err = LogtoApiError::new_err(message);
            crate::runtime::attach_unless_exiting(|py| {
                let value = err.value(py);
                let _ = value.setattr("kind", "api");
                let _ = value.setattr("http_status", if status >= 500 { 502u16 } else { 500 });
                let _ = value.setattr("oauth_error", py.None());
                let _ = value.setattr("operation", operation);
                let _ = value.setattr("status", status);
                let _ = value.setattr("code", code);
                let _ = value.setattr("logto_message", logto_message);
                let data = data.and_then(|d| {
                    py.import("json").and_then(|json| json.call_method1("loads", (d.to_string(),))).ok()
                });
                let _ = value.setattr("data", data);
            });
            err
        }
        Error::Token(error) => to_py_err(error),
        Error::InvalidConfig(_) | Error::Body(_) => PyValueError::new_err(message),
        _ => LogtoException::new_err(message),
    }
}

/// The `&'static str` of a documented operation id (errors name it), or a generic name.
fn operation_name(id: &str) -> &'static str {
    logto_management::generated::OPERATIONS.iter().find(|op| op.id == id).map_or("request", |op| op.id)
}

#[pymethods]
impl CoreApi {
    /// The Management API with a machine-to-machine app's token.
    #[staticmethod]
    #[pyo3(signature = (endpoint, app_id, app_secret, resource=None, api_endpoint=None))]
    fn management(
        endpoint: String,
        app_id: String,
        app_secret: String,
        resource: Option<String>,
        api_endpoint: Option<String>,
    ) -> PyResult<Self> {
        let http = logto::HttpOptions::default().build_client().map_err(to_py_err)?;
        let mut builder =
            ManagementClient::builder(LogtoConfig::new(endpoint, app_id).with_app_secret(app_secret))
                .http_client(http.clone());
        if let Some(resource) = resource {
            builder = builder.resource(resource);
        }
        if let Some(api_endpoint) = api_endpoint {
            builder = builder.api_endpoint(api_endpoint);
        }
        let client = builder.build().map_err(api_err)?;
        Ok(Self { api: (*client).clone(), http })
    }

    /// Logto's API at `endpoint` without credentials of its own (each request may carry a
    /// user's access token).
    #[staticmethod]
    fn anonymous(endpoint: String) -> PyResult<Self> {
        let http = logto::HttpOptions::default().build_client().map_err(to_py_err)?;
        let api = logto_management::public_api(&endpoint).map_err(api_err)?;
        Ok(Self { api, http })
    }

    /// Sends one request; returns `(total, body)`: Logto's `Total-Number` (or `None`) and the
    /// answer's bytes. `access_token` sends a user's token instead of the client's own, and
    /// `verification_id` Logto's `logto-verification-id` header.
    #[pyo3(signature = (operation, method, path, query, body=None, content_type=None, access_token=None, verification_id=None, *, blocking=false))]
    #[allow(clippy::too_many_arguments)]
    fn request<'py>(
        &self,
        py: Python<'py>,
        operation: &str,
        method: &str,
        path: String,
        query: Vec<(String, String)>,
        body: Option<Vec<u8>>,
        content_type: Option<String>,
        access_token: Option<String>,
        verification_id: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| PyValueError::new_err(format!("`{method}` is not an HTTP method")))?;
        let mut api = match access_token {
            Some(token) => {
                let account = AccountClient::with_source(
                    self.api.endpoint(),
                    Arc::new(StaticToken::new(token)),
                    self.http.clone(),
                )
                .map_err(api_err)?;
                (*account).clone()
            }
            None => self.api.clone(),
        };
        if let Some(id) = verification_id {
            api = api.with_verification(&id).map_err(api_err)?;
        }
        let body = match (body, content_type) {
            (None, _) => None,
            (Some(bytes), Some(kind)) if kind != "application/json" => Some(Body::raw(kind, bytes)),
            (Some(bytes), _) => Some(Body::Json(bytes)),
        };
        let operation = operation_name(operation);
        drive(py, blocking, async move {
            let answer = api.request(operation, method, &path, query, body).await.map_err(api_err)?;
            Ok((answer.total, BytesOut(answer.body)))
        })
    }
}

/// Bytes handed to Python as `bytes`.
struct BytesOut(Vec<u8>);

impl<'py> IntoPyObject<'py> for BytesOut {
    type Target = PyBytes;
    type Output = Bound<'py, PyBytes>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(PyBytes::new(py, &self.0))
    }
}
