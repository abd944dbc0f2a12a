//! The access tokens of a session, as the pages show them: what each is for, its audience,
//! scopes and expiry, read from the JWT with the core's decoder. Never the token itself.

use crate::view::{audience, chips, code, expiry};
use logto::{AccessTokenClaims, LogtoClient, TokenTarget};
use logto_axum::{AuthError, escape_html};

/// One access token of the session, or why the session could not get it.
#[derive(Debug)]
pub(crate) struct HeldToken {
    /// What the token is for (HTML).
    pub(crate) label: String,
    /// A line about it (HTML).
    pub(crate) note: String,
    /// The decoded claims; `Ok(None)` for the opaque user-info token.
    pub(crate) claims: Result<Option<AccessTokenClaims>, AuthError>,
}

impl HeldToken {
    /// The opaque token of the userinfo endpoint (the sign-in's own access token).
    pub(crate) async fn user_info(client: &LogtoClient) -> Self {
        Self {
            label: "User info".to_owned(),
            note: "for the userinfo endpoint".to_owned(),
            claims: client.get_access_token(TokenTarget::UserInfo).await.map(|_| None).map_err(AuthError),
        }
    }

    /// The JWT for the API resource `resource`.
    pub(crate) async fn resource(client: &LogtoClient, resource: &str) -> Self {
        Self {
            label: "API resource".to_owned(),
            note: "sent to the API as a bearer token".to_owned(),
            claims: client.get_access_token_claims(resource).await.map(Some).map_err(AuthError),
        }
    }

    /// The organization token of `organization_id`.
    pub(crate) async fn organization(client: &LogtoClient, organization_id: &str) -> Self {
        Self {
            label: "Organization".to_owned(),
            note: code(organization_id),
            claims: client.get_organization_token_claims(organization_id).await.map(Some).map_err(AuthError),
        }
    }

    /// The token's row in [`table`].
    fn row(&self) -> String {
        let cells = match &self.claims {
            Ok(Some(claims)) => format!(
                "<td>{}</td><td>{}</td><td>{}</td>",
                audience(&claims.aud),
                chips(claims.scopes(), "no scopes granted"),
                expiry(claims.exp.seconds()),
            ),
            Ok(None) => "<td colspan=\"3\"><span class=\"badge muted\">opaque</span> \
                 <span class=\"explain\">Not a JWT, so the app cannot read its audience, scopes or \
                 expiry; the SDK knows its lifetime from the token response and renews it before it runs out.</span></td>"
                .to_owned(),
            Err(error) => format!(
                "<td colspan=\"3\"><span class=\"badge bad\">unavailable</span> <span class=\"explain\">{}</span></td>",
                escape_html(&error.public_message())
            ),
        };
        format!(
            "<tr class=\"token\"><td><strong>{}</strong><span class=\"note\">{}</span></td>{cells}</tr>",
            self.label, self.note
        )
    }
}

/// The tokens as a table: token, audience, scopes, expiry.
pub(crate) fn table(tokens: &[HeldToken]) -> String {
    let rows: String = tokens.iter().map(HeldToken::row).collect();
    format!(
        "<table class=\"list\" id=\"tokens\"><thead><tr><th style=\"width:22%\">Token</th><th style=\"width:32%\">Audience</th>\
         <th>Scopes</th><th style=\"width:23%\">Expiry</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}
