//! Access tokens: served from the session's cache while valid, otherwise refreshed
//! ([`refresh`](super::refresh): one token request per refresh token across every client that
//! shares a coordinator).

use super::LogtoClient;
use super::stored::{AccessTokenMap, parse_stored};
use crate::error::{LogtoError, OrganizationError, Result};
use crate::models::AccessTokenClaims;
use crate::oidc::{OidcCore, now_seconds};
use crate::secret::AccessToken;
use crate::storage::PersistKey;
use crate::target::TokenTarget;

impl LogtoClient {
    /// An access token for `target`, from the session's cache while it is valid, otherwise
    /// refreshed. A `&str` is read as the official SDKs do: `""` is the user-info token,
    /// `urn:logto:organization:<id>` an organization token, anything else an API resource.
    ///
    /// Errors: [`LogtoError::NotAuthenticated`] without a refresh token,
    /// [`LogtoError::SignInRequired`] when the identity server refused the refresh token or, when
    /// the client honours back-channel logouts, one ended the session (a cached token is not
    /// served then; the session's tokens are cleared either way), [`LogtoError::Organization`] for
    /// an organization the user cannot get a token for.
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
        self.access_token(target.into(), false).await
    }

    /// [`get_access_token`](Self::get_access_token); `logout_checked` when the caller has just
    /// checked the back-channel logout markers (no second lookup for a cached token).
    pub(super) async fn access_token(
        &self,
        target: TokenTarget,
        logout_checked: bool,
    ) -> Result<AccessToken> {
        if let Some(organization_id) = target.organization_id()
            && !self.shared.config.has_organizations_scope()
        {
            return Err(LogtoError::Organization {
                organization_id: organization_id.to_owned(),
                reason: OrganizationError::ScopeNotConfigured,
            });
        }
        if let Some(token) = self.access_token_map().await?.valid(&target, now_seconds()).cloned() {
            // A back-channel logout ends the session's cached tokens too, not only its refreshes
            // (a refresh checks on its own: one lookup per call either way, none when off).
            if !logout_checked {
                self.end_if_backchannel_logged_out().await?;
            }
            return Ok(token);
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

    /// The access token for `target` if the session's cache holds a valid one, reading only the
    /// stored access-token map (no refresh, no network). `stored_map` is the `accessTokenMap`
    /// value as a face read it from its storage.
    ///
    /// ```
    /// let stored = r#"{"x":{"https://api.example.com":{"token":"t","expiresAt":32503680000}}}"#;
    /// let token = logto::LogtoClient::cached_access_token(Some(stored), &"https://api.example.com".into());
    /// assert_eq!(token.unwrap().secret(), "t");
    /// ```
    pub fn cached_access_token(stored_map: Option<&str>, target: &TokenTarget) -> Option<AccessToken> {
        super::stored::valid_cached_token(stored_map?, target, now_seconds())
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
}
