//! [`WebSession`]: one request's copy of a browser session, the client's [`Storage`] over it,
//! and [`SessionManager`], which opens it from the cookie and saves it back.
//!
//! A request changes its copy through a change log. A save is a compare-and-set on the record's
//! version; when another request saved first, the log is replayed on the newer record (a stale
//! copy never brings a consumed refresh token back, and never brings a signed-out session back).
//! A new or removed refresh token is saved at once: the identity server consumed the old one, so
//! the new one must outlive a handler that fails afterwards. A refresh's outcome comes in one
//! [`Storage::set_many`] (the rotation, the ID token, the access token), so a page that refreshes
//! loads its session once and saves it once.

use super::SessionId;
use super::record::{Change, PendingSignIn, SessionRecord, replay};
use super::settings::SessionConfig;
use super::store::{SaveOutcome, SessionStore};
use crate::error::StorageError;
use crate::storage::{PersistKey, Storage};
use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often a save is retried after conflicts before it gives up (each retry means another
/// request saved the same session in between).
const SAVE_ATTEMPTS: usize = 8;

/// A few milliseconds, different for each caller, growing with the attempt.
fn jitter(attempt: usize) -> u64 {
    let mut byte = [0u8; 1];
    let _ = aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), &mut byte);
    (attempt as u64) * 2 + u64::from(byte[0] % 8)
}

/// What to do with the session cookie after a request.
#[derive(Clone, PartialEq, Eq)]
pub enum CookieUpdate {
    /// Leave it as it is.
    Keep,
    /// Set it to this session id for this long.
    Set {
        /// The session id (the cookie's value).
        id: SessionId,
        /// The cookie's `Max-Age`.
        max_age: Duration,
    },
    /// Remove it.
    Clear,
}

impl fmt::Debug for CookieUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieUpdate::Keep => f.write_str("Keep"),
            CookieUpdate::Set { max_age, .. } => {
                f.debug_struct("Set").field("max_age", max_age).finish_non_exhaustive()
            }
            CookieUpdate::Clear => f.write_str("Clear"),
        }
    }
}

/// Opens browser sessions from their cookie and saves them back, in a [`SessionStore`].
///
/// ```
/// use logto::session::{CookieUpdate, MemorySessionStore, SessionConfig, SessionManager};
/// use std::sync::Arc;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let sessions = SessionManager::new(Arc::new(MemorySessionStore::new()), SessionConfig::default());
/// let session = sessions.open(None).await.unwrap();
/// session.set_app_value("theme", Some(serde_json::json!("dark"))).await;
/// let CookieUpdate::Set { id, .. } = sessions.finish(&session).await else { panic!() };
/// let again = sessions.open(Some(id.as_str())).await.unwrap();
/// assert_eq!(again.app_values().await["theme"], "dark");
/// # });
/// ```
#[derive(Clone)]
pub struct SessionManager {
    store: Arc<dyn SessionStore>,
    config: Arc<SessionConfig>,
}

impl fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager").field("store", &self.store).field("config", &self.config).finish()
    }
}

impl SessionManager {
    /// Sessions in `store` with the cookie and lifetimes of `config`.
    pub fn new(store: Arc<dyn SessionStore>, config: SessionConfig) -> Self {
        Self { store, config: Arc::new(config) }
    }

    /// The cookie and lifetimes.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.store
    }

    /// The session a request's cookie value names (`None`: the request had no cookie). An
    /// unknown, expired or malformed id opens a new, empty session (its cookie is removed when
    /// the request finishes); a record that cannot be read is logged and treated the same.
    pub async fn open(&self, cookie: Option<&str>) -> Result<WebSession, StorageError> {
        let mut state = State::default();
        if let Some(id) = cookie.and_then(SessionId::parse)
            && let Some(stored) = self.store.load(&id).await?
        {
            match SessionRecord::parse(&stored.data) {
                Some(record) => {
                    state.loaded_refresh = record.refresh_token().map(str::to_owned);
                    state.base = record.clone();
                    state.record = record;
                    state.id = Some(id);
                    state.version = Some(stored.version);
                }
                None => tracing::warn!("ignored a session record that is not readable"),
            }
        }
        Ok(WebSession {
            inner: Arc::new(Inner {
                store: self.store.clone(),
                config: self.config.clone(),
                had_cookie: cookie.is_some(),
                state: tokio::sync::Mutex::new(state),
            }),
        })
    }

    /// Saves what the request changed and says what to do with the cookie: set it (a new or
    /// renewed id, or a save that started the session's lifetime again), remove it (this request
    /// ended or emptied the session), or keep it. A save that fails is logged: the tokens were
    /// saved when they arrived, the request's other changes are lost, and an id renewed earlier
    /// in the request still gets its cookie (every face answers the same).
    pub async fn finish(&self, session: &WebSession) -> CookieUpdate {
        session.finish().await
    }

    /// The `Set-Cookie` header value of `update`, or `None` for [`CookieUpdate::Keep`].
    pub fn set_cookie_header(&self, update: &CookieUpdate) -> Option<String> {
        match update {
            CookieUpdate::Keep => None,
            CookieUpdate::Set { id, max_age } => Some(self.config.set_cookie(id.as_str(), *max_age)),
            CookieUpdate::Clear => Some(self.config.clear_cookie()),
        }
    }
}

