//! `/protected`: a page only signed-in users reach; it shows the ID token's claims.

use crate::layout::{heading, page};
use crate::view::{audience, chips, code, date, expiry, extra_claim_row, link, role_chips, row, verified};
use axum::response::Html;
use logto_axum::{RedirectToSignIn, SignedInUser, escape_html};

pub(crate) async fn id_token(user: SignedInUser<RedirectToSignIn>) -> Html<String> {
    let claims = user.claims();
    let text = |value: &Option<String>| value.as_deref().map(escape_html);
    let list = |value: &Option<Vec<String>>| {
        value.as_ref().map(|items| chips(items.iter().map(String::as_str), "none"))
    };
    let roles = |value: &Option<Vec<String>>| {
        value.as_ref().map(|items| role_chips(items.iter().map(String::as_str), "none"))
    };
    let about_user = [
        ("Name", "name", text(&claims.name)),
        ("Username", "username", text(&claims.username)),
        ("Picture", "picture", claims.picture.as_deref().map(link)),
        (
            "Email",
            "email",
            claims
                .email
                .as_ref()
                .map(|email| format!("{}{}", escape_html(email), verified(claims.email_verified))),
        ),
        (
            "Phone",
            "phone_number",
            claims
                .phone_number
                .as_ref()
                .map(|phone| format!("{}{}", escape_html(phone), verified(claims.phone_number_verified))),
        ),
        ("Roles", "roles", roles(&claims.roles)),
        ("Organizations", "organizations", list(&claims.organizations)),
        ("Organization roles", "organization_roles", roles(&claims.organization_roles)),
    ];
    let mut token = [
        row("Subject (user id)", "sub", &code(&claims.sub)),
        row("Issuer", "iss", &code(&claims.iss)),
        row("Audience (app id)", "aud", &audience(&claims.aud)),
        row("Issued", "iat", &date(claims.iat.seconds())),
        row("Expiry", "exp", &expiry(claims.exp.seconds())),
    ]
    .concat();
    if let Some(sid) = &claims.sid {
        token.push_str(&row("Session at Logto", "sid", &code(sid)));
    }
    let mut user_rows: String = about_user
        .into_iter()
        .filter_map(|(label, claim, value)| value.map(|value| row(label, claim, &value)))
        .collect();
    let mut extra: Vec<_> = claims.extra.iter().collect();
    extra.sort_by_key(|(claim, _)| claim.as_str());
    for (claim, value) in extra {
        user_rows.push_str(&extra_claim_row(claim, value));
    }
    page(
        "ID token",
        "/protected",
        Some(claims),
        &format!(
            "{}<div id=\"claims\"><section class=\"card\"><h2>The token</h2><p class=\"sub\">Who issued it, for which app, \
             and for how long.</p><table class=\"kv\">{token}</table></section>\
             <section class=\"card\"><h2>The user</h2><p class=\"sub\">What the token says about the user, \
             by the scopes the app asked for.</p><table class=\"kv\">{user_rows}</table></section></div>",
            heading(
                "ID token",
                "A protected page: visitors who are not signed in are sent to sign in first and come back \
                 here. These are the claims of the session's ID token, which the SDK verified (signature, \
                 issuer, audience, expiry) when it received it."
            )
        ),
    )
}
