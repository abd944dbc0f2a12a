//! `/protected/organizations/{id}/members`: an organization's admin page, for users whose
//! organization role there is `admin` (from the ID token's `organization_roles`). It lists the
//! members and their roles, adds a member by user id and changes a member's role, through
//! Logto's Management API with the sample's machine-to-machine app (`LOGTO_M2M_APP_ID`,
//! `LOGTO_M2M_APP_SECRET`: a role with the Management API's `all` permission).

use crate::AppState;
use crate::layout::{heading, page};
use crate::view::{code, role_chips};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use logto_axum::{RedirectToSignIn, SignedInUser, escape_html};
use logto_management::generated::{
    AddOrganizationUsersBody, ListOrganizationUsersQuery, ReplaceOrganizationUserRolesBody,
};
use logto_management::{Error, ManagementClient};
use serde::Deserialize;

/// The role that may administer an organization here.
const ADMIN_ROLE: &str = "admin";

/// What the page's forms send: add `user_id`, or give `user_id` the role `role`.
#[derive(Debug, Deserialize)]
pub(crate) struct MemberChange {
    user_id: String,
    role: Option<String>,
}

fn is_admin(user: &SignedInUser<RedirectToSignIn>, organization: &str) -> bool {
    let wanted = format!("{organization}:{ADMIN_ROLE}");
    user.claims().organization_roles.as_ref().is_some_and(|roles| roles.contains(&wanted))
}

pub(crate) async fn members(
    State(state): State<AppState>,
    user: SignedInUser<RedirectToSignIn>,
    Path(organization): Path<String>,
) -> Response {
    render(&state, &user, &organization, None).await
}

pub(crate) async fn change_members(
    State(state): State<AppState>,
    user: SignedInUser<RedirectToSignIn>,
    Path(organization): Path<String>,
    Form(change): Form<MemberChange>,
) -> Response {
    if !is_admin(&user, &organization) {
        return render(&state, &user, &organization, None).await;
    }
    let Some(management) = &state.management else {
        return render(&state, &user, &organization, None).await;
    };
    let user_id = change.user_id.trim().to_owned();
    let outcome = apply(management, &organization, &user_id, change.role.as_deref()).await;
    let note = match outcome {
        Ok(done) => format!("<p class=\"granted\" id=\"members-saved\">{}</p>", escape_html(&done)),
        Err(error) => {
            format!("<p class=\"refused\" id=\"members-error\">{}</p>", escape_html(&explain(&error)))
        }
    };
    render(&state, &user, &organization, Some(note)).await
}

async fn apply(
    management: &ManagementClient,
    organization: &str,
    user_id: &str,
    role: Option<&str>,
) -> Result<String, Error> {
    let organizations = management.organizations();
    match role.map(str::trim).filter(|role| !role.is_empty()) {
        Some(role) => {
            let body = ReplaceOrganizationUserRolesBody {
                organization_role_names: Some(vec![role.to_owned()]),
                ..Default::default()
            };
            organizations.replace_organization_user_roles(organization, user_id, &body).await?;
            Ok(format!("{user_id} now has the role {role}."))
        }
        None => {
            let body = AddOrganizationUsersBody { user_ids: vec![user_id.to_owned()], ..Default::default() };
            organizations.add_organization_users(organization, &body).await?;
            Ok(format!("{user_id} is now a member."))
        }
    }
}

fn explain(error: &Error) -> String {
    match error {
        Error::Api { status, code, message, .. } => {
            format!("Logto answered HTTP {status} ({}): {message}", code.as_deref().unwrap_or("no code"))
        }
        _ => "Logto's Management API did not answer.".to_owned(),
    }
}

async fn render(
    state: &AppState,
    user: &SignedInUser<RedirectToSignIn>,
    organization: &str,
    note: Option<String>,
) -> Response {
    let title = format!("Members of {organization}");
    let lead = "An organization admin page: the members and their roles, read and changed through Logto's \
                Management API with the app's machine-to-machine credentials.";
    let shell = |status: StatusCode, content: String| {
        let body = format!("{}{content}", heading(&title, lead));
        (status, page(&title, "/protected/organizations", Some(user.claims()), &body)).into_response()
    };
    if !is_admin(user, organization) {
        return shell(
            StatusCode::FORBIDDEN,
            format!(
                "<section class=\"card\"><h2>Not an admin</h2><p class=\"sub\" id=\"members-refused\">Only a user whose role in {} is \
                 <code>{ADMIN_ROLE}</code> may administer it.</p></section>",
                code(organization)
            ),
        );
    }
    let Some(management) = &state.management else {
        return shell(
            StatusCode::OK,
            "<section class=\"card\"><h2>Off</h2><p class=\"sub\" id=\"members-off\">Set <code>LOGTO_M2M_APP_ID</code> and \
             <code>LOGTO_M2M_APP_SECRET</code> (a machine-to-machine app with the Management API's <code>all</code> \
             permission) to manage members here.</p></section>"
                .to_owned(),
        );
    };
    let listed: Result<Vec<_>, Error> = management
        .organizations()
        .list_organization_users_all(organization, &ListOrganizationUsersQuery::default())
        .try_collect()
        .await;
    let rows = match listed {
        Ok(members) => members
            .iter()
            .map(|member| {
                let roles = member.organization_roles.iter().map(|role| role.name.as_str());
                format!(
                    "<tr data-member=\"{id}\"><td>{}</td><td>{}</td><td>{}</td></tr>",
                    code(&member.id),
                    escape_html(member.username.as_deref().or(member.name.as_deref()).unwrap_or("—")),
                    role_chips(roles, "no roles"),
                    id = escape_html(&member.id),
                )
            })
            .collect::<String>(),
        Err(error) => {
            format!("<tr><td colspan=\"3\" id=\"members-error\">{}</td></tr>", escape_html(&explain(&error)))
        }
    };
    let action = format!("/protected/organizations/{}/members", escape_html(organization));
    shell(
        StatusCode::OK,
        format!(
            "<section class=\"card\"><h2>Members</h2><table class=\"kv\" id=\"members\"><tr><th>User id</th><th>User</th><th>Roles</th></tr>{rows}</table>{note}</section>\
             <div class=\"grid\"><section class=\"card\"><h2>Add a member</h2>\
             <form class=\"inline\" method=\"post\" action=\"{action}\"><input type=\"text\" name=\"user_id\" id=\"add-user-id\" placeholder=\"user id\" required>\
             <button class=\"btn primary\" type=\"submit\" id=\"add-member\">Add</button></form></section>\
             <section class=\"card\"><h2>Change a role</h2>\
             <form class=\"inline\" method=\"post\" action=\"{action}\"><input type=\"text\" name=\"user_id\" id=\"role-user-id\" placeholder=\"user id\" required>\
             <input type=\"text\" name=\"role\" id=\"role-name\" placeholder=\"role name\" required>\
             <button class=\"btn secondary\" type=\"submit\" id=\"change-role\">Change</button></form></section></div>",
            note = note.unwrap_or_default(),
        ),
    )
}
