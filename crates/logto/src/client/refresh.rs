//! The refresh flow, coordinated across every client that shares a
//! [`Coordinator`](crate::coordination::Coordinator): take the refresh token's lease or follow
//! the outcome its holder published; the holder makes the one token request and publishes the
//! outcome before anything else. See [`coordination`](crate::coordination) for why.

use super::LogtoClient;
use super::stored::{AccessTokenMap, CachedAccessToken, to_json};
use crate::coordination::LeaseToken;
use crate::coordination::publication::{Binding, Keys, Opened, Publication, now_ms, open, seal};
use crate::error::{LogtoError, OrganizationError, Result, ServerError, TokenError};
use crate::models::IdTokenClaims;
use crate::oidc::{OidcCore, now_seconds};
use crate::secret::{AccessToken, IdToken, RefreshToken};
use crate::storage::PersistKey;
use crate::target::TokenTarget;
use std::time::{Duration, Instant};

/// How many rotations one request follows before giving up (a chain longer than this means
/// something loops).
const MAX_HOPS: usize = 8;

/// A publication older than this when followed means a stale copy of a session presented an
/// already-rotated refresh token (worth a warning), not a concurrent request (normal).
const STALE_AFTER: Duration = Duration::from_secs(2);

/// What a request does with a refresh token.
enum Turn {
    /// It holds the lease (taken no earlier than the instant): it makes the token request.
    Lead(LeaseToken, Instant),
    /// Another request made it: take its outcome.
    Follow(Opened),
}

impl LogtoClient {
    /// An access token for `target` from a refresh: led by this request or taken from the one
    /// that led it.
    pub(super) async fn refresh_access_token(&self, target: &TokenTarget) -> Result<AccessToken> {
        let mut refresh_token = RefreshToken::new(
            self.storage.get(PersistKey::RefreshToken).await?.ok_or(LogtoError::NotAuthenticated)?,
        );
        let core = self.oidc_core().await?;
        let deadline = crate::coordination::later(Instant::now(), self.shared.refresh_policy.lease_wait);
        // A session ended by a back-channel logout must not live on through a refresh (the
        // renewed ID token would look like a later sign-in).
        self.end_if_backchannel_logged_out().await?;
        for _ in 0..MAX_HOPS {
            let (publication, at_ms, led, stored) = match self.turn(&refresh_token, target, deadline).await? {
                Turn::Follow(Opened { publication, at_ms }) => (publication, at_ms, false, Kept::Nothing),
                Turn::Lead(lease, asked) => {
                    let (publication, stored) =
                        self.lead(&core, &refresh_token, target, lease, asked).await?;
                    (publication, now_ms(), true, stored)
                }
            };
            match publication {
                Publication::Rotated { refresh_token: newest, id_token, access_token } => {
                    let age = Duration::from_millis(now_ms().saturating_sub(at_ms));
                    if age > STALE_AFTER {
                        tracing::warn!(
                            "an already-rotated refresh token was presented (a stale copy of the session?); \
                             continuing from the newer one"
                        );
                    }
                    // A token this request just received, or one received a moment ago, is used
                    // even when its lifetime is too short to be cached.
                    let fresh = led || age < Duration::from_secs(1);
                    let access_token = access_token.map(|token| (token, fresh));
                    // The outcome answers this request, but the token it names may itself have been
                    // rotated since (a slow request): store the newest of the chain, never a
                    // consumed one.
                    let newest = if led { newest } else { self.newest_rotation(newest).await };
                    // The refresh task stored the whole outcome, or only its rotation, already
                    // (see `keep_rotation`).
                    if stored == Kept::Outcome
                        && let Some(((_, cached), _)) = access_token
                    {
                        tracing::debug!(%target, "access token refreshed");
                        return Ok(cached.token);
                    }
                    let held = if stored == Kept::Nothing { &refresh_token } else { &newest };
                    let token = self.adopt(&core, held, &newest, id_token, access_token, target).await?;
                    if let Some(token) = token {
                        tracing::debug!(%target, "access token refreshed");
                        return Ok(token);
                    }
                    refresh_token = newest;
                }
                Publication::Dead { reason } => return Err(self.end_session(reason).await),
                Publication::Failed { .. } => return Err(shared_failure(publication)),
            }
        }
        Err(LogtoError::Internal("the refresh token rotated more often than a request can follow".into()))
    }

