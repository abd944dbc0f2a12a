//! Access tokens: served from the session's cache while valid, otherwise refreshed under the
//! refresh token's turn (one refresh in flight per refresh token, the rotated token stored
//! before anything else).

use super::LogtoClient;
use super::stored::{AccessTokenMap, parse_stored, to_json};
use crate::error::{LogtoError, OrganizationError, Result, ServerError, TokenError};
use crate::models::{AccessTokenClaims, TokenResponse};
use crate::oidc::{OidcCore, now_seconds};
use crate::secret::{AccessToken, RefreshToken};
use crate::storage::PersistKey;
use crate::target::TokenTarget;

impl LogtoClient {
    /// An access token for `target`, from the session's cache while it is valid, otherwise
    /// refreshed. A `&str` is read as the official SDKs do: `""` is the user-info token,
    /// `urn:logto:organization:<id>` an organization token, anything else an API resource.
    ///
    /// Errors: [`LogtoError::NotAuthenticated`] without a refresh token,
    /// [`LogtoError::SignInRequired`] when the identity server refused the refresh token (the
    /// session's tokens are then cleared), [`LogtoError::Organization`] for an organization the
    /// user cannot get a token for.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// use logto::TokenTarget;
    /// let api = client.get_access_token("https://api.example.com").await?;
    /// let in_org = client.get_access_token(TokenTarget::organization_resource("org-1", "https://api.example.com")).await?;
    /// let request = reqwest::Client::new().get("https://api.example.com/data").bearer_auth(api.secret());
    /// # let _ = (in_org, request); Ok(()) }
    /// ```
    pub async fn get_access_token(&self, target: impl Into<TokenTarget>) -> Result<AccessToken> {
        let target = target.into();
        if let Some(organization_id) = target.organization_id()
            && !self.shared.config.has_organizations_scope()
        {
            return Err(LogtoError::Organization {
                organization_id: organization_id.to_owned(),
                reason: OrganizationError::ScopeNotConfigured,
            });
        }
        if let Some(token) = self.access_token_map().await?.valid(&target, now_seconds()) {
            return Ok(token.clone());
        }
        self.refresh_access_token(&target).await
    }

    /// An organization token (audience `urn:logto:organization:<id>`); needs the organizations
    /// scope in the config.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let token = client.get_organization_token("organization-id").await?;
    /// # let _ = token;
    /// # Ok(()) }
    /// ```
    pub async fn get_organization_token(&self, organization_id: &str) -> Result<AccessToken> {
        self.get_access_token(TokenTarget::organization(organization_id)).await
    }

    /// The claims of the access token for `target` (a JWT; the user-info token is opaque),
    /// **decoded, not verified**: the token came straight from the token endpoint over TLS, so
    /// the app may read it, but an API receiving it must verify it with
    /// [`AccessTokenVerifier`](crate::verifier::AccessTokenVerifier).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let claims = client.get_access_token_claims("https://api.example.com").await?;
    /// assert!(claims.aud.contains("https://api.example.com"));
    /// # Ok(()) }
    /// ```
    pub async fn get_access_token_claims(&self, target: impl Into<TokenTarget>) -> Result<AccessTokenClaims> {
        OidcCore::decode_access_token(self.get_access_token(target).await?.secret())
    }

    /// The claims of an organization token, **decoded, not verified** (see
    /// [`get_access_token_claims`](Self::get_access_token_claims)).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let claims = client.get_organization_token_claims("organization-id").await?;
    /// println!("{:?}", claims.scope);
    /// # Ok(()) }
    /// ```
    pub async fn get_organization_token_claims(&self, organization_id: &str) -> Result<AccessTokenClaims> {
        self.get_access_token_claims(TokenTarget::organization(organization_id)).await
    }

    /// The stored access-token map; an unreadable one is only a cache, so it counts as empty.
    pub(super) async fn access_token_map(&self) -> Result<AccessTokenMap> {
        let Some(stored) = self.storage.get(PersistKey::AccessTokenMap).await? else {
            return Ok(AccessTokenMap::default());
        };
        Ok(parse_stored(PersistKey::AccessTokenMap, &stored).unwrap_or_else(|error| {
            tracing::warn!(%error, "ignoring an unreadable access token cache");
            AccessTokenMap::default()
        }))
    }

