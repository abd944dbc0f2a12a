//! [`LogtoAuth`]: the app's shared Logto client plus its [`AuthSettings`], and the sign-in,
//! sign-up, callback and sign-out routes built from them.

use crate::error::AuthError;
use crate::settings::{AuthSettings, is_local_path};
use crate::storage::SessionStorage;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use logto::{Callback, CallbackParams, FirstScreen, LogtoClient, LogtoError, SignInOptions, StorageError};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::{Expiry, Session};

/// The session key of the local path to return to after the callback.
const RETURN_TO_KEY: &str = "logto_axum.returnTo";

/// How long a session that only holds a sign-in in progress lives without activity: an
/// abandoned sign-in must not keep a session record for the store's full lifetime.
pub const SIGN_IN_SESSION_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The Logto integration of one app: the shared [`LogtoClient`] (HTTP pool, discovery, keys) and
/// the route settings. Cheap to clone.
///
/// Mount [`LogtoAuth::routes`], add [`LogtoAuth::layer`] so the extractors find it, and a session
/// layer ([`SessionConfig::layer`](crate::SessionConfig::layer)) outside both.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use logto::{LogtoClient, LogtoConfig};
/// use logto_axum::{AuthSettings, LogtoAuth, SessionConfig, SignedInUser, RedirectToSignIn};
/// use tower_sessions::MemoryStore;
///
/// async fn protected(user: SignedInUser<RedirectToSignIn>) -> String {
///     format!("hello {}", user.claims().sub)
/// }
///
/// # fn run() -> logto::Result<()> {
/// let client = LogtoClient::builder(
///     LogtoConfig::new("https://tenant.logto.app", "app-id").with_app_secret("secret"),
/// ).build()?;
/// let auth = LogtoAuth::new(client, AuthSettings::new("http://localhost:3000"))?;
/// let app: Router = Router::new()
///     .route("/protected", get(protected))
///     .merge(auth.routes())
///     .layer(auth.layer())
///     .layer(SessionConfig::default().secure(false).layer(MemoryStore::default()));
/// # drop(app); Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct LogtoAuth {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: LogtoClient,
    settings: AuthSettings,
}

/// The `return_to` query parameter of the sign-in and sign-up routes.
#[derive(Debug, Deserialize)]
struct ReturnTo {
    return_to: Option<String>,
}

impl LogtoAuth {
    /// Checks the settings and keeps the shared client.
    pub fn new(client: LogtoClient, settings: AuthSettings) -> logto::Result<Self> {
        settings.validate()?;
        Ok(Self { inner: Arc::new(Inner { client, settings }) })
    }

    /// The shared client (its own storage is not any user's; use [`LogtoAuth::client_for`]).
    pub fn client(&self) -> &LogtoClient {
        &self.inner.client
    }

    /// The route settings.
    pub fn settings(&self) -> &AuthSettings {
        &self.inner.settings
    }

    /// The client of one browser session: the shared core bound to the session's storage.
    pub fn client_for(&self, session: Session) -> LogtoClient {
        self.inner.client.with_storage(Arc::new(SessionStorage::new(session)))
    }

    /// The layer that makes this integration available to the extractors
    /// ([`SignedInUser`](crate::SignedInUser), [`SessionClient`](crate::SessionClient)).
    pub fn layer(&self) -> axum::Extension<LogtoAuth> {
        axum::Extension(self.clone())
    }