/// One request's copy of a browser session. Cheap to clone (the clones share the copy). It is the
/// [`Storage`] a [`LogtoClient`](crate::LogtoClient) uses for this request
/// ([`AuthFlows::client_for`](super::AuthFlows::client_for)); the app's own values are
/// [`app_values`](Self::app_values) and [`set_app_value`](Self::set_app_value).
#[derive(Clone)]
pub struct WebSession {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn SessionStore>,
    config: Arc<SessionConfig>,
    had_cookie: bool,
    state: tokio::sync::Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The id the record is stored under (`None`: not stored yet).
    id: Option<SessionId>,
    /// The stored version this copy builds on.
    version: Option<u64>,
    /// The stored refresh token this copy builds on (the stale-copy rule compares it).
    loaded_refresh: Option<String>,
    /// The record as last loaded or saved (what a failed callback's tokens are rolled back to).
    base: SessionRecord,
    record: SessionRecord,
    /// What this request changed and has not saved yet.
    changes: Vec<Change>,
    /// The `state` of the callback this request handles (its sign-in is the sign-in session).
    callback_state: Option<String>,
    /// Where the sign-in started by this request returns to.
    return_to: Option<String>,
    /// Renew the id at the first token write (a callback's).
    renew_at_token_write: bool,
    /// Saved under a new id, or with a new lifetime, in this request: the cookie is set.
    cookie_set: bool,
    /// This request ended the session or emptied it: the cookie is removed. (A cookie naming
    /// no session is left alone: it may be a request that left before a renewal's cookie
    /// arrived, and clearing it would remove the renewed one.)
    cleared: bool,
    /// The session ended: the record is deleted, the cookie removed.
    ended: bool,
    /// A save failed in this request (the store is unreachable): the end of the request does not
    /// wait for it a second time.
    store_failed: bool,
}

impl fmt::Debug for WebSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the id (the session's bearer credential), nor any value.
        f.debug_struct("WebSession").finish_non_exhaustive()
    }
}

