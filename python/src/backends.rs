//! The backend features for Python: `CoreVerifier` (the core's bearer access-token verifier,
//! for APIs) and `CoreMachine` (machine-to-machine tokens and token exchange).

use crate::errors::{bearer_error, invalid_argument, to_py_err};
use crate::runtime::drive;
use logto::verifier::{AccessTokenVerifier, BearerError};
use logto::{
    LogtoConfig, LogtoError, MachineClient, SubjectTokenType, TokenExchange, TokenTarget,
    oidc::jwt_payload_text,
};
use pyo3::prelude::*;
use std::sync::Arc;

fn target(resource: Option<String>, organization_id: Option<String>) -> TokenTarget {
    match (resource, organization_id) {
        (Some(resource), Some(id)) => TokenTarget::organization_resource(id, resource),
        (None, Some(id)) => TokenTarget::organization(id),
        (Some(resource), None) => TokenTarget::from_resource_indicator(&resource),
        (None, None) => TokenTarget::UserInfo,
    }
}

/// The verifier of one API's access tokens, discovered on first use.
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug)]
pub(crate) struct CoreVerifier {
    endpoint: String,
    audience: String,
    scopes: Vec<String>,
    cache_capacity: Option<usize>,
    verifier: Arc<tokio::sync::OnceCell<AccessTokenVerifier>>,
}

impl CoreVerifier {
    async fn ready(
        cell: Arc<tokio::sync::OnceCell<AccessTokenVerifier>>,
        endpoint: String,
        audience: String,
        scopes: Vec<String>,
        cache_capacity: Option<usize>,
    ) -> Result<AccessTokenVerifier, BearerError> {
        cell.get_or_try_init(|| async {
            let verifier = AccessTokenVerifier::discover(&endpoint, audience).await.map_err(|error| {
                tracing::warn!(%error, "cannot discover the identity server for the API verifier");
                BearerError::InvalidToken(logto::TokenError::KeysUnavailable(error.to_string()))
            })?;
            let verifier = verifier.require_scopes(scopes);
            Ok(match cache_capacity {
                Some(capacity) => verifier.cache_capacity(capacity),
                None => verifier,
            })
        })
        .await
        .cloned()
    }

    fn parts(
        &self,
    ) -> (Arc<tokio::sync::OnceCell<AccessTokenVerifier>>, String, String, Vec<String>, Option<usize>) {
        (
            self.verifier.clone(),
            self.endpoint.clone(),
            self.audience.clone(),
            self.scopes.clone(),
            self.cache_capacity,
        )
    }
}

#[pymethods]
impl CoreVerifier {
    #[new]
    #[pyo3(signature = (endpoint, audience, scopes, cache_capacity=None))]
    fn new(
        endpoint: String,
        audience: String,
        scopes: Vec<String>,
        cache_capacity: Option<usize>,
    ) -> PyResult<Self> {
        logto::Issuer::from_endpoint(&endpoint).map_err(to_py_err)?;
        Ok(Self { endpoint, audience, scopes, cache_capacity, verifier: Arc::default() })
    }

    /// The claims (JSON text, as the token carries them) of a valid token; `LogtoBearerError`
    /// otherwise. `token` may be an `Authorization` header value (`from_header`).
    #[pyo3(signature = (token, *, from_header=false, blocking=false))]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        token: Option<String>,
        from_header: bool,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (cell, endpoint, audience, scopes, capacity) = self.parts();
        drive(py, blocking, async move {
            let result = async {
                let token = if from_header {
                    BearerError::token_from_header(token.as_deref())?.to_owned()
                } else {
                    token.filter(|t| !t.is_empty()).ok_or(BearerError::Missing)?
                };
                let verifier = Self::ready(cell, endpoint, audience, scopes, capacity).await?;
                verifier.verify(&token).await?;
                jwt_payload_text(&token).map_err(BearerError::InvalidToken)
            }
            .await;
            result.map_err(bearer_error)
        })
    }

    /// Fetches the discovery document and the keys now (to warm them at start-up).
    #[pyo3(signature = (*, blocking=false))]
    fn prepare<'py>(&self, py: Python<'py>, blocking: bool) -> PyResult<Bound<'py, PyAny>> {
        let (cell, endpoint, audience, scopes, capacity) = self.parts();
        drive(py, blocking, async move {
            Self::ready(cell, endpoint, audience, scopes, capacity).await.map(drop).map_err(bearer_error)
        })
    }
}

/// A machine-to-machine client.
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug)]
pub(crate) struct CoreMachine {
    machine: MachineClient,
}

fn subject_token_type(value: &str) -> SubjectTokenType {
    match value {
        "urn:ietf:params:oauth:token-type:access_token" => SubjectTokenType::AccessToken,
        "urn:logto:token-type:personal_access_token" => SubjectTokenType::PersonalAccessToken,
        "urn:logto:token-type:impersonation_token" => SubjectTokenType::ImpersonationToken,
        other => SubjectTokenType::Other(other.to_owned()),
    }
}

#[pymethods]
impl CoreMachine {
    #[new]
    #[pyo3(signature = (endpoint, app_id, app_secret))]
    fn new(endpoint: String, app_id: String, app_secret: String) -> PyResult<Self> {
        let machine = MachineClient::new(LogtoConfig::new(endpoint, app_id).with_app_secret(app_secret))
            .map_err(to_py_err)?;
        Ok(Self { machine })
    }

    /// An access token (string) for the resource and/or organization.
    #[pyo3(signature = (resource=None, organization_id=None, scopes=None, *, blocking=false))]
    fn get_token<'py>(
        &self,
        py: Python<'py>,
        resource: Option<String>,
        organization_id: Option<String>,
        scopes: Option<Vec<String>>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let machine = self.machine.clone();
        let target = target(resource, organization_id);
        drive(py, blocking, async move {
            let token =
                machine.get_token_with_scopes(target, scopes.unwrap_or_default()).await.map_err(to_py_err)?;
            Ok(token.into_secret())
        })
    }

    /// The token response (JSON text) of a token exchange.
    #[pyo3(signature = (subject_token, subject_token_type, resource=None, organization_id=None, scopes=None, actor_token=None, actor_token_type=None, *, blocking=false))]
    #[allow(clippy::too_many_arguments)]
    fn exchange_token<'py>(
        &self,
        py: Python<'py>,
        subject_token: String,
        subject_token_type: &str,
        resource: Option<String>,
        organization_id: Option<String>,
        scopes: Option<Vec<String>>,
        actor_token: Option<String>,
        actor_token_type: Option<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut request = TokenExchange::new(subject_token, self::subject_token_type(subject_token_type))
            .target(target(resource, organization_id))
            .scopes(scopes.unwrap_or_default());
        match (actor_token, actor_token_type) {
            (Some(token), kind) => {
                let kind = kind.unwrap_or_else(|| SubjectTokenType::AccessToken.as_str().to_owned());
                request = request.actor(token, self::subject_token_type(&kind));
            }
            (None, Some(_)) => return Err(invalid_argument("actorTokenType without actorToken")),
            (None, None) => {}
        }
        let machine = self.machine.clone();
        drive(py, blocking, async move {
            let response = machine.exchange_token(&request).await.map_err(to_py_err)?;
            serde_json::to_string(&response)
                .map_err(|e| to_py_err(LogtoError::Internal(format!("token response to JSON: {e}"))))
        })
    }
}