    /// The newest refresh token of the chain that starts at `refresh_token`: its published
    /// rotations followed (an unreachable store ends the chase; the caller keeps what it has).
    async fn newest_rotation(&self, mut refresh_token: RefreshToken) -> RefreshToken {
        for _ in 0..MAX_HOPS {
            let keys = Keys::of(&refresh_token);
            let Ok(Some(sealed)) = self.shared.coordinator.published(&keys.outcome).await else {
                break;
            };
            match self.open_outcome(&refresh_token, &keys, &sealed) {
                Some(Opened { publication: Publication::Rotated { refresh_token: newer, .. }, .. })
                    if newer != refresh_token =>
                {
                    refresh_token = newer;
                }
                _ => break,
            }
        }
        refresh_token
    }

    /// Opens the outcome published under `keys` for `refresh_token`; one that is refused (not
    /// bound to this key and app, of another format, or older than its window) counts as absent.
    fn open_outcome(&self, refresh_token: &RefreshToken, keys: &Keys, sealed: &[u8]) -> Option<Opened> {
        let binding = Binding { app_id: &self.shared.config.app_id, key: &keys.outcome };
        let policy = &self.shared.refresh_policy;
        match open(refresh_token, &binding, sealed, policy, self.shared.leeway, now_ms()) {
            Ok(opened) => Some(opened),
            Err(refused) => {
                tracing::debug!(?refused, "ignoring a refresh outcome in the coordination store");
                None
            }
        }
    }

    /// Seals `publication` for the holders of `refresh_token`, bound to its key, this app and now.
    fn seal_outcome(
        &self,
        refresh_token: &RefreshToken,
        keys: &Keys,
        publication: &Publication,
    ) -> Option<Vec<u8>> {
        let binding = Binding { app_id: &self.shared.config.app_id, key: &keys.outcome };
        seal(refresh_token, &binding, now_ms(), publication)
    }

    /// The stored ID token's claims, if any is stored and readable.
    pub(super) async fn stored_id_token_claims(&self) -> Result<Option<IdTokenClaims>> {
        Ok(self
            .storage
            .get(PersistKey::IdToken)
            .await?
            .and_then(|token| OidcCore::decode_id_token(&token).ok()))
    }

