//! `CoreOidc`: the core [`logto::OidcCore`] (metadata, keys, token requests, verification) for
//! the Python `OidcCore`, and the JWT helpers it exposes as static methods.

use crate::errors::to_py_err;
use logto::{HttpOptions, LogtoError, OidcCore, ProviderMetadata};
use pyo3::prelude::*;
use serde::Serialize;

/// The claims of `token` as the server wrote them (JSON text), once `check` accepted them:
/// Python builds its models from this text so that claims the token lacks stay unset.
pub(crate) fn raw_claims<T>(token: &str, check: fn(&str) -> logto::Result<T>) -> logto::Result<String> {
    check(token)?;
    let claims: serde_json::Value =
        logto::oidc::decode_jwt_payload(token).map_err(LogtoError::InvalidIdToken)?;
    Ok(claims.to_string())
}

fn to_json<T: Serialize>(value: &T, what: &str) -> logto::Result<String> {
    serde_json::to_string(value)
        .map_err(|e| LogtoError::InvalidResponse { endpoint: what.to_owned(), reason: e.to_string() })
}

/// The OIDC core of one identity server.
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug, Clone)]
pub(crate) struct CoreOidc {
    core: OidcCore,
}

impl CoreOidc {
    pub(crate) fn new(core: OidcCore) -> Self {
        Self { core }
    }
}

#[pymethods]
impl CoreOidc {
    /// A core over metadata JSON (no network call until keys are needed).
    #[staticmethod]
    fn from_metadata_json(metadata: &str) -> PyResult<Self> {
        let metadata: ProviderMetadata = serde_json::from_str(metadata)
            .map_err(|e| crate::errors::invalid_argument(format!("invalid provider metadata: {e}")))?;
        let http = HttpOptions::default().build_client().map_err(to_py_err)?;
        Ok(Self::new(OidcCore::from_metadata(metadata, http)))
    }

    /// Discovers the server of `discovery_url`; an awaitable of a `CoreOidc`.
    #[staticmethod]
    fn discover(py: Python<'_>, discovery_url: String) -> PyResult<Bound<'_, PyAny>> {
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let http = HttpOptions::default().build_client().map_err(to_py_err)?;
            OidcCore::discover_url(&discovery_url, http).await.map(Self::new).map_err(to_py_err)
        })
    }

    fn metadata_json(&self) -> PyResult<String> {
        to_json(self.core.metadata(), "discovery").map_err(to_py_err)
    }

    #[staticmethod]
    fn generate_state() -> String {
        OidcCore::generate_state()
    }

    #[staticmethod]
    fn generate_code_verifier() -> String {
        OidcCore::generate_code_verifier()
    }

    #[staticmethod]
    fn generate_code_challenge(code_verifier: &str) -> String {
        OidcCore::generate_code_challenge(code_verifier)
    }

    /// The JSON text of an ID token's claims, unverified.
    #[staticmethod]
    fn decode_id_token(id_token: &str) -> PyResult<String> {
        raw_claims(id_token, OidcCore::decode_id_token).map_err(to_py_err)
    }

    /// The JSON text of an access token's claims, unverified.
    #[staticmethod]
    fn decode_access_token(access_token: &str) -> PyResult<String> {
        raw_claims(access_token, OidcCore::decode_access_token).map_err(to_py_err)
    }

    /// The JSON text of the token response.
    fn fetch_token_by_code<'py>(
        &self,
        py: Python<'py>,
        client_id: String,
        client_secret: Option<String>,
        redirect_uri: String,
        code: String,
        code_verifier: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let core = self.core.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let response = core
                .fetch_token_by_code(
                    &client_id,
                    client_secret.as_deref(),
                    &redirect_uri,
                    &code,
                    &code_verifier,
                )
                .await
                .and_then(|response| to_json(&response, "token"));
            response.map_err(to_py_err)
        })
    }

    /// The JSON text of the token response.
    fn fetch_token_by_refresh_token<'py>(
        &self,
        py: Python<'py>,
        client_id: String,
        client_secret: Option<String>,
        refresh_token: String,
        resource: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let core = self.core.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let response = core
                .fetch_token_by_refresh_token(&client_id, client_secret.as_deref(), &refresh_token, &resource)
                .await
                .and_then(|response| to_json(&response, "token"));
            response.map_err(to_py_err)
        })
    }

    /// Verifies an ID token, blocking the calling thread (not the GIL) while the keys are fetched.
    fn verify_id_token(&self, py: Python<'_>, id_token: String, client_id: String) -> PyResult<()> {
        let core = self.core.clone();
        py.detach(move || {
            pyo3_async_runtimes::tokio::get_runtime()
                .block_on(async move { core.verify_id_token(&id_token, &client_id).await.map(drop) })
        })
        .map_err(to_py_err)
    }

    /// The JSON text of the userinfo response.
    fn fetch_user_info<'py>(&self, py: Python<'py>, access_token: String) -> PyResult<Bound<'py, PyAny>> {
        let core = self.core.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let info =
                core.fetch_user_info_json(&access_token).await.and_then(|info| to_json(&info, "userinfo"));
            info.map_err(to_py_err)
        })
    }
}
