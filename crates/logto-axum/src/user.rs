//! The signed-in user extractor ([`SignedInUser`]) with the two behaviours of the official
//! SDKs' `authenticated` decorator ([`RedirectToSignIn`] and [`JsonUnauthorized`]), and
//! [`SessionClient`] for handlers that only need the session's client.

use crate::auth::LogtoAuth;
use crate::error::{AuthError, answer_response};
use axum::extract::{FromRequestParts, OptionalFromRequestParts, OriginalUri};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use logto::session::Answer;
use logto::session::WebSession;
use logto::{AccessToken, IdTokenClaims, LogtoClient, TokenTarget, UserInfoResponse};
use std::fmt;
use std::marker::PhantomData;

/// What a [`SignedInUser`] extractor answers when nobody is signed in.
pub trait Unauthenticated: Send + Sync + 'static {
    /// The response for the request `parts` of an app configured by `auth`.
    ///
    /// ```
    /// use axum::http::{Request, StatusCode};
    /// use logto_axum::{JsonUnauthorized, Unauthenticated};
    /// # let auth = logto_axum::LogtoAuth::new(
    /// #     logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "a")).build().unwrap(),
    /// #     logto_axum::AuthSettings::new("http://localhost:3000")).unwrap();
    /// let (parts, ()) = Request::new(()).into_parts();
    /// assert_eq!(JsonUnauthorized::respond(&auth, &parts).status(), StatusCode::UNAUTHORIZED);
    /// ```
    fn respond(auth: &LogtoAuth, parts: &Parts) -> Response;
}

/// Redirects to the sign-in route with `return_to` set to the requested page (for pages), like
/// `@authenticated(shouldRedirect=True)`.
///
/// ```
/// use axum::http::{Request, StatusCode, header};
/// use logto_axum::{RedirectToSignIn, Unauthenticated};
/// # let auth = logto_axum::LogtoAuth::new(
/// #     logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "a")).build().unwrap(),
/// #     logto_axum::AuthSettings::new("http://localhost:3000")).unwrap();
/// let (parts, ()) = Request::get("/protected").body(()).unwrap().into_parts();
/// let response = RedirectToSignIn::respond(&auth, &parts);
/// assert_eq!(response.status(), StatusCode::FOUND);
/// assert_eq!(response.headers()[header::LOCATION], "http://localhost:3000/sign-in?return_to=%2Fprotected");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct RedirectToSignIn;

/// Answers `401` with `{"error": "Not authenticated"}` (for JSON endpoints), like
/// `@authenticated(shouldRedirect=False)`.
///
/// ```
/// use logto_axum::{JsonUnauthorized, SignedInUser};
/// async fn api(user: SignedInUser<JsonUnauthorized>) -> String { user.claims().sub.clone() }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonUnauthorized;

impl Unauthenticated for RedirectToSignIn {
    fn respond(auth: &LogtoAuth, parts: &Parts) -> Response {
        let original = parts.extensions.get::<OriginalUri>().map_or(&parts.uri, |uri| &uri.0);
        let return_to = original.path_and_query().map_or("/", |p| p.as_str());
        answer_response(auth.flows().redirect_to_sign_in(return_to))
    }
}

impl Unauthenticated for JsonUnauthorized {
    fn respond(_auth: &LogtoAuth, _parts: &Parts) -> Response {
        answer_response(Answer::not_authenticated())
    }
}

/// The signed-in user of the request's session: the ID-token claims, and the session's client
/// for user info and access tokens. When nobody is signed in the extractor answers with `R`
/// ([`JsonUnauthorized`] by default, or [`RedirectToSignIn`]); `Option<SignedInUser>` never
/// rejects.
///
/// ```
/// use logto_axum::{RedirectToSignIn, SignedInUser};
///
/// async fn profile(user: SignedInUser<RedirectToSignIn>) -> String {
///     format!("{} ({})", user.claims().sub, user.claims().name.as_deref().unwrap_or("no name"))
/// }
///
/// async fn userinfo(user: SignedInUser) -> Result<axum::Json<logto::UserInfoResponse>, logto_axum::AuthError> {
///     Ok(axum::Json(user.fetch_user_info().await?))
/// }
/// ```
pub struct SignedInUser<R = JsonUnauthorized> {
    claims: IdTokenClaims,
    client: LogtoClient,
    behaviour: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for SignedInUser<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedInUser").field("sub", &self.claims.sub).finish_non_exhaustive()
    }
}

impl<R> SignedInUser<R> {
    /// The claims of the session's ID token.
    pub fn claims(&self) -> &IdTokenClaims {
        &self.claims
    }

    /// The session's client (tokens, organization tokens, sign-out).
    pub fn client(&self) -> &LogtoClient {
        &self.client
    }