    /// Waits for the lease of `refresh_token` or for an outcome that answers this request.
    async fn turn(
        &self,
        refresh_token: &RefreshToken,
        target: &TokenTarget,
        deadline: Instant,
    ) -> Result<Turn> {
        let coordinator = &self.shared.coordinator;
        let keys = Keys::of(refresh_token);
        loop {
            if let Some(opened) = self.relevant_outcome(&keys, refresh_token, target).await? {
                return Ok(Turn::Follow(opened));
            }
            let guard = LeaseGuard::new(self, &keys.lease);
            // The lease lives at least `lease_ttl` from now: the store sets it after this.
            let asked = Instant::now();
            match coordinator
                .try_lease(&keys.lease, guard.token(), self.shared.refresh_policy.lease_ttl)
                .await
            {
                Ok(true) => {
                    // The previous holder may have published just before it released.
                    let followed = match self.relevant_outcome(&keys, refresh_token, target).await {
                        Ok(None) => return Ok(Turn::Lead(guard.disarm(), asked)),
                        Ok(Some(opened)) => Ok(Turn::Follow(opened)),
                        Err(error) => Err(error),
                    };
                    // Followed, or failed: either way this request does not refresh, so the
                    // lease must not hold up the next one until it expires.
                    release(self, &keys.lease, guard.token()).await;
                    guard.disarm();
                    return followed;
                }
                Ok(false) => drop(guard.disarm()),
                Err(error) => {
                    // The coordinator sees to a lease whose answer it did not get.
                    guard.disarm();
                    return Err(error.into());
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(LogtoError::Coordination(crate::CoordinationError::new(
                    "timed out waiting for another request's refresh of this session",
                )));
            }
            coordinator.wait_for_change(&keys.outcome, left).await;
        }
    }

    /// The published outcome for `refresh_token`, if it answers a request for `target`: a
    /// rotation, a dead grant, a failure of the server or of this target, or the same token's
    /// refresh for this target. (A refresh for another target that did not rotate the token
    /// leaves this request to make its own.)
    async fn relevant_outcome(
        &self,
        keys: &Keys,
        refresh_token: &RefreshToken,
        target: &TokenTarget,
    ) -> Result<Option<Opened>> {
        let Some(sealed) = self.shared.coordinator.published(&keys.outcome).await? else {
            return Ok(None);
        };
        let Some(opened) = self.open_outcome(refresh_token, keys, &sealed) else {
            return Ok(None);
        };
        let key = target.cache_key();
        let relevant = match &opened.publication {
            Publication::Rotated { refresh_token: newest, access_token, .. } => {
                newest != refresh_token || access_token.as_ref().is_some_and(|(cached, _)| *cached == key)
            }
            Publication::Dead { .. } => true,
            Publication::Failed { status, .. } => match status {
                // A 4xx is about the request (a target the user may not have): only for that one.
                Some(status) if *status < 500 => false,
                _ => true,
            },
        };
        Ok(relevant.then_some(opened))
    }

    /// Makes the token request, publishes its outcome and releases the lease, in a task of its
    /// own: a caller cancelled meanwhile (a client hung up) cannot lose a rotation the identity
    /// server already made. A rotation that cannot be published (the store is unreachable) is
    /// handed to the caller anyway, while the task keeps the lease and tries again until the
    /// lease is about to expire (see [`keep_publishing`]).
    async fn lead(
        &self,
        core: &OidcCore,
        refresh_token: &RefreshToken,
        target: &TokenTarget,
        lease: LeaseToken,
        leased_at: Instant,
    ) -> Result<(Publication, Kept)> {
        let this = self.clone();
        let (core, refresh_token, target) = (core.clone(), refresh_token.clone(), target.clone());
        let task = async move {
            let config = &this.shared.config;
            let keys = Keys::of(&refresh_token);
            let policy = this.shared.refresh_policy;
            let response = core
                .fetch_token_by_refresh_token(
                    &config.app_id,
                    config.app_secret.as_ref(),
                    &refresh_token,
                    &target,
                )
                .await;
            let (publication, ttl, error) = match response {
                Ok(response) => {
                    let newest = response.refresh_token.clone().unwrap_or_else(|| refresh_token.clone());
                    let access_token =
                        (target.cache_key().into_owned(), CachedAccessToken::from_response(&response));
                    let publication = Publication::Rotated {
                        refresh_token: newest,
                        id_token: response.id_token,
                        access_token: Some(access_token),
                    };
                    (publication, policy.rotation_window, None)
                }
                Err(error) => match classify(error, &target) {
                    Refused::Dead(reason) => {
                        // Another instance may have rotated this token without the lease (its
                        // lease expired): look once more before calling the grant dead.
                        if let Ok(Some(Opened {
                            publication: rotated @ Publication::Rotated { .. }, ..
                        })) = this.relevant_outcome(&keys, &refresh_token, &target).await
                        {
                            release(&this, &keys.lease, &lease).await;
                            return Ok((rotated, Kept::Nothing));
                        }
                        (Publication::Dead { reason }, policy.dead_window, None)
                    }
                    Refused::Target(error) => {
                        release(&this, &keys.lease, &lease).await;
                        return Err(error);
                    }
                    Refused::Failure(error) => (failure(&error), policy.failure_window, Some(error)),
                },
            };
            let rotated = match &publication {
                Publication::Rotated { refresh_token: newest, .. } if *newest != refresh_token => {
                    Some(newest.clone())
                }
                _ => None,
            };
            match this.seal_outcome(&refresh_token, &keys, &publication) {
                Some(sealed) => {
                    if let Err(error) = this.shared.coordinator.publish(&keys.outcome, &sealed, ttl).await {
                        if matches!(&publication, Publication::Rotated { refresh_token: newest, .. } if *newest != refresh_token)
                        {
                            // The old token is consumed: until the new one is published, no one
                            // may take the lease and present the old one.
                            tracing::warn!(%error, "could not publish a rotation yet: keeping the lease and trying again");
                            let until = crate::coordination::later(leased_at, policy.lease_ttl);
                            tokio::spawn(keep_publishing(
                                this.clone(),
                                refresh_token.clone(),
                                keys,
                                lease,
                                publication.clone(),
                                ttl,
                                until,
                            ));
                            let stored = keep_rotation(&this, &core, rotated, &publication, &target).await;
                            return Ok((publication, stored));
                        }
                        tracing::error!(%error, "could not publish a refresh outcome");
                    }
                }
                None => tracing::error!("could not seal a refresh outcome"),
            }
            release(&this, &keys.lease, &lease).await;
            let stored = keep_rotation(&this, &core, rotated, &publication, &target).await;
            match error {
                Some(error) => Err(error),
                None => Ok((publication, stored)),
            }
        };
        tokio::spawn(task).await.map_err(|e| LogtoError::Internal(format!("the refresh task failed: {e}")))?
    }

    /// Takes a refresh outcome into this session: the newest refresh token first, then the ID
    /// token (verified, same user), then the access token when it is for `target`, which is
    /// returned.
    async fn adopt(
        &self,
        core: &OidcCore,
        presented: &RefreshToken,
        newest: &RefreshToken,
        id_token: Option<IdToken>,
        access_token: Option<((String, CachedAccessToken), bool)>,
        target: &TokenTarget,
    ) -> Result<Option<AccessToken>> {
        if newest != presented {
            self.storage.set(PersistKey::RefreshToken, newest.secret().to_owned()).await?;
        }
        if let Some(id_token) = id_token {
            self.verify_renewed_id_token(core, &id_token).await?;
            self.storage.set(PersistKey::IdToken, id_token.into_secret()).await?;
        }
        let Some(((key, cached), fresh)) = access_token.filter(|((key, _), _)| *key == target.cache_key())
        else {
            return Ok(None);
        };
        if !fresh && cached.expires_at <= now_seconds() as f64 {
            return Ok(None);
        }
        let mut map: AccessTokenMap = self.access_token_map().await?;
        map.x.insert(key, cached.clone());
        self.storage.set(PersistKey::AccessTokenMap, to_json(&map)).await?;
        Ok(Some(cached.token))
    }

    /// Verifies an ID token from a refresh, and that it continues the stored one.
    async fn verify_renewed_id_token(&self, core: &OidcCore, id_token: &IdToken) -> Result<()> {
        let claims = core.verify_id_token(id_token.secret(), &self.shared.config.app_id).await?;
        if let Some(current) = self.storage.get(PersistKey::IdToken).await?
            && let Ok(current) = OidcCore::decode_id_token(&current)
        {
            check_refreshed_id_token(&current, &claims).map_err(LogtoError::InvalidIdToken)?;
        }
        Ok(())
    }

    /// The session has ended (the identity server refused the refresh token, or a back-channel
    /// logout ended it): its tokens are cleared so a dead token is never sent again, and the
    /// user must sign in again.
    pub(super) async fn end_session(&self, reason: String) -> LogtoError {
        tracing::info!(%reason, "the session has ended: signing it out");
        for key in [PersistKey::IdToken, PersistKey::RefreshToken, PersistKey::AccessTokenMap] {
            if let Err(storage) = self.storage.delete(key).await {
                return storage.into();
            }
        }
        LogtoError::SignInRequired { reason }
    }
}

/// OpenID Connect Core §12.2: an ID token from a refresh (already verified like the first) is
/// about the same user, from the same issuer, for the same client, of the same authentication
/// (`auth_time`), and not older than the one it replaces.
fn check_refreshed_id_token(current: &IdTokenClaims, renewed: &IdTokenClaims) -> Result<(), TokenError> {
    if renewed.sub != current.sub {
        return Err(TokenError::SubjectChanged);
    }
    if renewed.iss != current.iss {
        return Err(TokenError::WrongIssuer { expected: current.iss.clone(), actual: renewed.iss.clone() });
    }
    let auth_time =
        |claims: &IdTokenClaims| claims.extra.get("auth_time").and_then(serde_json::Value::as_f64);
    if let (Some(before), Some(after)) = (auth_time(current), auth_time(renewed))
        && before != after
    {
        return Err(TokenError::Malformed(
            "a refreshed ID token names another authentication (auth_time)".into(),
        ));
    }
    if renewed.iat.as_f64() < current.iat.as_f64() {
        return Err(TokenError::Malformed("a refreshed ID token is older than the one it replaces".into()));
    }
    Ok(())
}

/// How long the refresh task waits for the ID token's verification before it stores the
/// rotation alone.
const VERIFY_BEFORE_STORING: Duration = Duration::from_secs(1);

/// What the refresh task stored of its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kept {
    /// Nothing: the caller stores the outcome.
    Nothing,
    /// The rotated refresh token: the caller stores the rest.
    RefreshToken,
    /// The rotated refresh token with the verified ID token and the access token for the target.
    Outcome,
}