fn now_seconds() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl WebSession {
    /// Whether the session holds a signed-in user's tokens (no network: whether they are still
    /// good is [`LogtoClient::signed_in_claims`](crate::LogtoClient::signed_in_claims)'s answer).
    pub async fn holds_tokens(&self) -> bool {
        self.inner.state.lock().await.record.holds_tokens()
    }

    /// A copy of the record as this request sees it.
    pub async fn record(&self) -> SessionRecord {
        self.inner.state.lock().await.record.clone()
    }

    /// The app's own values.
    pub async fn app_values(&self) -> serde_json::Map<String, serde_json::Value> {
        self.inner.state.lock().await.record.app.clone()
    }

    /// Sets (`Some`) or removes (`None`) an app value; saved when the request finishes.
    pub async fn set_app_value(&self, key: &str, value: Option<serde_json::Value>) {
        let mut state = self.inner.state.lock().await;
        if state.record.app.get(key) != value.as_ref() {
            state.change(Change::App(key.to_owned(), value));
        }
    }

    /// Replaces the app's values with `values`, recording only what differs.
    pub async fn replace_app_values(&self, values: serde_json::Map<String, serde_json::Value>) {
        let mut state = self.inner.state.lock().await;
        let removed: Vec<String> =
            state.record.app.keys().filter(|key| !values.contains_key(*key)).cloned().collect();
        for key in removed {
            state.change(Change::App(key, None));
        }
        for (key, value) in values {
            if state.record.app.get(&key) != Some(&value) {
                state.change(Change::App(key, Some(value)));
            }
        }
    }

    /// Binds the session to the callback of the sign-in `state` and arms the id renewal at its
    /// first token write; returns the sign-in's `return_to`, if it is known.
    pub(crate) async fn begin_callback(&self, callback_state: Option<&str>) -> Option<String> {
        let mut state = self.inner.state.lock().await;
        state.callback_state = callback_state.map(str::to_owned);
        state.renew_at_token_write = true;
        let lifetime = self.inner.config.sign_in_timeout.as_secs() as i64;
        let entry = callback_state.and_then(|key| state.record.pending_sign_in(key, now_seconds(), lifetime));
        entry.and_then(|entry| entry.return_to.clone())
    }

    /// Ends the callback's binding; returns whether the id was renewed.
    pub(crate) async fn end_callback(&self) -> bool {
        let mut state = self.inner.state.lock().await;
        state.callback_state = None;
        !std::mem::replace(&mut state.renew_at_token_write, false)
    }

    /// Where the sign-in this request starts returns to.
    pub(crate) async fn set_return_to(&self, return_to: Option<String>) {
        self.inner.state.lock().await.return_to = return_to;
    }

    /// Moves the session to a new id now (the old record is deleted).
    pub(crate) async fn renew(&self) -> Result<(), StorageError> {
        let mut state = self.inner.state.lock().await;
        state.renew_at_token_write = true;
        state.flush(&self.inner, true).await
    }

    /// Ends the session: the record is deleted now, the cookie removed when the request finishes.
    pub async fn end(&self) -> Result<(), StorageError> {
        let mut state = self.inner.state.lock().await;
        state.ended = true;
        state.cleared = true;
        state.changes.clear();
        state.record = SessionRecord::default();
        match state.id.take() {
            Some(id) => self.inner.store.delete(&id).await,
            None => Ok(()),
        }
    }

    /// Saves the request's changes now (the end of the request saves again if anything changes
    /// after this).
    pub async fn save(&self) -> Result<(), StorageError> {
        self.inner.state.lock().await.flush(&self.inner, false).await
    }

    async fn finish(&self) -> CookieUpdate {
        let mut state = self.inner.state.lock().await;
        if !state.ended
            && !state.store_failed
            && let Err(error) = state.flush(&self.inner, false).await
        {
            // The answer is decided: what the request changed besides the tokens (saved when
            // they arrived) is lost, and an id saved earlier in the request still gets its cookie.
            tracing::warn!(%error, "could not save the session at the end of the request");
        }
        match &state.id {
            Some(id) if state.cookie_set => {
                CookieUpdate::Set { id: id.clone(), max_age: state.ttl(&self.inner.config) }
            }
            None if state.cleared && self.inner.had_cookie => CookieUpdate::Clear,
            _ => CookieUpdate::Keep,
        }
    }

    /// Rolls the tokens back to the stored ones and drops the request's token changes (a
    /// callback that failed after writing some: none of its tokens may stay).
    pub(crate) async fn discard_token_changes(&self) {
        let mut state = self.inner.state.lock().await;
        state.changes.retain(|change| !change.is_token());
        state.record.tokens = state.base.tokens.clone();
    }
}

impl State {
    fn change(&mut self, change: Change) {
        change.apply(&mut self.record);
        self.changes.push(change);
    }

    /// A record with app values or tokens lives the session's lifetime; one with only sign-ins
    /// in progress, the sign-in timeout.
    fn ttl(&self, config: &SessionConfig) -> Duration {
        if self.record.tokens.is_empty() && self.record.app.is_empty() {
            config.sign_in_timeout
        } else {
            config.inactivity_timeout
        }
    }

    /// Records `value` under `key` in the copy; whether it must be saved at once (a new refresh
    /// token: the identity server consumed the old one).
    fn set(&mut self, key: PersistKey, value: String) -> Result<bool, StorageError> {
        if key == PersistKey::SignInSession {
            // Filed under its own `state`: each tab's sign-in is kept apart.
            let sign_in_state =
                state_of(&value).ok_or_else(|| StorageError::new("a sign-in session without state"))?;
            let return_to = self.return_to.take();
            let entry = PendingSignIn { sign_in_session: value, return_to, started_at: now_seconds() };
            self.change(Change::Pending(sign_in_state, Some(entry)));
            return Ok(false);
        }
        if self.record.tokens.get(key.as_str()) == Some(&value) {
            // Already in the copy. A refresh token whose save failed (the identity server
            // consumed the one stored) is not "nothing to do": the request must not go on as if
            // it were saved. It fails at once instead of waiting for the store a second time; the
            // rotation's publication carries the next request over to the new token.
            if key == PersistKey::RefreshToken && self.base.tokens.get(key.as_str()) != Some(&value) {
                return Err(StorageError::new(
                    "the session store is unreachable: a rotated refresh token is not saved",
                ));
            }
            return Ok(false);
        }
        self.change(Change::Token(key, Some(value)));
        Ok(key == PersistKey::RefreshToken)
    }

