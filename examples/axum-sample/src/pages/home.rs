//! `/`: what the sample is and the sign-in buttons; once signed in, who is signed in and the
//! session: the ID token, the refresh token's presence and every access token it holds.

use crate::AppState;
use crate::layout::page;
use crate::tokens::{HeldToken, table};
use crate::view::{audience, avatar, badge, code, date, display_name, expiry, role_chips, row, verified};
use axum::extract::State;
use axum::response::Html;
use logto::IdTokenClaims;
use logto_axum::{AuthError, SignedInUser, escape_html};

pub(crate) async fn home(State(state): State<AppState>, user: Option<SignedInUser>) -> Html<String> {
    match user {
        Some(user) => signed_in(&state, &user).await,
        None => signed_out(),
    }
}

fn signed_out() -> Html<String> {
    let features = [
        (
            "Who is signed in",
            "The profile from the ID token, and everything Logto's userinfo endpoint knows.",
        ),
        ("The session's tokens", "Each access token with its audience, scopes and a live expiry countdown."),
        ("Organizations", "The organizations the user belongs to, the roles there, the organization tokens."),
        ("A protected API", "A server-side call of this app's own API with the access token, and without."),
    ];
    let features: String = features
        .iter()
        .map(|(title, text)| format!("<div class=\"card feature\"><h2>{title}</h2><p>{text}</p></div>"))
        .collect();
    page(
        "Welcome",
        "/",
        None,
        &format!(
            "<section class=\"card hero\"><div><span class=\"badge muted dot\" id=\"status\">Not authenticated</span>\
             <h1>Sign in with Logto, from Rust</h1>\
             <p class=\"lead\">This is the Logto axum sample: a small web app built with the Logto Rust SDK \
             (<code>logto</code> and <code>logto-axum</code>). Sign in to see your session the way the app sees it.</p>\
             <div class=\"actions\"><a id=\"sign-in\" class=\"btn primary\" href=\"/sign-in\">Sign in</a>\
             <a id=\"sign-up\" class=\"btn secondary\" href=\"/sign-up\">Create account</a></div></div>\
             <ol class=\"steps\"><li><strong>You sign in at Logto</strong>on its sign-in page, not on this app.</li>\
             <li><strong>Logto sends you back</strong>and the app's server trades the code for tokens, checking each one.</li>\
             <li><strong>The tokens stay on the server</strong>in your session; your browser keeps only a cookie.</li></ol></section>\
             <div class=\"grid four\">{features}</div>"
        ),
    )
}

async fn signed_in(state: &AppState, user: &SignedInUser) -> Html<String> {
    let claims = user.claims();
    let client = user.client();
    let mut tokens =
        vec![HeldToken::user_info(client).await, HeldToken::resource(client, &state.api_resource).await];
    for organization in claims.organizations.iter().flatten() {
        tokens.push(HeldToken::organization(client, organization).await);
    }
    let refresh = match client.get_refresh_token().await {
        Ok(Some(_)) => format!(
            "{} <span class=\"note\">The SDK uses it to get fresh access tokens. Its value never leaves the server.</span>",
            badge("ok", "present")
        ),
        Ok(None) => format!(
            "{} <span class=\"note\">Request the <code>offline_access</code> scope to get one.</span>",
            badge("warn", "absent")
        ),
        Err(error) => badge("bad", &AuthError(error).public_message()),
    };
    let session = [
        row("Issuer", "iss", &code(&claims.iss)),
        row(
            "Audience",
            "aud",
            &format!("{} <span class=\"note\">this app's id</span>", audience(&claims.aud)),
        ),
        row("Issued", "iat", &date(claims.iat.seconds())),
        row("Expiry", "exp", &expiry(claims.exp.seconds())),
        row("Refresh token", "", &refresh),
        row(
            "Stored in",
            "",
            &format!("{} <span class=\"note\">The cookie holds only the session id.</span>", state.store),
        ),
    ]
    .concat();
    page(
        "Home",
        "/",
        Some(claims),
        &format!(
            "<div class=\"home-top\">{profile}\
             <section class=\"card\"><h2>Session</h2><p class=\"sub\">From the ID token, verified at sign-in.</p>\
             <table class=\"kv\" id=\"session\">{session}</table></section></div>\
             <section class=\"card\"><h2>Access tokens</h2><p class=\"sub\">The tokens this session holds, \
             decoded (not verified: the API they are for verifies them). The values are never shown.</p>{tokens}</section>",
            profile = profile(claims),
            tokens = table(&tokens),
        ),
    )
}

fn profile(claims: &IdTokenClaims) -> String {
    let username =
        claims.username.as_ref().map(|name| format!("<p class=\"handle\">@{}</p>", escape_html(name)));
    let mut facts = Vec::new();
    if let Some(email) = &claims.email {
        facts.push(("Email", format!("{}{}", escape_html(email), verified(claims.email_verified))));
    }
    if let Some(phone) = &claims.phone_number {
        facts.push(("Phone", format!("{}{}", escape_html(phone), verified(claims.phone_number_verified))));
    }
    facts.push(("User id", format!("<code id=\"user-sub\">{}</code>", escape_html(&claims.sub))));
    if let Some(roles) = &claims.roles {
        facts.push(("Roles", role_chips(roles.iter().map(String::as_str), "none")));
    }
    let facts: String =
        facts.iter().map(|(label, value)| format!("<dt>{label}</dt><dd>{value}</dd>")).collect();
    format!(
        "<section class=\"card profile\"><div class=\"profile-head\">{avatar}<div>\
         <span class=\"badge ok dot\" id=\"status\">Signed in</span><h1 class=\"name\" id=\"user-name\">{name}</h1>{username}</div></div>\
         <dl class=\"facts\">{facts}</dl><a class=\"more\" href=\"/protected/userinfo\">All user info &rarr;</a></section>",
        avatar = avatar(claims.picture.as_deref(), display_name(claims), ""),
        name = escape_html(display_name(claims)),
        username = username.unwrap_or_default(),
    )
}
