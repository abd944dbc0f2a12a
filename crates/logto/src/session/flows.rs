//! [`AuthFlows`]: the sign-in, sign-up, callback, sign-out and back-channel logout routes of a web
//! app, decided once for every face: a face passes the request's facts and sends the [`Answer`].

use super::answer::Answer;
use super::rules::{RequestOrigin, is_local_path, same_origin};
use super::settings::AuthSettings;
use super::web_session::WebSession;
use crate::LogtoClient;
use crate::client::{FirstScreen, SignInOptions};
use crate::error::{CallbackError, LogtoError};
use crate::models::IdTokenClaims;
use crate::oidc::{Callback, CallbackParams};
use std::sync::Arc;

/// The auth routes of one app: the shared [`LogtoClient`] and the [`AuthSettings`].
///
/// ```no_run
/// use logto::session::{AuthFlows, AuthSettings, MemorySessionStore, SessionConfig, SessionManager};
/// use logto::{LogtoClient, LogtoConfig};
/// use std::sync::Arc;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = LogtoClient::builder(LogtoConfig::new("https://tenant.logto.app", "app").with_app_secret("s")).build()?;
/// let flows = AuthFlows::new(client, AuthSettings::new("https://app.example"))?;
/// let sessions = SessionManager::new(Arc::new(MemorySessionStore::new()), SessionConfig::default());
///
/// // GET /sign-in?return_to=/orders
/// let session = sessions.open(None).await?;
/// let answer = flows.sign_in(&session, Some("/orders"), None).await;
/// assert_eq!(answer.status, 302);
/// let cookie = sessions.set_cookie_header(&sessions.finish(&session).await);
/// # let _ = cookie; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AuthFlows {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: LogtoClient,
    settings: AuthSettings,
}

impl AuthFlows {
    /// Checks the settings and keeps the shared client.
    pub fn new(client: LogtoClient, settings: AuthSettings) -> crate::Result<Self> {
        settings.validate()?;
        Ok(Self { inner: Arc::new(Inner { client, settings }) })
    }

    /// The shared client (its own storage is nobody's: use [`client_for`](Self::client_for)).
    pub fn client(&self) -> &LogtoClient {
        &self.inner.client
    }

    /// The settings.
    pub fn settings(&self) -> &AuthSettings {
        &self.inner.settings
    }

    /// The client of one request's session: tokens, user info, organization tokens. A sign-in's
    /// callback goes through [`callback`](Self::callback), which binds the session to the
    /// sign-in's `state` and renews the id; the client's own `handle_callback` on a web session
    /// finds no sign-in ([`CallbackError::SessionMissing`]).
    pub fn client_for(&self, session: &WebSession) -> LogtoClient {
        self.inner.client.with_storage(Arc::new(session.clone()))
    }

    /// The signed-in user's ID-token claims, or `None`: the client's decision (an expired ID
    /// token renewed, a session Logto ended or whose grant is gone signed out).
    pub async fn signed_in_claims(&self, session: &WebSession) -> crate::Result<Option<IdTokenClaims>> {
        if !session.holds_tokens().await {
            return Ok(None);
        }
        self.client_for(session).signed_in_claims().await
    }

    /// `GET sign-in` (or sign-up, with [`FirstScreen::Register`]): starts a sign-in and
    /// redirects to Logto. `return_to`, when a local path ([`is_local_path`]), is where the
    /// callback sends the browser afterwards; anything else is ignored.
    pub async fn sign_in(
        &self,
        session: &WebSession,
        return_to: Option<&str>,
        first_screen: Option<FirstScreen>,
    ) -> Answer {
        let mut options = SignInOptions::new(self.settings().redirect_uri());
        if let Some(screen) = first_screen {
            options = options.first_screen(screen);
        }
        session.set_return_to(return_to.filter(|target| is_local_path(target)).map(str::to_owned)).await;
        match self.client_for(session).sign_in(options).await {
            Ok(url) => Answer::redirect(url),
            Err(error) => Answer::error_page(&error),
        }
    }