/// Stores a rotation from the refresh task itself, once it is published (a slow store must not
/// delay the other requests): a caller cancelled while its token request was at the server (a
/// client hung up, a timeout layer) must not lose the rotation the server made. The ID token
/// (verified) and the access token for `target` go in the same write, so a web session saves
/// the whole outcome in one round trip; when they cannot (an ID token that fails verification),
/// the rotated refresh token goes alone and the caller does the rest (and reports the failure).
async fn keep_rotation(
    client: &LogtoClient,
    core: &OidcCore,
    rotated: Option<RefreshToken>,
    publication: &Publication,
    target: &TokenTarget,
) -> Kept {
    let Some(rotated) = rotated else { return Kept::Nothing };
    let Publication::Rotated { id_token, access_token, .. } = publication else { return Kept::Nothing };
    let mut entries = vec![(PersistKey::RefreshToken, rotated.secret().to_owned())];
    let rest = async {
        let mut rest = Vec::with_capacity(2);
        if let Some(id_token) = id_token {
            client.verify_renewed_id_token(core, id_token).await.ok()?;
            rest.push((PersistKey::IdToken, id_token.secret().to_owned()));
        }
        let (key, cached) = access_token.as_ref().filter(|(key, _)| *key == target.cache_key())?;
        let mut map: AccessTokenMap = client.access_token_map().await.ok()?;
        map.x.insert(key.clone(), cached.clone());
        rest.push((PersistKey::AccessTokenMap, to_json(&map)));
        Some(rest)
    };
    // The rotation waits for the verification only briefly (the signing keys are cached but
    // for a key rotation); then it goes alone and the caller does the rest.
    let kept = match tokio::time::timeout(VERIFY_BEFORE_STORING, rest).await.ok().flatten() {
        Some(rest) => {
            entries.extend(rest);
            Kept::Outcome
        }
        None => Kept::RefreshToken,
    };
    match client.storage.set_many(entries).await {
        Ok(()) => kept,
        Err(error) => {
            tracing::warn!(%error, "could not store the rotated refresh token from the refresh task");
            Kept::Nothing
        }
    }
}

