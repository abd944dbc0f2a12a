//! The state of a request's session in one call: [`LogtoClient::signed_in_claims`] (signed in,
//! not ended by a back-channel logout, the ID token fresh) and [`LogtoClient::context`] (like the
//! Node SDK's `getContext`: claims, an access token, its scopes, user info, organization tokens).

use super::LogtoClient;
use crate::error::{LogtoError, Result};
use crate::models::{IdTokenClaims, UserInfoResponse};
use crate::oidc::{OidcCore, now_seconds};
use crate::secret::AccessToken;
use crate::storage::PersistKey;
use crate::target::TokenTarget;
use std::collections::BTreeMap;

/// What [`LogtoClient::context`] should gather besides the sign-in state.
///
/// ```
/// let options = logto::ContextOptions::default().fetch_user_info(true).access_token("https://api.example.com");
/// assert!(options.fetch_user_info);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContextOptions {
    /// Fetch the user's claims from the userinfo endpoint.
    pub fetch_user_info: bool,
    /// Get an access token for this target (and report its scopes).
    pub access_token: Option<TokenTarget>,
    /// Get a token for each organization of the user (needs the organizations scope).
    pub organization_tokens: bool,
}

impl ContextOptions {
    /// Sets whether to fetch user info.
    pub fn fetch_user_info(mut self, fetch: bool) -> Self {
        self.fetch_user_info = fetch;
        self
    }

    /// Asks for an access token for `target`.
    pub fn access_token(mut self, target: impl Into<TokenTarget>) -> Self {
        self.access_token = Some(target.into());
        self
    }

    /// Sets whether to get organization tokens.
    pub fn organization_tokens(mut self, get: bool) -> Self {
        self.organization_tokens = get;
        self
    }
}

/// A request's view of the session. `Debug` shows no token.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LogtoContext {
    /// Whether a user is signed in.
    pub is_authenticated: bool,
    /// The ID token's claims.
    pub claims: Option<IdTokenClaims>,
    /// The access token asked for.
    pub access_token: Option<AccessToken>,
    /// The scopes of that access token (decoded from it; empty for an opaque token).
    pub scopes: Vec<String>,
    /// The userinfo claims, when asked for.
    pub user_info: Option<UserInfoResponse>,
    /// A token per organization of the user, when asked for.
    pub organization_tokens: BTreeMap<String, AccessToken>,
}

impl LogtoClient {
    /// The signed-in user's ID-token claims, or `None` when nobody is signed in. Unlike
    /// [`is_authenticated`](Self::is_authenticated) (an ID token is stored), this is what a web
    /// face should call per request:
    /// - a session ended by a back-channel logout is signed out (its tokens cleared);
    /// - an expired ID token is renewed with the refresh token (a new ID token, verified, same
    ///   user); when the grant is gone, the session is signed out.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// match client.signed_in_claims().await? {
    ///     Some(claims) => println!("hello {}", claims.sub),
    ///     None => println!("please sign in"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn signed_in_claims(&self) -> Result<Option<IdTokenClaims>> {
        let Some(id_token) = self.storage.get(PersistKey::IdToken).await? else {
            return Ok(None);
        };
        let claims = match OidcCore::decode_id_token(&id_token) {
            Ok(claims) => claims,
            Err(error) => {
                tracing::warn!(%error, "an unreadable ID token in the session: signing it out");
                self.clear_tokens().await?;
                return Ok(None);
            }
        };
        if self.shared.backchannel_logout && self.ended_by_backchannel_logout(&claims).await? {
            tracing::info!("the session was ended by a back-channel logout");
            self.clear_tokens().await?;
            return Ok(None);
        }
        if claims.exp.seconds() > now_seconds() - self.shared.leeway.as_secs() as i64 {
            return Ok(Some(claims));
        }
        // The ID token expired: renew it with the refresh token, or end the session.
        if self.storage.get(PersistKey::RefreshToken).await?.is_none() {
            self.clear_tokens().await?;
            return Ok(None);
        }
        match self.refresh_access_token(&TokenTarget::UserInfo).await {
            Ok(_) => {}
            Err(error) if error.is_sign_in_required() => return Ok(None),
            Err(error) => return Err(error),
        }
        let renewed = self.storage.get(PersistKey::IdToken).await?.ok_or(LogtoError::NotAuthenticated)?;
        Ok(Some(OidcCore::decode_id_token(&renewed)?))
    }

    /// The claims of `id_token` when they answer [`signed_in_claims`](Self::signed_in_claims)
    /// without any I/O (the ID token has not expired and back-channel logouts are not honoured),
    /// else `None`: then call `signed_in_claims`. For faces' hot paths.
    ///
    /// ```
    /// let client = logto::LogtoClient::builder(logto::LogtoConfig::new("https://t.logto.app", "app")).build().unwrap();
    /// assert!(client.claims_without_io("not a token").is_none());
    /// ```
    pub fn claims_without_io(&self, id_token: &str) -> Option<IdTokenClaims> {
        if self.shared.backchannel_logout {
            return None;
        }
        let claims = OidcCore::decode_id_token(id_token).ok()?;
        (claims.exp.seconds() > now_seconds() - self.shared.leeway.as_secs() as i64).then_some(claims)
    }

    /// The request's view of the session in one call (like the Node SDK's `getContext`): the
    /// sign-in state and claims ([`signed_in_claims`](Self::signed_in_claims)), and what
    /// `options` asks for. Nobody signed in is not an error: `is_authenticated` is `false`.
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// use logto::ContextOptions;
    /// let context = client.context(&ContextOptions::default().access_token("https://api.example.com")).await?;
    /// if context.is_authenticated {
    ///     println!("{:?} may {:?}", context.claims.map(|c| c.sub), context.scopes);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn context(&self, options: &ContextOptions) -> Result<LogtoContext> {
        let Some(claims) = self.signed_in_claims().await? else {
            return Ok(LogtoContext::default());
        };
        let mut context = LogtoContext { is_authenticated: true, ..LogtoContext::default() };
        if let Some(target) = &options.access_token {
            // `signed_in_claims` has just checked the back-channel logout markers.
            let token = self.access_token(target.clone(), true).await?;
            context.scopes = OidcCore::decode_access_token(token.secret())
                .map(|claims| claims.scopes().map(str::to_owned).collect())
                .unwrap_or_default();
            context.access_token = Some(token);
        }
        if options.fetch_user_info {
            context.user_info = Some(self.fetch_user_info().await?);
        }
        if options.organization_tokens {
            for organization in claims.organizations.iter().flatten() {
                let token = self.access_token(TokenTarget::organization(organization), true).await?;
                context.organization_tokens.insert(organization.clone(), token);
            }
        }
        context.claims = Some(claims);
        Ok(context)
    }

    /// Signs the session out locally.
    pub(super) async fn clear_tokens(&self) -> Result<()> {
        for key in [PersistKey::IdToken, PersistKey::RefreshToken, PersistKey::AccessTokenMap] {
            self.storage.delete(key).await?;
        }
        Ok(())
    }
}
