//! The web session engine: every rule about a browser session, decided once for every face
//! (`logto-axum`, the Python package's Flask, Django and FastAPI integrations).
//!
//! - [`SessionRecord`]: what a session holds, as one type: the signed-in user's tokens, the
//!   sign-ins in progress by `state` (several tabs sign in at once), the app's own values.
//! - [`SessionStore`]: where records live, saved by compare-and-set on a version
//!   ([`MemorySessionStore`] for development; `logto-redis` for production), so no save ever
//!   overwrites another request's blindly and no clock matters.
//! - [`SessionManager`] and [`WebSession`]: a request opens its copy from the cookie, the client
//!   uses it as its [`Storage`](crate::Storage), and the end of the request saves it and says what
//!   to do with the cookie ([`CookieUpdate`]). A rotated refresh token is saved at once; a stale
//!   copy never brings a consumed refresh token back, nor a signed-out session.
//! - [`AuthFlows`]: the sign-in, callback, sign-out and back-channel logout routes, and the
//!   redirect of a page that needs a user: each is an [`Answer`] (status, headers, body) that a
//!   face sends as it is.
//!
//! | request | answer, in every face |
//! |---|---|
//! | `GET sign-in?return_to=/x` | `302` to Logto; a sign-in filed under its `state` (at most 5, 10 minutes each); `return_to` kept only when a local path |
//! | `GET callback?code&state` | `302` to the sign-in's `return_to` or the post sign-in page; the session id renewed at the first token write |
//! | callback with a forged or unknown `state` | `400` page, the session untouched; while signed in (a reload, a doubled request): `302` on |
//! | `POST sign-out` from this site | `302` to Logto's end-session page; refresh token revoked, record deleted, cookie removed |
//! | `POST sign-out` from another site | `403` page |
//! | `GET sign-out` | `405` page, unless `sign_out_on_get` |
//! | `POST backchannel-logout` | `200 {}`, `400`/`503` JSON, `404` when not honoured; never cached |
//! | a page that needs a user | `302` to sign-in with `return_to`; a JSON endpoint: `401 {"error": "Not authenticated"}` |
//! | a failure of Logto or the store | the error's status (`502`/`504`/`503`), a generic page |
//!
//! The repository runs the rows of `testing/behaviour/table.json` through every face.

mod answer;
mod flows;
mod id;
mod record;
mod rules;
mod settings;
mod store;
mod web_session;

pub use answer::{Answer, escape_html, public_message, title_of};
pub use flows::AuthFlows;
pub use id::SessionId;
pub use record::{MAX_PENDING_SIGN_INS, PendingSignIn, SessionRecord};
pub use rules::{RequestOrigin, is_local_path, same_origin};
pub use settings::{AuthSettings, DEFAULT_COOKIE_NAME, SIGN_IN_SESSION_TIMEOUT, SessionConfig};
pub use store::{MemorySessionStore, SaveOutcome, SessionStore, StoredSession};
pub use web_session::{CookieUpdate, SessionManager, WebSession};
