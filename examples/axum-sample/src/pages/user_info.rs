//! `/protected/userinfo`: the user's claims from Logto's userinfo endpoint (fetched with the
//! user-info token), as tables by topic; custom data pretty-printed.

use crate::errors::auth_error_page;
use crate::layout::{heading, page};
use crate::view::{chips, code, extra_claim_row, link, pretty, role_chips, row, verified};
use axum::response::{IntoResponse, Response};
use logto::UserInfoResponse;
use logto_axum::{AuthError, RedirectToSignIn, SignedInUser, escape_html};
use std::collections::HashMap;

/// The cards of the page: title, what it says, and the claims it shows, in order.
const GROUPS: [(&str, &str, &[&str]); 3] = [
    (
        "Profile",
        "Who the user is.",
        &[
            "sub",
            "name",
            "username",
            "picture",
            "email",
            "phone_number",
            "address",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "Roles and organizations",
        "What the user may do, here and in each organization.",
        &["roles", "organizations", "organization_roles", "organization_data"],
    ),
    (
        "Custom data and identities",
        "Only the userinfo endpoint has these: they are not in the ID token.",
        &["custom_data", "identities", "sso_identities"],
    ),
];

pub(crate) async fn user_info(user: SignedInUser<RedirectToSignIn>) -> Response {
    let info = match user.fetch_user_info().await {
        Ok(info) => info,
        Err(error) => return auth_error_page(AuthError(error)),
    };
    let mut rows = rows(&info);
    let mut cards = String::new();
    for (title, about, claims) in GROUPS {
        let group: String = claims.iter().filter_map(|claim| rows.remove(*claim)).collect();
        if !group.is_empty() {
            cards.push_str(&card(title, about, &group));
        }
    }
    let mut other: Vec<_> = rows.into_iter().collect();
    if !other.is_empty() {
        other.sort();
        let other: String = other.into_iter().map(|(_, row)| row).collect();
        cards.push_str(&card("Other claims", "Claims this page does not know by name.", &other));
    }
    page(
        "User info",
        "/protected/userinfo",
        Some(user.claims()),
        &format!(
            "{}<div id=\"userinfo\">{cards}</div>",
            heading(
                "User info",
                "Fresh from Logto's userinfo endpoint, asked with the session's user-info token. It has \
                 what the ID token leaves out, such as custom data and linked identities."
            ),
        ),
    )
    .into_response()
}

fn card(title: &str, about: &str, rows: &str) -> String {
    format!(
        "<section class=\"card\"><h2>{title}</h2><p class=\"sub\">{about}</p><table class=\"kv\">{rows}</table></section>"
    )
}

/// A table row per claim, by claim name.
fn rows(info: &UserInfoResponse) -> HashMap<String, String> {
    let text = |value: &Option<String>| value.as_deref().map(escape_html);
    let list = |value: &Option<Vec<String>>| {
        value.as_ref().map(|items| chips(items.iter().map(String::as_str), "none"))
    };
    let roles = |value: &Option<Vec<String>>| {
        value.as_ref().map(|items| role_chips(items.iter().map(String::as_str), "none"))
    };
    let mut rows = HashMap::from([("sub".to_owned(), row("Subject (user id)", "sub", &code(&info.sub)))]);
    let named = [
        ("Name", "name", text(&info.name)),
        ("Username", "username", text(&info.username)),
        ("Picture", "picture", info.picture.as_deref().map(link)),
        (
            "Email",
            "email",
            info.email
                .as_ref()
                .map(|email| format!("{}{}", escape_html(email), verified(info.email_verified))),
        ),
        (
            "Phone",
            "phone_number",
            info.phone_number
                .as_ref()
                .map(|phone| format!("{}{}", escape_html(phone), verified(info.phone_number_verified))),
        ),
        ("Roles", "roles", roles(&info.roles)),
        ("Organizations", "organizations", list(&info.organizations)),
        ("Organization roles", "organization_roles", roles(&info.organization_roles)),
        (
            "Custom data",
            "custom_data",
            info.custom_data.as_ref().map(|data| format!("<pre id=\"custom-data\">{}</pre>", pretty(data))),
        ),
        (
            "Linked identities",
            "identities",
            info.identities.as_ref().map(|identities| {
                let mut providers: Vec<_> = identities.iter().collect();
                providers.sort_by_key(|(provider, _)| provider.as_str());
                providers
                    .iter()
                    .map(|(provider, identity)| {
                        format!(
                            "<div><strong>{}</strong> <span class=\"muted\">as</span> {}</div>",
                            escape_html(provider),
                            code(&identity.user_id)
                        )
                    })
                    .collect::<String>()
            }),
        ),
    ];
    rows.extend(named.into_iter().filter_map(|(label, claim, value)| {
        value.map(|value| (claim.to_owned(), row(label, claim, &value)))
    }));
    rows.extend(info.extra.iter().map(|(claim, value)| (claim.clone(), extra_claim_row(claim, value))));
    rows
}