/// Publishes a rotation that could not be published at first, then releases the lease; gives
/// up shortly before the lease expires at `lease_until` (after that, another request may take
/// the lease and present the consumed token: the identity server then ends the session).
async fn keep_publishing(
    client: LogtoClient,
    refresh_token: RefreshToken,
    keys: Keys,
    lease: LeaseToken,
    publication: Publication,
    ttl: Duration,
    lease_until: Instant,
) {
    let margin = (client.shared.refresh_policy.lease_ttl / 4).min(Duration::from_secs(1));
    let mut delay = Duration::from_millis(50);
    loop {
        if Instant::now().checked_add(delay + margin).is_none_or(|then| then >= lease_until) {
            tracing::error!(
                "could not publish a rotation before its lease expired: a request that still holds the \
                 consumed refresh token may present it, and the identity server then ends the session"
            );
            return;
        }
        tokio::time::sleep(delay).await;
        // Sealed again at each attempt: its time is when it is published (followers refuse an
        // outcome older than its window).
        let Some(sealed) = client.seal_outcome(&refresh_token, &keys, &publication) else {
            tracing::error!("could not seal a refresh outcome");
            return;
        };
        match client.shared.coordinator.publish(&keys.outcome, &sealed, ttl).await {
            Ok(()) => {
                tracing::info!("published a rotation after the coordination store came back");
                release(&client, &keys.lease, &lease).await;
                return;
            }
            Err(error) => tracing::debug!(%error, "still cannot publish a rotation"),
        }
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

/// A lease this request asked for and has not handed on: released when the request is dropped
/// first (a caller cancelled between taking the lease and starting the refresh task), so the
/// session's other requests need not wait for it to expire. Releasing a lease never taken is a
/// no-op (the token does not match).
struct LeaseGuard<'a> {
    client: &'a LogtoClient,
    key: &'a str,
    lease: Option<LeaseToken>,
}

impl<'a> LeaseGuard<'a> {
    fn new(client: &'a LogtoClient, key: &'a str) -> Self {
        Self { client, key, lease: Some(LeaseToken::generate()) }
    }

    fn token(&self) -> &LeaseToken {
        self.lease.as_ref().expect("armed until disarmed, which consumes the guard")
    }

    /// Hands the lease on (or gives it up): nothing is released on drop.
    fn disarm(mut self) -> LeaseToken {
        self.lease.take().expect("armed until disarmed, which consumes the guard")
    }
}

impl Drop for LeaseGuard<'_> {
    fn drop(&mut self) {
        if let Some(lease) = self.lease.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let (client, key) = (self.client.clone(), self.key.to_owned());
            runtime.spawn(async move { release(&client, &key, &lease).await });
        }
    }
}