    /// Fetches the user's claims from the userinfo endpoint (custom data, identities, ...).
    pub async fn fetch_user_info(&self) -> logto::Result<UserInfoResponse> {
        self.client.fetch_user_info().await
    }

    /// An access token for `target` (an API resource, an organization, ...), cached in the
    /// session and refreshed when needed.
    pub async fn access_token(&self, target: impl Into<TokenTarget>) -> logto::Result<AccessToken> {
        self.client.get_access_token(target).await
    }

    /// An organization token for `organization_id`.
    pub async fn organization_token(&self, organization_id: &str) -> logto::Result<AccessToken> {
        self.client.get_organization_token(organization_id).await
    }
}

/// Why an extractor could not run at all (a missing layer): `500`.
#[derive(Debug)]
pub struct ExtractorError(&'static str);

impl IntoResponse for ExtractorError {
    fn into_response(self) -> Response {
        tracing::error!(reason = self.0, "logto-axum extractor misconfigured");
        (StatusCode::INTERNAL_SERVER_ERROR, self.0).into_response()
    }
}

/// Why [`SignedInUser`] or [`SessionClient`] refused a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthRejection {
    /// Nobody is signed in: the extractor's [`Unauthenticated`] answer (a redirect or a 401).
    NotSignedIn(Box<Response>),
    /// The session store or the identity server failed.
    Failed(AuthError),
    /// A layer is missing.
    Misconfigured(ExtractorError),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            Self::NotSignedIn(response) => *response,
            Self::Failed(error) => error.into_response(),
            Self::Misconfigured(error) => error.into_response(),
        }
    }
}

fn auth_of(parts: &Parts) -> Result<LogtoAuth, AuthRejection> {
    parts.extensions.get::<LogtoAuth>().cloned().ok_or(AuthRejection::Misconfigured(ExtractorError(
        "LogtoAuth is not in the request extensions: add `.layer(auth.layer())`",
    )))
}

/// The request's session, opened by the session layer.
pub(crate) fn session_of(parts: &Parts) -> Result<WebSession, AuthRejection> {
    parts.extensions.get::<WebSession>().cloned().ok_or(AuthRejection::Misconfigured(ExtractorError(
        "no session: add a session layer (`SessionConfig::layer`) outside the routes",
    )))
}

fn session_client(parts: &Parts) -> Result<(LogtoAuth, LogtoClient), AuthRejection> {
    let auth = auth_of(parts)?;
    let client = auth.client_for(&session_of(parts)?);
    Ok((auth, client))
}

/// The request's [`WebSession`] (the session engine's copy of the browser session), for a
/// handler that keeps its own values in it.
///
/// ```
/// use logto_axum::CurrentSession;
/// async fn visits(CurrentSession(session): CurrentSession) -> String {
///     let visits = session.app_values().await.get("visits").and_then(|v| v.as_u64()).unwrap_or(0) + 1;
///     session.set_app_value("visits", Some(visits.into())).await;
///     format!("{visits} visits")
/// }
/// ```
#[derive(Debug, Clone)]
pub struct CurrentSession(pub WebSession);

impl<S: Send + Sync> FromRequestParts<S> for CurrentSession {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(session_of(parts)?))
    }
}

async fn signed_in<R>(parts: &Parts) -> Result<Option<SignedInUser<R>>, AuthRejection> {
    let (_, client) = session_client(parts)?;
    // The core decides what "signed in" means for a request: an ID token stored, not ended by a
    // back-channel logout, renewed when expired.
    match client.signed_in_claims().await {
        Ok(Some(claims)) => Ok(Some(SignedInUser { claims, client, behaviour: PhantomData })),
        Ok(None) => Ok(None),
        Err(error) if error.is_sign_in_required() => Ok(None),
        Err(error) => Err(AuthRejection::Failed(AuthError(error))),
    }
}

impl<S, R> FromRequestParts<S> for SignedInUser<R>
where
    S: Send + Sync,
    R: Unauthenticated,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match signed_in(parts).await? {
            Some(user) => Ok(user),
            None => Err(AuthRejection::NotSignedIn(Box::new(R::respond(&auth_of(parts)?, parts)))),
        }
    }
}

impl<S, R> OptionalFromRequestParts<S> for SignedInUser<R>
where
    S: Send + Sync,
    R: Unauthenticated,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        signed_in(parts).await
    }
}

/// The client of the request's session, signed in or not.
///
/// ```
/// use logto_axum::SessionClient;
/// async fn status(SessionClient(client): SessionClient) -> &'static str {
///     if client.is_authenticated().await.unwrap_or(false) { "signed in" } else { "signed out" }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SessionClient(pub LogtoClient);

impl<S: Send + Sync> FromRequestParts<S> for SessionClient {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(session_client(parts)?.1))
    }
}
