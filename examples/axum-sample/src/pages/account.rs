//! `/protected/account`: the user's own profile from Logto's Account API (with the session's
//! access token, through `logto-management`'s `AccountClient`), and a form that changes the
//! display name through the same API.

use crate::layout::{heading, page};
use crate::view::{code, pretty};
use axum::Form;
use axum::response::Html;
use logto_axum::{RedirectToSignIn, SignedInUser, escape_html};
use logto_management::generated::{Profile, UpdateProfileBody};
use logto_management::{AccountClient, Error};
use serde::Deserialize;

/// The form of the page: the new display name (empty: none).
#[derive(Debug, Deserialize)]
pub(crate) struct NameChange {
    name: String,
}

pub(crate) async fn account(user: SignedInUser<RedirectToSignIn>) -> Html<String> {
    let answer = match AccountClient::for_user(user.client()) {
        Ok(account) => account.my_account().get_profile().await,
        Err(error) => Err(error),
    };
    render(&user, answer, false)
}

pub(crate) async fn change_account(
    user: SignedInUser<RedirectToSignIn>,
    Form(form): Form<NameChange>,
) -> Html<String> {
    let name: String = form.name.trim().chars().take(128).collect();
    let change = UpdateProfileBody { name: Some(name).filter(|n| !n.is_empty()), ..Default::default() };
    let answer = match AccountClient::for_user(user.client()) {
        Ok(account) => account.my_account().update_profile(&change).await,
        Err(error) => Err(error),
    };
    render(&user, answer, true)
}

fn render(
    user: &SignedInUser<RedirectToSignIn>,
    answer: Result<Profile, Error>,
    saved: bool,
) -> Html<String> {
    let text = |value: &Option<String>| escape_html(value.as_deref().unwrap_or("—"));
    let content = match answer {
        Ok(profile) => {
            let custom_data = profile.custom_data.as_ref().map(pretty).unwrap_or_else(|| "{}".to_owned());
            let saved =
                if saved { "<p class=\"granted\" id=\"account-saved\">Saved at Logto.</p>" } else { "" };
            format!(
                "<section class=\"card\"><h2>Profile</h2><p class=\"sub\">From Logto's Account API, with the user's own access token.</p>\
                 <table class=\"kv\" id=\"account\">\
                 <tr><th>User id</th><td>{id}</td></tr><tr><th>Username</th><td>{username}</td></tr>\
                 <tr><th>Name</th><td><span id=\"account-name\">{name}</span></td></tr>\
                 <tr><th>Email</th><td>{email}</td></tr><tr><th>Phone</th><td>{phone}</td></tr>\
                 <tr><th>Custom data</th><td><span id=\"account-custom-data\">{custom_data}</span></td></tr></table></section>\
                 <section class=\"card\"><h2>Change your name</h2><p class=\"sub\">Sent to the Account API; the next sign-in's ID token has it too.</p>\
                 <form class=\"inline\" method=\"post\" action=\"/protected/account\">\
                 <input type=\"text\" name=\"name\" id=\"name\" maxlength=\"128\" value=\"{value}\" placeholder=\"display name\">\
                 <button class=\"btn primary\" type=\"submit\" id=\"save-name\">Save</button></form>{saved}</section>",
                id = code(profile.id.as_deref().unwrap_or_default()),
                username = text(&profile.username),
                name = text(&profile.name),
                email = text(&profile.primary_email),
                phone = text(&profile.primary_phone),
                value = escape_html(profile.name.as_deref().unwrap_or_default()),
            )
        }
        Err(error) => {
            tracing::warn!(%error, "the Account API call failed");
            let why = match &error {
                Error::Api { status, code, .. } => {
                    format!(
                        "Logto's Account API answered HTTP {status} ({}).",
                        code.as_deref().unwrap_or("no code")
                    )
                }
                _ => "Logto's Account API did not answer.".to_owned(),
            };
            format!(
                "<section class=\"card\"><h2>Not available</h2><p class=\"sub\" id=\"account-error\">{}</p>\
                 <p>The Account API must be enabled in the tenant's account center (Console → Sign-in &amp; account → \
                 Account center) for the fields users may read and change.</p></section>",
                escape_html(&why)
            )
        }
    };
    page(
        "My account",
        "/protected/account",
        Some(user.claims()),
        &format!(
            "{}{content}",
            heading(
                "My account",
                "The signed-in user's own account at Logto, read and changed through Logto's Account API."
            )
        ),
    )
}
