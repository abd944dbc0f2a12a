//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0): a verified logout token ends the
//! sessions it names, in every app instance that shares the coordinator, the next time they are
//! used: to read the sign-in state, to refresh, or to take an access token from the session's
//! cache.

use super::LogtoClient;
use crate::coordination::hashed_key;
use crate::error::{LogtoError, Result, TokenError};
use crate::models::{IdTokenClaims, LogoutTokenClaims};
use std::time::Duration;

/// How long an ended session is remembered: as long as a Logto refresh token lives, the longest a
/// session could still be used.
const ENDED_MEMORY: Duration = Duration::from_secs(14 * 24 * 3600);
/// Why a session ended by a back-channel logout is signed out ([`LogtoError::SignInRequired`]).
const ENDED_REASON: &str = "ended by a back-channel logout";
/// How long a logout token's `jti` is remembered against replays (well past its short lifetime).
const REPLAY_MEMORY: Duration = Duration::from_secs(24 * 3600);

/// The coordinator key of a marker or a `jti` (see [`hashed_key`]).
fn hashed(app_id: &str, kind: &str, value: &str) -> String {
    hashed_key(&format!("backchannel:{kind}"), app_id, value)
}

impl LogtoClient {
    /// Handles the `logout_token` of a back-channel logout request: verifies it (signature,
    /// issuer, audience, age, event, no nonce; a replayed `jti` is refused), then records that the
    /// session it names (`sid`), or every session of its user (`sub` alone), has ended. Each such
    /// session is signed out locally the next time [`signed_in_claims`](Self::signed_in_claims),
    /// [`context`](Self::context) or [`get_access_token`](Self::get_access_token) (a cached
    /// token included) sees it, in every instance sharing the coordinator. Answer
    /// the request 200 on success and 400 on [`LogtoError::InvalidLogoutToken`].
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient, logout_token: &str) -> logto::Result<()> {
    /// let ended = client.handle_backchannel_logout(logout_token).await?;
    /// println!("ended the sessions of {:?}", ended.sub);
    /// # Ok(()) }
    /// ```
    pub async fn handle_backchannel_logout(&self, logout_token: &str) -> Result<LogoutTokenClaims> {
        let core = self.oidc_core().await?;
        let claims = core.verify_logout_token(logout_token, &self.shared.config.app_id).await?;
        let (coordinator, app_id) = (&self.shared.coordinator, self.shared.config.app_id.as_str());
        let jti = claims.jti.as_deref().unwrap_or_default();
        let replay_key = hashed(app_id, "jti", &format!("{}|{jti}", claims.iss));
        if coordinator.published(&replay_key).await?.is_some() {
            return Err(LogtoError::InvalidLogoutToken(TokenError::Replayed));
        }
        let at = claims.iat.seconds();
        let marker = match (&claims.sid, &claims.sub) {
            (Some(sid), _) if !sid.is_empty() => Some(hashed(app_id, "sid", sid)),
            (_, Some(sub)) => Some(hashed(app_id, "sub", sub)),
            _ => None,
        };
        if let Some(marker) = marker {
            // A user's marker keeps the latest logout: an older token arriving late does not
            // move it back (sessions signed in between would escape it).
            let recorded = coordinator.published(&marker).await?.as_deref().and_then(marker_time);
            if recorded.is_none_or(|recorded| recorded < at) {
                coordinator.publish(&marker, at.to_string().as_bytes(), ENDED_MEMORY).await?;
            }
        }
        // The `jti` is recorded last: a logout that could not be recorded (the store is
        // unreachable) is answered 503, and the sender's retry is handled whole, not refused as
        // a replay. Writing the marker twice is harmless.
        coordinator.publish(&replay_key, b"1", REPLAY_MEMORY).await?;
        tracing::info!(sid = claims.sid.is_some(), "back-channel logout recorded");
        Ok(claims)
    }

    /// When back-channel logouts are honoured and one ended the session of this client's storage:
    /// signs the session out and fails with [`LogtoError::SignInRequired`], as a refresh of it
    /// would. When they are not honoured: nothing, and no I/O.
    pub(super) async fn end_if_backchannel_logged_out(&self) -> Result<()> {
        if !self.shared.backchannel_logout {
            return Ok(());
        }
        if let Some(claims) = self.stored_id_token_claims().await?
            && self.ended_by_backchannel_logout(&claims).await?
        {
            return Err(self.end_session(ENDED_REASON.into()).await);
        }
        Ok(())
    }

    /// Whether a back-channel logout ended the session of `claims` (its `sid`, or its user after
    /// it signed in).
    pub(super) async fn ended_by_backchannel_logout(&self, claims: &IdTokenClaims) -> Result<bool> {
        let (coordinator, app_id) = (&self.shared.coordinator, self.shared.config.app_id.as_str());
        if let Some(sid) = &claims.sid
            && coordinator.published(&hashed(app_id, "sid", sid)).await?.is_some()
        {
            return Ok(true);
        }
        let Some(ended_at) = coordinator.published(&hashed(app_id, "sub", &claims.sub)).await? else {
            return Ok(false);
        };
        let ended_at = marker_time(&ended_at).unwrap_or(i64::MAX);
        // A sign-in after the logout is a new session.
        let signed_in_at = claims
            .extra
            .get("auth_time")
            .and_then(serde_json::Value::as_f64)
            .map_or(claims.iat.seconds(), |at| at as i64);
        Ok(signed_in_at <= ended_at)
    }
}

/// The time a marker records (the logout token's `iat`).
fn marker_time(value: &[u8]) -> Option<i64> {
    std::str::from_utf8(value).ok()?.parse().ok()
}