    /// `GET callback` with its query string: completes the sign-in of the `state` it names (each
    /// tab's sign-in is kept apart) and redirects to its `return_to` or the post sign-in page.
    /// The session id is renewed at the first token write, once the callback has passed every
    /// check; a failed callback leaves the session as it was (its sign-in ended). A callback
    /// whose sign-in is gone while a user is signed in (a reload, a doubled request) goes on to
    /// the page.
    pub async fn callback(&self, session: &WebSession, query: &str) -> Answer {
        let params = match CallbackParams::from_query(query) {
            Ok(params) => params,
            Err(error) => return Answer::error_page(&LogtoError::from(error)),
        };
        let return_to = session.begin_callback(params.state.as_deref()).await;
        let target = return_to
            .filter(|target| is_local_path(target))
            .unwrap_or_else(|| self.settings().post_sign_in_redirect.clone());
        // The router reached the callback route, so where the callback arrived is decided; behind
        // a path-rewriting proxy the request path may differ from the redirect URI's, so only the
        // parameters go to the core.
        let result = self.client_for(session).handle_callback(Callback::from(params)).await;
        let renewed = session.end_callback().await;
        match result {
            Ok(()) => {
                if !renewed && let Err(error) = session.renew().await {
                    return Answer::error_page(&LogtoError::Storage(error));
                }
                Answer::redirect(target)
            }
            Err(LogtoError::Callback(CallbackError::SessionMissing)) if session.holds_tokens().await => {
                Answer::redirect(target)
            }
            Err(error) => {
                // None of a failed callback's tokens stay (a store that failed half-way).
                session.discard_token_changes().await;
                Answer::error_page(&error)
            }
        }
    }

    /// `POST sign-out` (and `GET` with [`AuthSettings::sign_out_on_get`]): from this site only
    /// (`403` for a cross-site request, `405` for any other method); clears the tokens, revokes
    /// the refresh token, ends the session and redirects to Logto's end-session page.
    pub async fn sign_out(&self, session: &WebSession, method: &str, origin: &RequestOrigin<'_>) -> Answer {
        let on_get = self.settings().sign_out_on_get;
        if !(method == "POST" || (method == "GET" && on_get)) {
            let allow = if on_get { "GET, POST" } else { "POST" };
            return Answer::page(
                405,
                "Sign out with the button",
                "This address answers a form button, not a link.",
            )
            .with_header("allow", allow);
        }
        if !same_origin(&self.settings().base_url, origin) {
            tracing::info!("refused a cross-site sign-out request");
            return Answer::page(403, "Access was denied", "A sign-out from another site was refused.");
        }
        let post_sign_out = self.settings().absolute(&self.settings().post_sign_out_redirect);
        let result = self.client_for(session).sign_out(Some(&post_sign_out)).await;
        if let Err(error) = session.end().await {
            return Answer::error_page(&LogtoError::Storage(error));
        }
        match result {
            Ok(url) => Answer::redirect(url),
            Err(error) => Answer::error_page(&error),
        }
    }

    /// `POST backchannel-logout` with the form's `logout_token`: `200 {}` when the token was
    /// verified and recorded, `400` for a refused or missing token, `503` when the keys or the
    /// coordination store could not be reached (the sender may retry: a retry is no replay),
    /// `404` when the client does not honour back-channel logouts. Never cached.
    pub async fn backchannel_logout(&self, logout_token: Option<&str>) -> Answer {
        let answer = if !self.client().honours_backchannel_logout() {
            Answer::json(
                404,
                &serde_json::json!({ "error": "not_found", "error_description": "back-channel logout is not enabled" }),
            )
        } else {
            match logout_token.filter(|token| !token.is_empty()) {
                None => Answer::json(
                    400,
                    &serde_json::json!({ "error": "invalid_request", "error_description": "the logout_token form field is missing" }),
                ),
                Some(token) => match self.client().handle_backchannel_logout(token).await {
                    Ok(_) => Answer::json(200, &serde_json::json!({})),
                    Err(error) => Answer::error_json(&error),
                },
            }
        };
        answer.with_header("cache-control", "no-store")
    }

    /// The answer to a page that needs a signed-in user when nobody is: a redirect to the sign-in
    /// route that comes back to `return_to` (the requested path and query).
    ///
    /// ```
    /// # let client = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "a")).build().unwrap();
    /// let flows = logto::session::AuthFlows::new(client, logto::session::AuthSettings::new("http://localhost:3000")).unwrap();
    /// let answer = flows.redirect_to_sign_in("/protected?x=1");
    /// assert_eq!(answer.header("location"), Some("http://localhost:3000/sign-in?return_to=%2Fprotected%3Fx%3D1"));
    /// ```
    pub fn redirect_to_sign_in(&self, return_to: &str) -> Answer {
        let settings = self.settings();
        let mut location = url::Url::parse(&settings.absolute(&settings.sign_in_path))
            .unwrap_or_else(|_| url::Url::parse("http://invalid/").expect("static URL"));
        if is_local_path(return_to) {
            location.query_pairs_mut().append_pair("return_to", return_to);
        }
        Answer::redirect(location.as_str())
    }
}
