//! `/protected/organizations`: each organization the user belongs to, the user's roles in it
//! and its organization token; `?check=<id>` asks for the token of any organization id and
//! shows the answer, a refusal for one the user is not a member of.

use crate::layout::{heading, page};
use crate::view::{access_token_rows, badge, code, role_chips};
use axum::extract::Query;
use axum::response::Html;
use logto::{IdTokenClaims, LogtoClient, LogtoError, OrganizationError};
use logto_axum::{AuthError, RedirectToSignIn, SignedInUser, escape_html};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
pub(crate) struct Check {
    check: Option<String>,
}

/// The longest organization id the check form sends on.
const MAX_ID_LEN: usize = 128;

pub(crate) async fn organizations(
    user: SignedInUser<RedirectToSignIn>,
    Query(query): Query<Check>,
) -> Html<String> {
    let claims = user.claims();
    let client = user.client();
    let names = organization_names(&user).await;
    let mut cards = String::new();
    let member_of = claims.organizations.clone().unwrap_or_default();
    if member_of.is_empty() {
        cards.push_str("<section class=\"card\"><h2>No organizations</h2><p class=\"sub\">The user is not a member of any organization.</p></section>");
    }
    for organization in &member_of {
        cards
            .push_str(&card(client, claims, organization, names.get(organization).map(String::as_str)).await);
    }
    let check = query.check.as_deref().map(str::trim).filter(|id| !id.is_empty());
    let checked = match check {
        Some(id) if id.len() > MAX_ID_LEN => refusal(id, "That is longer than any organization id."),
        Some(id) if member_of.iter().any(|member| member == id) => {
            format!(
                "<div class=\"granted\" id=\"granted\">The user is a member of {}: its token is shown above.</div>",
                code(id)
            )
        }
        Some(id) => match client.get_organization_token_claims(id).await {
            Ok(token) => format!(
                "<div class=\"granted\" id=\"granted\"><strong>A token for {}</strong><table class=\"kv\">{}</table></div>",
                code(id),
                access_token_rows(&token)
            ),
            Err(error) => refusal(id, &refusal_reason(error)),
        },
        None => String::new(),
    };
    page(
        "Organizations",
        "/protected/organizations",
        Some(claims),
        &format!(
            "{}<div class=\"grid\">{cards}</div><section class=\"card\"><h2>Ask for another organization's token</h2>\
             <p class=\"sub\">The identity server decides: a token for an organization the user is not a member of is refused.</p>\
             <form class=\"inline\" method=\"get\" action=\"/protected/organizations\">\
             <input type=\"text\" name=\"check\" id=\"check\" placeholder=\"organization id\" maxlength=\"{MAX_ID_LEN}\" value=\"{value}\" required>\
             <button class=\"btn secondary\" type=\"submit\">Ask for a token</button></form>{checked}</section>",
            heading(
                "Organizations",
                "The organizations in the ID token, the user's roles in each, and the organization token the \
                 session gets for each: its scopes are what the user's roles allow there."
            ),
            value = escape_html(check.unwrap_or_default()),
        ),
    )
}

/// One organization: name, roles and its token.
async fn card(
    client: &LogtoClient,
    claims: &IdTokenClaims,
    organization: &str,
    name: Option<&str>,
) -> String {
    let prefix = format!("{organization}:");
    let roles = claims.organization_roles.iter().flatten().filter_map(|role| role.strip_prefix(&prefix));
    let token = match client.get_organization_token_claims(organization).await {
        Ok(token) => format!("<table class=\"kv\">{}</table>", access_token_rows(&token)),
        Err(error) => format!("<p>{} {}</p>", badge("bad", "no token"), escape_html(&refusal_reason(error))),
    };
    format!(
        "<section class=\"card organization\" data-organization=\"{id}\"><div class=\"org-head\"><h2>{title}</h2>{code}</div>\
         <p class=\"sub\">Roles: {roles}</p><h3>Organization token</h3>{token}</section>",
        id = escape_html(organization),
        title = escape_html(name.unwrap_or(organization)),
        code = code(organization),
        roles = role_chips(roles, "no roles"),
    )
}

fn refusal(organization: &str, reason: &str) -> String {
    format!(
        "<div class=\"refusal\" id=\"refusal\"><strong>No token for {}</strong><p>{}</p></div>",
        code(organization),
        escape_html(reason)
    )
}

/// Why no organization token, in words.
fn refusal_reason(error: LogtoError) -> String {
    match &error {
        LogtoError::Organization { reason: OrganizationError::NotMember, .. } => {
            "The user is not a member of this organization, so the identity server refused the token (403 access_denied).".to_owned()
        }
        LogtoError::Organization { reason: OrganizationError::InsufficientScope, .. } => {
            "This session was not granted the organizations scope. Sign out and sign in again.".to_owned()
        }
        _ => AuthError(error).public_message(),
    }
}

/// Organization names by id, from the userinfo `organization_data` claim (only ids without it).
async fn organization_names(user: &SignedInUser<RedirectToSignIn>) -> HashMap<String, String> {
    let Ok(info) = user.fetch_user_info().await else {
        return HashMap::new();
    };
    let Some(Value::Array(organizations)) = info.extra.get("organization_data") else {
        return HashMap::new();
    };
    organizations
        .iter()
        .filter_map(|organization| {
            let id = organization.get("id")?.as_str()?;
            let name = organization.get("name")?.as_str()?;
            Some((id.to_owned(), name.to_owned()))
        })
        .collect()
}
