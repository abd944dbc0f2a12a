//! [`LogtoAuth`]: the engine's [`AuthFlows`] (the app's shared Logto client and its
//! [`AuthSettings`]) as axum routes. Every answer is the engine's.

use crate::error::answer_response;
use crate::user::CurrentSession;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use axum::routing::{any, get, post};
use logto::session::{AuthFlows, AuthSettings, RequestOrigin, WebSession};
use logto::{FirstScreen, LogtoClient};
use serde::Deserialize;

pub use logto::session::SIGN_IN_SESSION_TIMEOUT;

/// The Logto integration of one app: the shared [`LogtoClient`] (HTTP pool, discovery, keys) and
/// the route settings, over the engine's [`AuthFlows`]. Cheap to clone.
///
/// Mount [`LogtoAuth::routes`], add [`LogtoAuth::layer`] so the extractors find it, and a session
/// layer ([`SessionConfig::layer`](crate::SessionConfig::layer)) outside both.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use logto::{LogtoClient, LogtoConfig};
/// use logto_axum::{AuthSettings, LogtoAuth, MemorySessionStore, SessionConfig, SignedInUser, RedirectToSignIn};
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
///     .layer(SessionConfig::default().secure(false).layer(MemorySessionStore::new()));
/// # drop(app); Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct LogtoAuth {
    flows: AuthFlows,
}

/// The `return_to` query parameter of the sign-in and sign-up routes.
#[derive(Debug, Deserialize)]
struct ReturnTo {
    return_to: Option<String>,
}

impl LogtoAuth {
    /// Checks the settings and keeps the shared client.
    pub fn new(client: LogtoClient, settings: AuthSettings) -> logto::Result<Self> {
        Ok(Self { flows: AuthFlows::new(client, settings)? })
    }

    /// The shared client (its own storage is not any user's; use [`LogtoAuth::client_for`]).
    pub fn client(&self) -> &LogtoClient {
        self.flows.client()
    }

    /// The route settings.
    pub fn settings(&self) -> &AuthSettings {
        self.flows.settings()
    }

    /// The engine's flows.
    pub fn flows(&self) -> &AuthFlows {
        &self.flows
    }

    /// The client of one browser session: the shared core bound to the session.
    pub fn client_for(&self, session: &WebSession) -> LogtoClient {
        self.flows.client_for(session)
    }

    /// The layer that makes this integration available to the extractors
    /// ([`SignedInUser`](crate::SignedInUser), [`SessionClient`](crate::SessionClient)).
    pub fn layer(&self) -> axum::Extension<LogtoAuth> {
        axum::Extension(self.clone())
    }

    /// The sign-in, sign-up, callback, sign-out and back-channel logout routes (the last answers
    /// 404 unless the client honours back-channel logouts:
    /// [`LogtoClientBuilder::backchannel_logout`](logto::LogtoClientBuilder::backchannel_logout)).
    /// Sign-out answers POST from this site's own pages (and GET with
    /// [`AuthSettings::sign_out_on_get`]); the engine answers a GET with 405 otherwise.
    pub fn routes<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let settings = self.settings();
        Router::new()
            .route(&settings.sign_in_path, get(sign_in))
            .route(&settings.sign_up_path, get(sign_up))
            .route(&settings.callback_path, get(callback))
            .route(&settings.sign_out_path, any(sign_out))
            // The engine answers 404 when the client does not honour back-channel logouts.
            .route(&settings.backchannel_logout_path, post(backchannel_logout))
            .with_state(self.clone())
    }
}

async fn sign_in(
    State(auth): State<LogtoAuth>,
    session: CurrentSession,
    Query(query): Query<ReturnTo>,
) -> Response {
    answer_response(auth.flows.sign_in(&session.0, query.return_to.as_deref(), None).await)
}

async fn sign_up(
    State(auth): State<LogtoAuth>,
    session: CurrentSession,
    Query(query): Query<ReturnTo>,
) -> Response {
    let screen = Some(FirstScreen::Register);
    answer_response(auth.flows.sign_in(&session.0, query.return_to.as_deref(), screen).await)
}

async fn callback(State(auth): State<LogtoAuth>, session: CurrentSession, uri: Uri) -> Response {
    answer_response(auth.flows.callback(&session.0, uri.query().unwrap_or_default()).await)
}

async fn sign_out(
    State(auth): State<LogtoAuth>,
    method: Method,
    headers: HeaderMap,
    session: CurrentSession,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let origin =
        RequestOrigin { origin: header(header::ORIGIN.as_str()), sec_fetch_site: header("sec-fetch-site") };
    answer_response(auth.flows.sign_out(&session.0, method.as_str(), &origin).await)
}

/// The form Logto posts to the back-channel logout route.
#[derive(Debug, Deserialize)]
struct LogoutForm {
    logout_token: Option<String>,
}

async fn backchannel_logout(
    State(auth): State<LogtoAuth>,
    form: Result<Form<LogoutForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    // A body that is no form is answered as a missing token, by the engine.
    let token = form.as_ref().ok().and_then(|Form(form)| form.logout_token.as_deref());
    answer_response(auth.flows.backchannel_logout(token).await)
}