async fn release(client: &LogtoClient, key: &str, lease: &LeaseToken) {
    if let Err(error) = client.shared.coordinator.release(key, lease).await {
        // The lease expires on its own; the others wait a little longer.
        tracing::warn!(%error, "could not release a refresh lease");
    }
}

/// What a refused refresh means.
enum Refused {
    /// The refresh token is dead (`invalid_grant`).
    Dead(String),
    /// A refusal about this target only (not a member of the organization, ...).
    Target(LogtoError),
    /// The server or the network failed: shared with the waiters for a few seconds.
    Failure(LogtoError),
}

fn classify(error: LogtoError, target: &TokenTarget) -> Refused {
    let LogtoError::Server(ServerError { status, error: Some(code), error_description, .. }) = &error else {
        return Refused::Failure(error);
    };
    let code = code.strip_prefix("oidc.").unwrap_or(code);
    match (code, target.organization_id()) {
        ("invalid_grant", _) => Refused::Dead(match error_description {
            Some(description) => format!("invalid_grant: {description}"),
            None => "invalid_grant".to_owned(),
        }),
        ("access_denied", Some(organization_id)) if *status == 403 => {
            Refused::Target(LogtoError::Organization {
                organization_id: organization_id.to_owned(),
                reason: OrganizationError::NotMember,
            })
        }
        ("insufficient_scope", Some(organization_id)) => Refused::Target(LogtoError::Organization {
            organization_id: organization_id.to_owned(),
            reason: OrganizationError::InsufficientScope,
        }),
        _ if *status < 500 => Refused::Target(error),
        _ => Refused::Failure(error),
    }
}

/// The publication of a failure.
fn failure(error: &LogtoError) -> Publication {
    let (endpoint, status, code, description) = match error {
        LogtoError::Server(server) => (
            server.endpoint.clone(),
            Some(server.status),
            server.error.clone(),
            server.error_description.clone(),
        ),
        LogtoError::Network { endpoint, .. }
        | LogtoError::Timeout { endpoint }
        | LogtoError::InvalidResponse { endpoint, .. } => (endpoint.clone(), None, None, None),
        _ => (String::new(), None, None, None),
    };
    Publication::Failed {
        endpoint,
        status,
        error: code,
        error_description: description,
        timeout: error.is_timeout(),
        message: error.to_string(),
    }
}

/// The error a shared failure stands for.
fn shared_failure(publication: Publication) -> LogtoError {
    let Publication::Failed { endpoint, status, error, error_description, timeout, message } = publication
    else {
        return LogtoError::Internal("not a failure".into());
    };
    match status {
        Some(status) => {
            let mut server = ServerError::new(endpoint, status);
            server.error = error;
            server.error_description = error_description;
            LogtoError::Server(server)
        }
        None if timeout => LogtoError::Timeout { endpoint },
        None => LogtoError::Network {
            endpoint,
            source: format!("(shared by a concurrent refresh) {message}").into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(value: serde_json::Value) -> IdTokenClaims {
        let mut base =
            serde_json::json!({"iss": "https://t/oidc", "sub": "u", "aud": "app", "exp": 2000, "iat": 1000});
        base.as_object_mut().unwrap().extend(value.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn a_refreshed_id_token_continues_the_same_authentication() {
        let current = claims(serde_json::json!({"auth_time": 900}));
        assert!(
            check_refreshed_id_token(&current, &claims(serde_json::json!({"iat": 1500, "auth_time": 900})))
                .is_ok()
        );
        assert!(check_refreshed_id_token(&current, &claims(serde_json::json!({"iat": 1500}))).is_ok());
        for changed in [
            serde_json::json!({"sub": "mallory", "iat": 1500}),
            serde_json::json!({"iss": "https://evil/oidc", "iat": 1500}),
            serde_json::json!({"iat": 1500, "auth_time": 1400}),
            serde_json::json!({"iat": 999}),
        ] {
            assert!(check_refreshed_id_token(&current, &claims(changed.clone())).is_err(), "{changed}");
        }
    }
}
