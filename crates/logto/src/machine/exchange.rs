//! [`TokenExchange`]: Logto's token exchange (RFC 8693, Logto RFC 0005): a subject token (a
//! personal access token, an impersonation token, an access token) exchanged for an access token
//! for a resource or an organization, optionally with an actor.

use crate::secret::AccessToken;
use crate::target::TokenTarget;
use std::fmt;

/// What kind of token the subject (or actor) token is (`subject_token_type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubjectTokenType {
    /// `urn:ietf:params:oauth:token-type:access_token`: an access token of the tenant.
    AccessToken,
    /// `urn:logto:token-type:personal_access_token`: a user's personal access token.
    PersonalAccessToken,
    /// `urn:logto:token-type:impersonation_token`: a subject token minted through Logto's
    /// Management API (`POST /api/subject-tokens`) to act for a user.
    ImpersonationToken,
    /// Any other type URI.
    Other(String),
}

impl SubjectTokenType {
    /// The type URI.
    ///
    /// ```
    /// assert_eq!(logto::SubjectTokenType::PersonalAccessToken.as_str(), "urn:logto:token-type:personal_access_token");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            Self::AccessToken => "urn:ietf:params:oauth:token-type:access_token",
            Self::PersonalAccessToken => "urn:logto:token-type:personal_access_token",
            Self::ImpersonationToken => "urn:logto:token-type:impersonation_token",
            Self::Other(uri) => uri,
        }
    }
}

/// A token-exchange request.
///
/// ```
/// use logto::{SubjectTokenType, TokenExchange, TokenTarget};
///
/// let request = TokenExchange::new("pat_...", SubjectTokenType::PersonalAccessToken)
///     .target(TokenTarget::resource("https://api.example.com"))
///     .scopes(["read:data"]);
/// assert!(!format!("{request:?}").contains("pat_"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenExchange {
    /// The token to exchange.
    pub subject_token: AccessToken,
    /// Its type.
    pub subject_token_type: SubjectTokenType,
    /// Who acts (an access token of the actor, adding an `act` claim), if anyone.
    pub actor_token: Option<(AccessToken, SubjectTokenType)>,
    /// What the new token is for ([`TokenTarget::UserInfo`]: an opaque token).
    pub target: TokenTarget,
    /// The scopes to ask for.
    pub scopes: Vec<String>,
}

impl fmt::Debug for TokenExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenExchange")
            .field("subject_token_type", &self.subject_token_type)
            .field("actor", &self.actor_token.as_ref().map(|(_, kind)| kind))
            .field("target", &self.target)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl TokenExchange {
    /// Exchanges `subject_token` of `kind`.
    pub fn new(subject_token: impl Into<AccessToken>, kind: SubjectTokenType) -> Self {
        Self {
            subject_token: subject_token.into(),
            subject_token_type: kind,
            actor_token: None,
            target: TokenTarget::UserInfo,
            scopes: Vec::new(),
        }
    }

    /// Sets the target of the new token.
    pub fn target(mut self, target: impl Into<TokenTarget>) -> Self {
        self.target = target.into();
        self
    }

    /// Sets the scopes to ask for.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Names the actor: the new token says in its `act` claim that this actor acts for the subject.
    pub fn actor(mut self, actor_token: impl Into<AccessToken>, kind: SubjectTokenType) -> Self {
        self.actor_token = Some((actor_token.into(), kind));
        self
    }
}