    /// Refreshes under the refresh token's turn: one token request at a time per refresh token,
    /// the rotated refresh token stored before anything else.
    async fn refresh_access_token(&self, target: &TokenTarget) -> Result<AccessToken> {
        let stored_refresh_token = RefreshToken::new(
            self.storage.get(PersistKey::RefreshToken).await?.ok_or(LogtoError::NotAuthenticated)?,
        );
        let core = self.oidc_core().await?;
        let turn = self.shared.refresh.turn(&stored_refresh_token).await;
        // Another request of this session may have refreshed while we waited for the turn.
        let mut map = self.access_token_map().await?;
        if let Some(token) = map.valid(target, now_seconds()) {
            return Ok(token.clone());
        }
        let config = &self.shared.config;
        // The request and the record of its rotation run in their own task: if the caller is
        // cancelled (a client hung up), a token the server already rotated is still recorded,
        // so the next request follows it instead of replaying the consumed one.
        let request = {
            let (core, app_id, secret, target) =
                (core.clone(), config.app_id.clone(), config.app_secret.clone(), target.clone());
            let mut turn = turn;
            async move {
                let response = core
                    .fetch_token_by_refresh_token(&app_id, secret.as_ref(), &turn.refresh_token, &target)
                    .await;
                if let Ok(TokenResponse { refresh_token: Some(rotated), .. }) = &response {
                    turn.rotated(rotated);
                }
                (turn, response)
            }
        };
        let (turn, response) = tokio::spawn(request)
            .await
            .map_err(|e| LogtoError::Internal(format!("the token request task failed: {e}")))?;
        let response = match response {
            Ok(response) => response,
            Err(error) => return Err(self.refresh_failed(target, error).await),
        };
        let newest = response.refresh_token.as_ref().unwrap_or(&turn.refresh_token);
        if *newest != stored_refresh_token {
            self.storage.set(PersistKey::RefreshToken, newest.secret().to_owned()).await?;
        }
        if let Some(id_token) = &response.id_token {
            let claims = core.verify_id_token(id_token.secret(), &config.app_id).await?;
            if let Some(current) = self.storage.get(PersistKey::IdToken).await?
                && OidcCore::decode_id_token(&current).is_ok_and(|current| current.sub != claims.sub)
            {
                return Err(LogtoError::InvalidIdToken(TokenError::SubjectChanged));
            }
            self.storage.set(PersistKey::IdToken, id_token.secret().to_owned()).await?;
        }
        map.insert(target, &response);
        self.storage.set(PersistKey::AccessTokenMap, to_json(&map)).await?;
        drop(turn);
        tracing::debug!(%target, "access token refreshed");
        Ok(response.access_token)
    }

    /// What a failed refresh means for the caller. A refused refresh token (`invalid_grant`)
    /// ends the session: its tokens are cleared so the dead token is never sent again.
    async fn refresh_failed(&self, target: &TokenTarget, error: LogtoError) -> LogtoError {
        let LogtoError::Server(ServerError { status, error: Some(code), error_description, .. }) = &error
        else {
            return error;
        };
        let code = code.strip_prefix("oidc.").unwrap_or(code);
        match (code, target.organization_id()) {
            ("invalid_grant", _) => {
                tracing::info!("the identity server refused the refresh token: the session has ended");
                for key in [PersistKey::IdToken, PersistKey::RefreshToken, PersistKey::AccessTokenMap] {
                    if let Err(storage) = self.storage.delete(key).await {
                        return storage.into();
                    }
                }
                let reason = match error_description {
                    Some(description) => format!("invalid_grant: {description}"),
                    None => "invalid_grant".to_owned(),
                };
                LogtoError::SignInRequired { reason }
            }
            ("access_denied", Some(organization_id)) if *status == 403 => LogtoError::Organization {
                organization_id: organization_id.to_owned(),
                reason: OrganizationError::NotMember,
            },
            ("insufficient_scope", Some(organization_id)) => LogtoError::Organization {
                organization_id: organization_id.to_owned(),
                reason: OrganizationError::InsufficientScope,
            },
            _ => error,
        }
    }
}
