//! Who is signed in: the stored ID token, its claims, and the userinfo endpoint (checked to be
//! about the same user).

use super::LogtoClient;
use crate::error::{LogtoError, Result};
use crate::models::{IdTokenClaims, UserInfoResponse};
use crate::oidc::{self, Claims, OidcCore};
use crate::secret::{IdToken, RefreshToken};
use crate::storage::PersistKey;
use crate::target::TokenTarget;

impl LogtoClient {
    /// The raw ID token, if signed in.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// if let Some(id_token) = client.get_id_token().await? { println!("{} bytes", id_token.secret().len()); }
    /// # Ok(()) }
    /// ```
    pub async fn get_id_token(&self) -> Result<Option<IdToken>> {
        Ok(self.storage.get(PersistKey::IdToken).await?.map(IdToken::new))
    }

    /// The claims of the stored ID token (verified when it was stored).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let claims = client.get_id_token_claims().await?;
    /// println!("signed in as {}", claims.sub);
    /// # Ok(()) }
    /// ```
    pub async fn get_id_token_claims(&self) -> Result<IdTokenClaims> {
        let id_token = self.storage.get(PersistKey::IdToken).await?.ok_or(LogtoError::NotAuthenticated)?;
        OidcCore::decode_id_token(&id_token)
    }

    /// The refresh token, if any.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let has_refresh_token = client.get_refresh_token().await?.is_some();
    /// # let _ = has_refresh_token;
    /// # Ok(()) }
    /// ```
    pub async fn get_refresh_token(&self) -> Result<Option<RefreshToken>> {
        Ok(self.storage.get(PersistKey::RefreshToken).await?.map(RefreshToken::new))
    }

    /// Whether a user is signed in (an ID token is stored).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// if !client.is_authenticated().await? { /* redirect to sign-in */ }
    /// # Ok(()) }
    /// ```
    pub async fn is_authenticated(&self) -> Result<bool> {
        Ok(self.storage.get(PersistKey::IdToken).await?.is_some())
    }

    /// Fetches the user's claims from the userinfo endpoint, and checks they are about the
    /// signed-in user (same `sub` as the ID token).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let info = client.fetch_user_info().await?;
    /// println!("{:?}", info.custom_data);
    /// # Ok(()) }
    /// ```
    pub async fn fetch_user_info(&self) -> Result<UserInfoResponse> {
        let claims = self.fetch_user_info_json().await?;
        let core = self.oidc_core().await?;
        oidc::user_info_from_json(&core.metadata().userinfo_endpoint, claims)
    }

    /// Like [`fetch_user_info`](Self::fetch_user_info), with the claims as sent (a claim sent
    /// as `null` stays `null`).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let claims = client.fetch_user_info_json().await?;
    /// println!("{}", claims["sub"]);
    /// # Ok(()) }
    /// ```
    pub async fn fetch_user_info_json(&self) -> Result<Claims> {
        Ok(self.fetch_user_info_text().await?.0)
    }

    /// Like [`fetch_user_info_json`](Self::fetch_user_info_json), with the body as sent too
    /// (member order and numbers of any size untouched), for faces that build their own models.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let (claims, text) = client.fetch_user_info_text().await?;
    /// # let _ = (claims, text);
    /// # Ok(()) }
    /// ```
    pub async fn fetch_user_info_text(&self) -> Result<(Claims, String)> {
        let id_token = self.storage.get(PersistKey::IdToken).await?.ok_or(LogtoError::NotAuthenticated)?;
        let subject = OidcCore::decode_id_token(&id_token)?.sub;
        let access_token = self.get_access_token(TokenTarget::UserInfo).await?;
        let core = self.oidc_core().await?;
        let (info, text) = match core.fetch_user_info_text(access_token.secret()).await {
            // The cached token was refused (the grant was revoked, the token expired early):
            // refresh once; a dead grant then ends the session instead of failing every visit.
            Err(LogtoError::Server(server)) if server.status == 401 => {
                tracing::info!("the userinfo endpoint refused the cached access token: refreshing it");
                let fresh = self.refresh_access_token(&TokenTarget::UserInfo).await?;
                core.fetch_user_info_text(fresh.secret()).await?
            }
            other => other?,
        };
        // OpenID Connect Core §5.3.2: the answer must be about the signed-in user.
        if info.get("sub").and_then(|sub| sub.as_str()) != Some(subject.as_str()) {
            tracing::warn!("userinfo subject differs from the ID token's");
            return Err(LogtoError::UserInfoSubjectMismatch);
        }
        Ok((info, text))
    }
}