    /// Saves the pending changes (see [`flush_once`](Self::flush_once)); a failure is remembered
    /// for the rest of the request.
    async fn flush(&mut self, inner: &Inner, force_renew: bool) -> Result<(), StorageError> {
        let result = self.flush_once(inner, force_renew).await;
        self.store_failed |= result.is_err();
        result
    }

    /// Saves the pending changes (see the module's documentation). `force_renew`: move to a new
    /// id even without a token change.
    async fn flush_once(&mut self, inner: &Inner, force_renew: bool) -> Result<(), StorageError> {
        let renew = self.renew_at_token_write && (force_renew || self.changes.iter().any(Change::is_token));
        if self.ended || (self.changes.is_empty() && !renew) {
            return Ok(());
        }
        self.record.prune_pending(now_seconds(), inner.config.sign_in_timeout.as_secs() as i64);
        if renew {
            // A new id for the signed-in session (no session fixation): whoever knew the id
            // before the sign-in never finds a token under it. What another request saved under
            // the old id meanwhile (another tab's sign-in) comes along.
            if let Some(old) = self.id.clone()
                && !self.catch_up(inner, &old).await?
            {
                return Ok(());
            }
            self.renew_at_token_write = false;
            let old = self.id.clone();
            self.save_new(inner).await?;
            if let Some(old) = old {
                inner.store.delete(&old).await?;
            }
            return Ok(());
        }
        let Some(id) = self.id.clone() else {
            if self.record.is_empty() {
                self.changes.clear();
                return Ok(());
            }
            return self.save_new(inner).await;
        };
        for attempt in 0..SAVE_ATTEMPTS {
            let ttl = self.ttl(&inner.config);
            match inner.store.save(&id, self.version, &self.record.to_bytes(), ttl).await? {
                SaveOutcome::Saved(version) => {
                    self.saved(version);
                    if self.record.is_empty() {
                        // Nothing left (signed out, the last sign-in ended), and no other request
                        // added anything meanwhile (the save would have conflicted): no record,
                        // no cookie.
                        inner.store.delete(&id).await?;
                        self.id = None;
                        self.version = None;
                        self.cookie_set = false;
                        self.cleared = true;
                    }
                    return Ok(());
                }
                SaveOutcome::Conflict => {}
            }
            // Another request saved (or ended) the session since this copy was loaded.
            if !self.catch_up(inner, &id).await? {
                return Ok(());
            }
            if attempt > 0 {
                // Many writers at once: spread their retries.
                tokio::time::sleep(std::time::Duration::from_millis(jitter(attempt))).await;
            }
        }
        Err(StorageError::new("the session kept changing while it was saved"))
    }

    /// Replays the request's changes on the record stored under `id` now. Returns `false` when
    /// the session ended in another request meanwhile (then nothing of this copy is saved).
    async fn catch_up(&mut self, inner: &Inner, id: &SessionId) -> Result<bool, StorageError> {
        let Some(stored) = inner.store.load(id).await? else {
            tracing::debug!("the session ended in another request: a stale copy is not saved");
            self.changes.clear();
            self.record = SessionRecord::default();
            self.base = SessionRecord::default();
            self.id = None;
            self.version = None;
            self.cookie_set = false;
            return Ok(false);
        };
        if Some(stored.version) == self.version {
            return Ok(true);
        }
        let mut fresh = SessionRecord::parse(&stored.data).unwrap_or_default();
        self.base = fresh.clone();
        let base_refresh = fresh.refresh_token().map(str::to_owned);
        replay(&mut fresh, &self.changes, self.loaded_refresh.as_deref());
        fresh.prune_pending(now_seconds(), inner.config.sign_in_timeout.as_secs() as i64);
        self.record = fresh;
        self.loaded_refresh = base_refresh;
        self.version = Some(stored.version);
        Ok(true)
    }

