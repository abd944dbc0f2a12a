//! The bearer-token guard for API routes: [`BearerAuthLayer`] verifies the `Authorization`
//! header with the core [`AccessTokenVerifier`] and hands the claims to the handler as
//! [`BearerClaims`]; refusals are [`BearerRejection`]s (401 / 403 with `WWW-Authenticate`, RFC 6750).

use axum::Json;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use logto::AccessTokenClaims;
use logto::verifier::{AccessTokenVerifier, BearerError};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// A tower layer that lets a request through only with a valid bearer token.
///
/// ```no_run
/// use axum::{Json, Router, routing::get};
/// use logto::verifier::AccessTokenVerifier;
/// use logto_axum::{BearerAuthLayer, BearerClaims};
///
/// async fn data(BearerClaims(claims): BearerClaims) -> Json<serde_json::Value> {
///     Json(serde_json::json!({ "sub": claims.sub }))
/// }
///
/// # async fn run() -> logto::Result<()> {
/// let verifier = AccessTokenVerifier::discover("https://tenant.logto.app", "https://api.example.com")
///     .await?
///     .require_scopes(["read:data"]);
/// let api: Router = Router::new()
///     .route("/api/data", get(data))
///     .route_layer(BearerAuthLayer::new(verifier).realm("api"));
/// # drop(api); Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BearerAuthLayer {
    verifier: AccessTokenVerifier,
    realm: Option<Arc<str>>,
}

impl BearerAuthLayer {
    /// A guard verifying with `verifier` (its audience and required scopes).
    pub fn new(verifier: AccessTokenVerifier) -> Self {
        Self { verifier, realm: None }
    }

    /// Sets the `realm` of the `WWW-Authenticate` challenges.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(Arc::from(realm.into()));
        self
    }
}

impl<S> Layer<S> for BearerAuthLayer {
    type Service = BearerAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BearerAuth { inner, verifier: self.verifier.clone(), realm: self.realm.clone() }
    }
}

/// The service of [`BearerAuthLayer`].
#[derive(Debug, Clone)]
pub struct BearerAuth<S> {
    inner: S,
    verifier: AccessTokenVerifier,
    realm: Option<Arc<str>>,
}

impl<S> Service<Request> for BearerAuth<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        let realm = self.realm.clone();
        Box::pin(async move {
            let values =
                request.headers().get_all(header::AUTHORIZATION).iter().map(|value| value.as_bytes());
            match verifier.verify_header_values(values).await {
                Ok(claims) => {
                    request.extensions_mut().insert(BearerClaims(claims));
                    inner.call(request).await
                }
                Err(error) => Ok(BearerRejection { error, realm }.into_response()),
            }
        })
    }
}

/// The verified claims of the request's bearer token, put there by [`BearerAuthLayer`].
///
/// Without the layer in front of the route the extractor answers `500`, never lets the request
/// through.
///
/// ```
/// use logto_axum::BearerClaims;
/// async fn whoami(BearerClaims(claims): BearerClaims) -> String {
///     format!("{} with {:?}", claims.sub, claims.scope)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct BearerClaims(pub Arc<AccessTokenClaims>);

impl<S: Send + Sync> FromRequestParts<S> for BearerClaims {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<BearerClaims>().cloned().ok_or_else(|| {
            tracing::error!("BearerClaims used on a route without BearerAuthLayer");
            (StatusCode::INTERNAL_SERVER_ERROR, "the route has no BearerAuthLayer").into_response()
        })
    }
}

/// A refused bearer token: `400` (a malformed request: two `Authorization` headers, a credential
/// that is not a b64token), `401` (missing, malformed, forged, expired, wrong audience), `403`
/// (missing scope) or `503` (the identity server's keys are unavailable), with the RFC 6750
/// `WWW-Authenticate` challenge and a JSON body.
///
/// ```
/// use axum::response::IntoResponse;
/// use logto::verifier::BearerError;
/// use logto_axum::BearerRejection;
///
/// let error = BearerError::InsufficientScope { required: vec!["read:data".into()], missing: vec!["read:data".into()] };
/// let response = BearerRejection::new(error).into_response();
/// assert_eq!(response.status(), 403);
/// assert!(response.headers()["www-authenticate"].to_str().unwrap().contains(r#"scope="read:data""#));
/// ```
#[derive(Debug, Clone)]
pub struct BearerRejection {
    error: BearerError,
    realm: Option<Arc<str>>,
}

impl BearerRejection {
    /// A rejection without realm.
    pub fn new(error: BearerError) -> Self {
        Self { error, realm: None }
    }

    /// Why the token was refused.
    pub fn error(&self) -> &BearerError {
        &self.error
    }
}

impl IntoResponse for BearerRejection {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.status()).unwrap_or(StatusCode::UNAUTHORIZED);
        // The core keeps every value of the challenge to visible ASCII, so it is always a valid
        // header value; the fallback only guards against a future change.
        let challenge = self.error.www_authenticate(self.realm.as_deref());
        let challenge = HeaderValue::from_str(&challenge).unwrap_or_else(|_| {
            let code = self.error.error_code().map(|code| format!(" error=\"{code}\"")).unwrap_or_default();
            HeaderValue::from_str(&format!("Bearer{code}")).unwrap_or(HeaderValue::from_static("Bearer"))
        });
        let fallback = if status == StatusCode::SERVICE_UNAVAILABLE {
            "temporarily_unavailable"
        } else {
            "unauthorized"
        };
        let body = serde_json::json!({
            "error": self.error.error_code().unwrap_or(fallback),
            "error_description": self.error.description(),
        });
        (status, [(header::WWW_AUTHENTICATE, challenge)], Json(body)).into_response()
    }
}
