//! The real-Logto leg of `logto-management`: against a Logto provisioned by
//! `testing/real-logto/provision.py` (its env file named by `LOGTO_REAL_ENV`; without it the test
//! says so and passes), the management app creates an organization, adds a user and gives them
//! an organization role, pages through the users, reads Logto's typed errors; the user changes
//! their own name through the Account API; then everything is put back.

use futures_util::TryStreamExt;
use logto::{LogtoClient, LogtoConfig, MemoryStorage};
use logto_management::generated::{
    AddOrganizationUsersBody, AssignOrganizationRolesToUserBody, CreateOrganizationBody, CreateUserBody,
    ListUsersQuery, UpdateAccountCenterSettingsBody, UpdateProfileBody,
};
use logto_management::{AccountClient, Error, ManagementClient};
use logto_test_idp::real_logto;
use std::sync::Arc;

const APP: &str = "http://127.0.0.1:3000";

#[tokio::test]
async fn organizations_users_errors_and_the_account_api_against_a_real_logto() {
    let Some(env) = real_logto::env("organizations_users_errors_and_the_account_api_against_a_real_logto")
    else {
        return;
    };
    let endpoint = &env["LOGTO_ENDPOINT"];
    let logto =
        ManagementClient::new(endpoint, &env["LOGTO_MANAGEMENT_APP_ID"], &env["LOGTO_MANAGEMENT_APP_SECRET"])
            .expect("management client");
    let outsider = &env["LOGTO_OUTSIDER_ID"];
    let unique = format!(
        "{:x}",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );

    // An organization with the outsider in it, with an organization role.
    let body = CreateOrganizationBody { name: format!("SDK management test {unique}"), ..Default::default() };
    let organization = logto.organizations().create_organization(&body).await.expect("organization created");
    let members = AddOrganizationUsersBody { user_ids: vec![outsider.clone()], ..Default::default() };
    logto.organizations().add_organization_users(&organization.id, &members).await.expect("member added");
    let roles = AssignOrganizationRolesToUserBody {
        organization_role_names: Some(vec![env["LOGTO_ORG_USER_ROLE"].clone()]),
        ..Default::default()
    };
    logto
        .organizations()
        .assign_organization_roles_to_user(&organization.id, outsider, &roles)
        .await
        .expect("role given");
    let listed = logto
        .organizations()
        .list_organization_users(&organization.id, &Default::default())
        .await
        .expect("members listed");
    assert_eq!(listed.total, Some(1));
    assert_eq!(listed.items[0].id, *outsider);
    assert_eq!(listed.items[0].organization_roles[0].name, env["LOGTO_ORG_USER_ROLE"]);

    // Every user, one a page: the stream walks Logto's pages to its total.
    let first =
        logto.users().list_users(&ListUsersQuery { page_size: Some(1), ..Default::default() }).await.unwrap();
    let total = first.total.expect("Logto's Total-Number");
    assert!(total >= 2 && first.items.len() == 1, "{total}");
    let everyone: Vec<_> = logto
        .users()
        .list_users_all(&ListUsersQuery { page_size: Some(1), ..Default::default() })
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(everyone.len() as u64, total);
    assert!(everyone.iter().any(|user| user.id == *outsider));

    // Logto's refusals, typed.
    let missing = logto.users().get_user("no-such-user", &Default::default()).await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    assert_eq!(missing.code(), Some("entity.not_found"), "{missing}");
    let nobody = AddOrganizationUsersBody { user_ids: vec!["no-such-user".into()], ..Default::default() };
    let refused = logto.organizations().add_organization_users(&organization.id, &nobody).await.unwrap_err();
    assert_eq!(
        (refused.status(), refused.code()),
        (Some(422), Some("entity.relation_foreign_key_not_found")),
        "{refused}"
    );
    let taken = CreateUserBody { username: Some(env["LOGTO_MEMBER_USERNAME"].clone()), ..Default::default() };
    let refused = logto.users().create_user(&taken).await.unwrap_err();
    assert_eq!(
        (refused.status(), refused.code()),
        (Some(422), Some("user.username_already_in_use")),
        "{refused}"
    );

    // The Account API: on in the account center, the user changes their own name.
    let before = logto.account_center().get_account_center_settings().await.expect("account center");
    let open: UpdateAccountCenterSettingsBody = serde_json::from_value(
        serde_json::json!({ "enabled": true, "fields": { "name": "Edit", "username": "ReadOnly" } }),
    )
    .unwrap();
    logto.account_center().update_account_center_settings(&open).await.expect("account center on");
    let config = LogtoConfig::new(endpoint, &env["LOGTO_WEB_APP_ID"])
        .with_app_secret(env["LOGTO_WEB_APP_SECRET"].as_str());
    let client = LogtoClient::new(config, Arc::new(MemoryStorage::new())).unwrap();
    let url = client.sign_in(format!("{APP}/callback")).await.unwrap();
    let callback = real_logto::sign_in(&real_logto::cookie_client(), &env, &url, "OUTSIDER", &[APP]).await;
    client.handle_sign_in_callback(&callback).await.expect("signed in");
    let account = AccountClient::for_user(&client).unwrap();
    let name = format!("Outsider {unique}");
    let change = UpdateProfileBody { name: Some(name.clone()), ..Default::default() };
    let changed = account.my_account().update_profile(&change).await.expect("name changed");
    assert_eq!(changed.name.as_deref(), Some(name.as_str()));
    let me = account.my_account().get_profile().await.expect("profile");
    assert_eq!((me.id.as_deref(), me.name.as_deref()), (Some(outsider.as_str()), Some(name.as_str())));
    assert_eq!(
        logto.users().get_user(outsider, &Default::default()).await.unwrap().name.as_deref(),
        Some(name.as_str())
    );
    // A field the account center keeps read-only is refused, typed.
    let username = UpdateProfileBody { username: Some(format!("renamed{unique}")), ..Default::default() };
    let closed = account.my_account().update_profile(&username).await.unwrap_err();
    assert!(matches!(closed, Error::Api { status: 400..=403, .. }), "{closed}");

    // Put everything back.
    let restore: UpdateAccountCenterSettingsBody = serde_json::from_value(serde_json::json!({
        "enabled": before.enabled, "fields": before.fields
    }))
    .unwrap();
    logto.account_center().update_account_center_settings(&restore).await.expect("account center restored");
    logto.organizations().delete_organization(&organization.id).await.expect("organization deleted");
    let gone = logto.organizations().get_organization(&organization.id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
}
