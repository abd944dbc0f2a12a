//! `CoreOidc`: the core [`logto::OidcCore`] (metadata, keys, token requests, verification) for
//! the Python `OidcCore`, and the JWT helpers it exposes as static methods.

use crate::errors::to_py_err;
use crate::runtime::{drive, into_awaitable, runtime};
use logto::{
    AppSecret, CodeVerifier, HttpOptions, LogtoError, OidcCore, ProviderMetadata, RefreshToken, TokenTarget,
};
use pyo3::prelude::*;
use serde::Serialize;

/// The claims of `token` as the server wrote them (JSON text), once `check` accepted them:
/// Python builds its models from this text so that claims the token lacks stay unset.
pub(crate) fn raw_claims<T>(token: &str, check: fn(&str) -> logto::Result<T>) -> logto::Result<String> {
    check(token)?;
    logto::oidc::jwt_payload_text(token).map_err(LogtoError::InvalidIdToken)
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
        let core = Self::new(OidcCore::from_metadata(metadata, http));
        core.prefetch_keys();
        Ok(core)
    }

    /// Discovers the server of `discovery_url`; an awaitable of a `CoreOidc`.
    #[staticmethod]
    fn discover(py: Python<'_>, discovery_url: String) -> PyResult<Bound<'_, PyAny>> {
        into_awaitable(py, async move {
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
        into_awaitable(py, async move {
            let secret = client_secret.map(AppSecret::new);
            let response = core
                .fetch_token_by_code(
                    &client_id,
                    secret.as_ref(),
                    &redirect_uri,
                    &code,
                    &CodeVerifier::new(code_verifier),
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
        into_awaitable(py, async move {
            let secret = client_secret.map(AppSecret::new);
            let target = TokenTarget::from_resource_indicator(&resource);
            let response = core
                .fetch_token_by_refresh_token(
                    &client_id,
                    secret.as_ref(),
                    &RefreshToken::new(refresh_token),
                    &target,
                )
                .await
                .and_then(|response| to_json(&response, "token"));
            response.map_err(to_py_err)
        })
    }

    /// Verifies an ID token. With the keys cached (`prefetch_keys` warms them) this never
    /// waits; otherwise it blocks the calling thread (not the GIL) while they are fetched.
    fn verify_id_token(&self, py: Python<'_>, id_token: String, client_id: String) -> PyResult<()> {
        let core = self.core.clone();
        let verification =
            async move { core.verify_id_token(&id_token, &client_id).await.map(drop).map_err(to_py_err) };
        drive(py, true, verification).map(drop)
    }

    /// Starts fetching the signing keys in the background (returns at once).
    fn prefetch_keys(&self) {
        let core = self.core.clone();
        runtime().spawn(async move {
            if let Err(error) = core.fetch_keys().await {
                tracing::debug!(%error, "could not prefetch the signing keys");
            }
        });
    }

    /// The JSON text of the userinfo response.
    fn fetch_user_info<'py>(&self, py: Python<'py>, access_token: String) -> PyResult<Bound<'py, PyAny>> {
        let core = self.core.clone();
        into_awaitable(py, async move {
            core.fetch_user_info_text(&access_token).await.map(|(_, text)| text).map_err(to_py_err)
        })
    }
}