    async fn save_new(&mut self, inner: &Inner) -> Result<(), StorageError> {
        let ttl = self.ttl(&inner.config);
        for _ in 0..SAVE_ATTEMPTS {
            let id = SessionId::generate();
            if let SaveOutcome::Saved(version) =
                inner.store.save(&id, None, &self.record.to_bytes(), ttl).await?
            {
                self.id = Some(id);
                self.saved(version);
                return Ok(());
            }
        }
        Err(StorageError::new("no new session id could be stored"))
    }

    fn saved(&mut self, version: u64) {
        self.version = Some(version);
        self.changes.clear();
        self.base = self.record.clone();
        self.loaded_refresh = self.record.refresh_token().map(str::to_owned);
        self.cookie_set = true;
    }
}

/// The `state` of a core sign-in session value.
fn state_of(sign_in_session: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(sign_in_session).ok()?;
    value.get("state")?.as_str().map(str::to_owned)
}

#[async_trait]
impl Storage for WebSession {
    async fn get(&self, key: PersistKey) -> Result<Option<String>, StorageError> {
        let state = self.inner.state.lock().await;
        if key == PersistKey::SignInSession {
            let lifetime = self.inner.config.sign_in_timeout.as_secs() as i64;
            let entry = state
                .callback_state
                .as_deref()
                .and_then(|callback| state.record.pending_sign_in(callback, now_seconds(), lifetime));
            return Ok(entry.map(|entry| entry.sign_in_session.clone()));
        }
        Ok(state.record.tokens.get(key.as_str()).cloned())
    }

    async fn set(&self, key: PersistKey, value: String) -> Result<(), StorageError> {
        self.set_many(vec![(key, value)]).await
    }

    /// One save for all of them when a refresh token is among them (a refresh's outcome: the
    /// rotation is durable at once, with the tokens it came with); else they are saved at the
    /// end of the request.
    async fn set_many(&self, entries: Vec<(PersistKey, String)>) -> Result<(), StorageError> {
        let mut state = self.inner.state.lock().await;
        let mut save_now = false;
        for (key, value) in entries {
            save_now |= state.set(key, value)?;
        }
        if save_now {
            state.flush(&self.inner, false).await?;
        }
        Ok(())
    }

