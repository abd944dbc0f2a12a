//! The sign-out flow: the refresh token is revoked, the local tokens cleared, and the
//! end-session URL built (RP-Initiated Logout §2).

use super::LogtoClient;
use crate::error::{LogtoError, Result};
use crate::secret::RefreshToken;
use crate::storage::PersistKey;

impl LogtoClient {
    /// Signs out locally and returns the end-session URL to redirect the user to, with
    /// `id_token_hint` (the signed-in user's ID token), `client_id` and, when given,
    /// `post_logout_redirect_uri`. The refresh token is revoked first (RFC 7009); a failed
    /// revocation is logged and ignored. Local tokens are cleared even when the server is down.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let end_session_url = client.sign_out(Some("https://app.example/")).await?;
    /// # let _ = end_session_url;
    /// # Ok(()) }
    /// ```
    pub async fn sign_out(&self, post_logout_redirect_uri: Option<&str>) -> Result<String> {
        let core = self.oidc_core().await;
        let config = &self.shared.config;
        // A refresh token that cannot be read (a keyring that does not answer) is not revoked,
        // but does not stop the sign-out: the point is to forget it.
        let refresh_token = self.storage.get(PersistKey::RefreshToken).await.unwrap_or_else(|error| {
            tracing::warn!(%error, "the refresh token cannot be read, so it is not revoked; signing out locally");
            None
        });
        if let (Ok(core), Some(refresh_token)) = (&core, refresh_token)
            && let Err(error) = core
                .revoke_token(&config.app_id, config.app_secret.as_ref(), &RefreshToken::new(refresh_token))
                .await
        {
            tracing::warn!(%error, "refresh token revocation failed; signing out locally anyway");
        }
        // RP-Initiated Logout §2: `id_token_hint` is RECOMMENDED; read before it is cleared.
        let id_token_hint = self.storage.get(PersistKey::IdToken).await?;
        for key in [PersistKey::IdToken, PersistKey::RefreshToken, PersistKey::AccessTokenMap] {
            self.storage.delete(key).await?;
        }
        let core = core?;
        let endpoint = core
            .metadata()
            .end_session_endpoint
            .as_deref()
            .ok_or(LogtoError::Unsupported("RP-initiated logout (no end_session_endpoint)"))?;
        let mut url = url::Url::parse(endpoint).map_err(|e| LogtoError::InvalidResponse {
            endpoint: "discovery".into(),
            reason: format!("end_session_endpoint is not a URL: {e}"),
        })?;
        if let Some(id_token) = &id_token_hint {
            url.query_pairs_mut().append_pair("id_token_hint", id_token);
        }
        url.query_pairs_mut().append_pair("client_id", &config.app_id);
        if let Some(uri) = post_logout_redirect_uri {
            url.query_pairs_mut().append_pair("post_logout_redirect_uri", uri);
        }
        tracing::info!("signed out");
        Ok(url.into())
    }
}