    /// The sign-in, sign-up, callback and sign-out routes. Sign-out answers POST (from a form
    /// of this site: a cross-site request is refused), and GET too when
    /// [`AuthSettings::sign_out_on_get`](crate::AuthSettings::sign_out_on_get) is on. When the
    /// client honours back-channel logouts
    /// ([`LogtoClientBuilder::backchannel_logout`](logto::LogtoClientBuilder::backchannel_logout)),
    /// the back-channel logout route too (Logto posts there; answered 200, or 400 for a token it
    /// refuses).
    pub fn routes<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let settings = self.settings();
        let sign_out_route =
            if settings.sign_out_on_get { get(sign_out).post(sign_out) } else { post(sign_out) };
        let mut router = Router::new()
            .route(&settings.sign_in_path, get(sign_in))
            .route(&settings.sign_up_path, get(sign_up))
            .route(&settings.callback_path, get(callback))
            .route(&settings.sign_out_path, sign_out_route);
        if self.client().honours_backchannel_logout() {
            router = router.route(&settings.backchannel_logout_path, post(backchannel_logout));
        }
        router.with_state(self.clone())
    }

    /// Starts a sign-in for `session` and returns the identity server URL to redirect to.
    /// `return_to` (a local path) is where the callback sends the browser afterwards.
    pub async fn start_sign_in(
        &self,
        session: Session,
        first_screen: Option<FirstScreen>,
        return_to: Option<&str>,
    ) -> Result<String, AuthError> {
        let mut options = SignInOptions::new(self.settings().redirect_uri());
        if let Some(screen) = first_screen {
            options = options.first_screen(screen);
        }
        match return_to.filter(|target| is_local_path(target)) {
            Some(target) => session.insert(RETURN_TO_KEY, target).await.map_err(storage_error)?,
            None => drop(session.remove_value(RETURN_TO_KEY).await.map_err(storage_error)?),
        }
        let client = self.client_for(session.clone());
        if !client.is_authenticated().await? {
            // Until the callback completes, the session holds nothing worth keeping long.
            session.set_expiry(Some(Expiry::OnInactivity(seconds(SIGN_IN_SESSION_TIMEOUT))));
        }
        Ok(client.sign_in(options).await?)
    }

    /// Completes the sign-in from the callback request's URI and returns where to send the
    /// browser. The session id is renewed before any token is stored (no session fixation), and
    /// the session gets the store's full lifetime back.
    pub async fn finish_sign_in(&self, session: Session, uri: &Uri) -> Result<String, AuthError> {
        let params = CallbackParams::from_query(uri.query().unwrap_or_default()).map_err(LogtoError::from)?;
        // The router reached this handler on the callback route, so where the callback arrived
        // is already decided; behind a path-rewriting proxy the request path may differ from
        // the redirect URI's, so only the parameters go to the core.
        // The session id is renewed right before the first token is written (the refresh token
        // is saved at once), so the pre-sign-in id never holds one, and a callback that fails
        // (a forged `state`, a server that is down) leaves the session as it was.
        let storage = SessionStorage::renewing_id(session.clone());
        self.inner
            .client
            .with_storage(Arc::new(storage.clone()))
            .handle_callback(Callback::from(params))
            .await?;
        if !storage.renewed_id() {
            session.cycle_id().await.map_err(storage_error)?;
        }
        session.set_expiry(None);
        let return_to: Option<String> = session.remove(RETURN_TO_KEY).await.map_err(storage_error)?;
        Ok(return_to
            .filter(|t| is_local_path(t))
            .unwrap_or_else(|| self.settings().post_sign_in_redirect.clone()))
    }

    /// Signs the session out (local tokens cleared, refresh token revoked, session deleted) and
    /// returns the identity server's end-session URL to redirect to.
    pub async fn sign_out(&self, session: Session) -> Result<String, AuthError> {
        let post_sign_out = self.settings().absolute(&self.settings().post_sign_out_redirect);
        let result = self.client_for(session.clone()).sign_out(Some(&post_sign_out)).await;
        session.flush().await.map_err(storage_error)?;
        Ok(result?)
    }

    /// Whether a state-changing request comes from this site: its `Origin` (or, without one,
    /// `Sec-Fetch-Site`) must not name another site. The session cookie is `SameSite=Lax`, so a
    /// cross-site POST does not carry it anyway; this refuses it outright.
    fn same_origin(&self, headers: &HeaderMap) -> bool {
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok()) {
            let ours =
                url::Url::parse(&self.settings().base_url).map(|url| url.origin().ascii_serialization());
            return ours.is_ok_and(|ours| ours == origin);
        }
        match headers.get("sec-fetch-site").and_then(|value| value.to_str().ok()) {
            Some(site) => matches!(site, "same-origin" | "none"),
            None => true,
        }
    }
}

fn seconds(duration: Duration) -> tower_sessions::cookie::time::Duration {
    tower_sessions::cookie::time::Duration::seconds(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
}

fn storage_error(error: tower_sessions::session::Error) -> AuthError {
    AuthError(LogtoError::Storage(StorageError::new(error)))
}

/// A `302 Found` to `location` (the status the official SDKs use).
fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(axum::http::header::LOCATION, location)]).into_response()
}

async fn sign_in(State(auth): State<LogtoAuth>, session: Session, Query(query): Query<ReturnTo>) -> Response {
    match auth.start_sign_in(session, None, query.return_to.as_deref()).await {
        Ok(url) => found(&url),
        Err(error) => error.into_response(),
    }
}

async fn sign_up(State(auth): State<LogtoAuth>, session: Session, Query(query): Query<ReturnTo>) -> Response {
    match auth.start_sign_in(session, Some(FirstScreen::Register), query.return_to.as_deref()).await {
        Ok(url) => found(&url),
        Err(error) => error.into_response(),
    }
}

async fn callback(State(auth): State<LogtoAuth>, session: Session, uri: Uri) -> Response {
    match auth.finish_sign_in(session, &uri).await {
        Ok(target) => found(&target),
        Err(error) => error.into_response(),
    }
}

async fn sign_out(State(auth): State<LogtoAuth>, session: Session, headers: HeaderMap) -> Response {
    if !auth.same_origin(&headers) {
        tracing::info!("refused a cross-site sign-out request");
        return (StatusCode::FORBIDDEN, "cross-site sign-out refused").into_response();
    }
    match auth.sign_out(session).await {
        Ok(url) => found(&url),
        Err(error) => error.into_response(),
    }
}

/// The form Logto posts to the back-channel logout route.
#[derive(Debug, Deserialize)]
struct LogoutForm {
    logout_token: String,
}

async fn backchannel_logout(State(auth): State<LogtoAuth>, Form(form): Form<LogoutForm>) -> Response {
    match auth.client().handle_backchannel_logout(&form.logout_token).await {
        // Back-Channel Logout §2.8: 200, and no caching.
        Ok(_) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")]).into_response(),
        Err(error) => {
            let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            tracing::info!(%error, "refused a back-channel logout");
            (status, [(header::CACHE_CONTROL, "no-store")], error.to_string()).into_response()
        }
    }
}