    async fn delete(&self, key: PersistKey) -> Result<(), StorageError> {
        let mut state = self.inner.state.lock().await;
        if key == PersistKey::SignInSession {
            if let Some(callback) = state.callback_state.clone()
                && state.record.pending.contains_key(&callback)
            {
                state.change(Change::Pending(callback, None));
            }
            return Ok(());
        }
        if !state.record.tokens.contains_key(key.as_str()) {
            return Ok(());
        }
        state.change(Change::Token(key, None));
        if key == PersistKey::RefreshToken {
            state.flush(&self.inner, false).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::MemorySessionStore;

    fn sessions() -> (SessionManager, Arc<MemorySessionStore>) {
        let store = Arc::new(MemorySessionStore::new());
        (SessionManager::new(store.clone(), SessionConfig::default()), store)
    }

    fn sign_in_session(state: &str) -> String {
        serde_json::json!({ "redirectUri": "https://app/callback", "codeVerifier": "v", "state": state })
            .to_string()
    }

    async fn stored(store: &MemorySessionStore, id: &SessionId) -> Option<SessionRecord> {
        store.load(id).await.unwrap().and_then(|stored| SessionRecord::parse(&stored.data))
    }

    async fn new_session(sessions: &SessionManager) -> SessionId {
        let session = sessions.open(None).await.unwrap();
        session.set(PersistKey::SignInSession, sign_in_session("tab-1")).await.unwrap();
        match sessions.finish(&session).await {
            CookieUpdate::Set { id, .. } => id,
            other => panic!("a new session sets its cookie: {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_renewal_at_sign_in_keeps_what_another_request_saved_meanwhile() {
        let (sessions, store) = sessions();
        let id = new_session(&sessions).await;
        let callback = sessions.open(Some(id.as_str())).await.unwrap();
        // Another tab starts a sign-in while the first tab's callback is in flight.
        let other_tab = sessions.open(Some(id.as_str())).await.unwrap();
        other_tab.set(PersistKey::SignInSession, sign_in_session("tab-2")).await.unwrap();
        sessions.finish(&other_tab).await;

        callback.begin_callback(Some("tab-1")).await;
        callback.delete(PersistKey::SignInSession).await.unwrap();
        callback.set(PersistKey::IdToken, "id".into()).await.unwrap();
        callback.set(PersistKey::RefreshToken, "r1".into()).await.unwrap();
        assert!(callback.end_callback().await, "renewed at the first token flush");
        let CookieUpdate::Set { id: renewed, .. } = sessions.finish(&callback).await else {
            panic!("the renewed id gets its cookie")
        };
        assert_ne!(renewed, id);
        assert!(stored(&store, &id).await.is_none(), "nothing stays under the pre-sign-in id");
        let record = stored(&store, &renewed).await.unwrap();
        assert_eq!(record.refresh_token(), Some("r1"));
        assert!(record.pending.contains_key("tab-2") && !record.pending.contains_key("tab-1"));
    }

    #[tokio::test]
    async fn emptying_a_copy_keeps_what_another_request_added() {
        let (sessions, store) = sessions();
        let id = new_session(&sessions).await;
        let emptying = sessions.open(Some(id.as_str())).await.unwrap();
        let other = sessions.open(Some(id.as_str())).await.unwrap();
        other.set_app_value("cart", Some(1.into())).await;
        sessions.finish(&other).await;
        // The first request ends its sign-in: its copy is empty, the stored record is not.
        emptying.begin_callback(Some("tab-1")).await;
        emptying.delete(PersistKey::SignInSession).await.unwrap();
        emptying.end_callback().await;
        assert_eq!(
            sessions.finish(&emptying).await,
            CookieUpdate::Set { id: id.clone(), max_age: SessionConfig::default().inactivity_timeout }
        );
        let record = stored(&store, &id).await.unwrap();
        assert_eq!(record.app["cart"], 1);
        assert!(record.pending.is_empty());
    }

    #[tokio::test]
    async fn a_cookie_naming_no_session_is_left_alone_and_an_ended_one_is_removed() {
        let (sessions, _) = sessions();
        let unknown = SessionId::generate();
        let session = sessions.open(Some(unknown.as_str())).await.unwrap();
        assert_eq!(sessions.finish(&session).await, CookieUpdate::Keep);
        let id = new_session(&sessions).await;
        let ending = sessions.open(Some(id.as_str())).await.unwrap();
        ending.end().await.unwrap();
        assert_eq!(sessions.finish(&ending).await, CookieUpdate::Clear);
    }

    /// A memory store whose saves fail while `down` is set.
    #[derive(Debug, Default)]
    struct Flaky {
        inner: MemorySessionStore,
        down: std::sync::atomic::AtomicBool,
    }

    #[async_trait]
    impl SessionStore for Flaky {
        async fn load(&self, id: &SessionId) -> Result<Option<super::super::StoredSession>, StorageError> {
            self.inner.load(id).await
        }
        async fn save(
            &self,
            id: &SessionId,
            expected: Option<u64>,
            data: &[u8],
            ttl: Duration,
        ) -> Result<SaveOutcome, StorageError> {
            if self.down.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(StorageError::new("down"));
            }
            self.inner.save(id, expected, data, ttl).await
        }
        async fn delete(&self, id: &SessionId) -> Result<(), StorageError> {
            self.inner.delete(id).await
        }
    }

    #[tokio::test]
    async fn a_rotation_whose_save_failed_fails_when_it_is_written_again() {
        // The refresh task's save fails; the caller writes the same refresh token again (its copy
        // already holds it): that must not pass as "nothing changed", or the request would
        // answer as if the rotation were stored.
        let store = Arc::new(Flaky::default());
        let sessions = SessionManager::new(store.clone(), SessionConfig::default());
        let id = new_session(&sessions).await;
        let session = sessions.open(Some(id.as_str())).await.unwrap();
        store.down.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(session.set(PersistKey::RefreshToken, "r2".into()).await.is_err());
        store.down.store(false, std::sync::atomic::Ordering::SeqCst);
        assert!(session.set(PersistKey::RefreshToken, "r2".into()).await.is_err());
        // Other writes of the copy are not refused.
        session.set(PersistKey::IdToken, "id".into()).await.unwrap();
    }

    #[tokio::test]
    async fn a_failed_callback_leaves_no_token_behind() {
        let (sessions, store) = sessions();
        let id = new_session(&sessions).await;
        let callback = sessions.open(Some(id.as_str())).await.unwrap();
        callback.begin_callback(Some("tab-1")).await;
        callback.set(PersistKey::IdToken, "half-written".into()).await.unwrap();
        callback.end_callback().await;
        callback.discard_token_changes().await;
        sessions.finish(&callback).await;
        assert!(!stored(&store, &id).await.unwrap().holds_tokens());
    }
}
