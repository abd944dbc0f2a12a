//! Pages, Logto's errors, retries and the machine token, against a local server in Logto's
//! shapes (the token from the kit, `logto-testing`).

mod common;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use futures_util::TryStreamExt;
use logto_management::generated::{CreateUserBody, ListUsersQuery};
use logto_management::{Error, RetryPolicy};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn user(n: usize) -> serde_json::Value {
    json!({
        "id": format!("u{n}"), "username": format!("user{n}"), "primaryEmail": null, "primaryPhone": null,
        "name": null, "avatar": null, "customData": {"n": n}, "identities": {}, "lastSignInAt": null,
        "createdAt": 1_700_000_000_000_u64, "updatedAt": 1_700_000_000_000_u64, "profile": {},
        "applicationId": null, "isSuspended": false
    })
}

fn query_of(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace("%40", "@").replace("%2E", ".")))
        .collect()
}

/// 250 users, paged as Logto pages them (`page` from 1, `page_size`, `Total-Number`).
fn users_server() -> common::Server {
    common::Server::start(|seen| {
        let query = query_of(&seen.query);
        let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        let size: usize = query.get("page_size").and_then(|p| p.parse().ok()).unwrap_or(20);
        let items: Vec<_> = (0..250).skip((page - 1) * size).take(size).map(user).collect();
        let mut answer = common::json(200, json!(items));
        answer.headers_mut().insert("total-number", "250".parse().unwrap());
        answer
    })
}

#[tokio::test]
async fn a_page_has_its_items_and_logtos_total() {
    let server = users_server();
    let client = server.client(RetryPolicy::none());
    let query = ListUsersQuery { page: Some(2), page_size: Some(100), ..Default::default() };
    let page = client.users().list_users(&query).await.unwrap();
    assert_eq!(page.total, Some(250));
    assert_eq!(page.items.len(), 100);
    assert_eq!(page.items[0].id, "u100");
    assert_eq!(page.items[0].custom_data["n"], 100);
    assert_eq!(server.seen()[0].query, "page=2&page_size=100");
}

#[tokio::test]
async fn every_page_streams_in_order_and_stops_at_the_end() {
    let server = users_server();
    let client = server.client(RetryPolicy::none());
    let mut search = BTreeMap::new();
    search.insert("search.primaryEmail".to_owned(), "%@example.com".to_owned());
    let query = ListUsersQuery { search_params: Some(search), ..Default::default() };
    let users: Vec<_> = client.users().list_users_all(&query).try_collect().await.unwrap();
    assert_eq!(users.len(), 250);
    assert!(users.iter().enumerate().all(|(n, u)| u.id == format!("u{n}")), "in order, none twice");
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "100 a page: 3 requests");
    assert_eq!(seen[2].query, "search.primaryEmail=%25%40example.com&page=3&page_size=100");
}

#[tokio::test]
async fn logtos_error_is_typed_with_its_code() {
    let server = common::Server::start(|_| {
        common::json(
            422,
            json!({"message": "This username is already in use.", "code": "user.username_already_in_use"}),
        )
    });
    let client = server.client(RetryPolicy::none());
    let body = CreateUserBody { username: Some("taken".into()), ..Default::default() };
    let error = client.users().create_user(&body).await.unwrap_err();
    assert_eq!(error.code(), Some("user.username_already_in_use"));
    assert_eq!(error.status(), Some(422));
    assert!(matches!(error, Error::Api { operation: "CreateUser", .. }), "{error:?}");
    let sent: serde_json::Value = serde_json::from_slice(&server.seen()[0].body).unwrap();
    assert_eq!(sent, json!({"username": "taken"}), "unset optional fields are not sent");
}

#[tokio::test]
async fn an_answer_of_another_shape_is_a_decode_error() {
    let server = common::Server::start(|_| common::json(200, json!({"id": 5})));
    let error =
        server.client(RetryPolicy::none()).users().get_user("u1", &Default::default()).await.unwrap_err();
    assert!(matches!(error, Error::Decode { operation: "GetUser", .. }), "{error:?}");
}

#[tokio::test]
async fn rate_limits_and_unavailability_are_retried_as_retry_after_says() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = common::Server::start({
        let calls = calls.clone();
        move |_| match calls.fetch_add(1, Ordering::SeqCst) {
            0 => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")], "slow down").into_response(),
            1 => (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response(),
            _ => common::json(200, user(7)),
        }
    });
    let user =
        server.client(common::quick_retries()).users().get_user("u7", &Default::default()).await.unwrap();
    assert_eq!(user.id, "u7");
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    // A server that keeps refusing: the retries end, with Logto's status.
    let always =
        common::Server::start(|_| (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")]).into_response());
    let error =
        always.client(common::quick_retries()).users().get_user("u7", &Default::default()).await.unwrap_err();
    assert_eq!(error.status(), Some(429));
    assert_eq!(always.seen().len(), 4, "the first request and 3 retries");
    // Other failures are not retried.
    let broken = common::Server::start(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    assert_eq!(
        broken
            .client(common::quick_retries())
            .users()
            .get_user("u7", &Default::default())
            .await
            .unwrap_err()
            .status(),
        Some(500)
    );
    assert_eq!(broken.seen().len(), 1);
}

#[tokio::test]
async fn one_machine_token_serves_many_calls_and_path_ids_are_encoded() {
    let server = common::Server::start(|seen| common::json(200, user(seen.path.len())));
    let client = server.client(RetryPolicy::none());
    for _ in 0..5 {
        client.users().get_user("a/b c", &Default::default()).await.unwrap();
    }
    assert_eq!(server.logto.count_token_requests("client_credentials", None), 1, "the token is cached");
    assert!(server.seen().iter().all(|s| s.path == "/api/users/a%2Fb%20c"));
}

#[tokio::test]
async fn a_token_that_cannot_be_had_is_a_token_error() {
    let server = common::Server::start(|_| common::json(200, json!({})));
    let config = logto::LogtoConfig::new(server.logto.endpoint(), "m2m").with_app_secret("wrong");
    let client = logto_management::ManagementClient::builder(config)
        .resource(common::RESOURCE)
        .api_endpoint(&server.endpoint)
        .build()
        .unwrap();
    let error = client.users().get_user("u1", &Default::default()).await.unwrap_err();
    assert!(matches!(error, Error::Token(_)), "{error:?}");
    assert!(server.seen().is_empty(), "no request without a token");
}

#[tokio::test]
async fn the_account_api_reads_and_changes_the_signed_in_users_profile() {
    use logto_management::AccountClient;
    use logto_management::generated::UpdateProfileBody;
    use logto_testing::{App, MockLogto, User};

    let logto = MockLogto::start().unwrap();
    logto.add_app(App::traditional("web", "web-secret").redirect_uri("http://127.0.0.1:3000/callback"));
    logto.add_user(User::new("u_alice").username("alice").email("alice@example.com"));
    let config = logto::LogtoConfig::new(logto.endpoint(), "web").with_app_secret("web-secret");
    let client = logto::LogtoClient::new(config, Arc::new(logto::MemoryStorage::new())).unwrap();
    let url = client.sign_in("http://127.0.0.1:3000/callback").await.unwrap();
    client.handle_sign_in_callback(&logto.callback_for(&url).await.unwrap()).await.unwrap();

    let account = AccountClient::for_user(&client).unwrap();
    let me = account.my_account().get_profile().await.unwrap();
    assert_eq!((me.id.as_deref(), me.username.as_deref()), (Some("u_alice"), Some("alice")));
    let mut custom_data = serde_json::Map::new();
    custom_data.insert("plan".into(), json!("pro"));
    let change = UpdateProfileBody {
        name: Some("Alice A.".into()),
        custom_data: Some(custom_data),
        ..Default::default()
    };
    let changed = account.my_account().update_profile(&change).await.unwrap();
    assert_eq!(changed.name.as_deref(), Some("Alice A."));
    assert_eq!(account.my_account().get_profile().await.unwrap().custom_data.unwrap()["plan"], "pro");
    assert_eq!(client.fetch_user_info().await.unwrap().name.as_deref(), Some("Alice A."), "the same user");

    // Signed out: no token to send.
    client.sign_out(None).await.unwrap();
    let error = account.my_account().get_profile().await.unwrap_err();
    assert!(matches!(error, Error::Token(logto::LogtoError::NotAuthenticated)), "{error:?}");
}

#[tokio::test]
async fn an_organizations_members_and_roles_against_the_kit() {
    use logto_management::ManagementClient;
    use logto_management::generated::{
        AddOrganizationUsersBody, ListOrganizationUsersQuery, ReplaceOrganizationUserRolesBody,
    };
    use logto_testing::{App, MockLogto, User};

    let logto = MockLogto::start().unwrap();
    logto.add_app(App::machine_to_machine("admin", "admin-secret").management_api_access());
    logto.add_user(User::new("u_alice").username("alice").organization("org_acme", ["admin"], ["read:org"]));
    logto.add_user(User::new("u_bob").username("bob"));
    let admin = ManagementClient::new(logto.endpoint(), "admin", "admin-secret").unwrap();
    let organizations = admin.organizations();

    let members = organizations
        .list_organization_users("org_acme", &ListOrganizationUsersQuery::default())
        .await
        .unwrap();
    assert_eq!((members.total, members.items.len()), (Some(1), 1));
    assert_eq!(members.items[0].username.as_deref(), Some("alice"));
    let body = AddOrganizationUsersBody { user_ids: vec!["u_bob".into()], ..Default::default() };
    organizations.add_organization_users("org_acme", &body).await.unwrap();
    let roles = ReplaceOrganizationUserRolesBody {
        organization_role_names: Some(vec!["member".into()]),
        ..Default::default()
    };
    organizations.replace_organization_user_roles("org_acme", "u_bob", &roles).await.unwrap();
    let bob_roles =
        organizations.list_organization_user_roles("org_acme", "u_bob", &Default::default()).await.unwrap();
    assert_eq!(bob_roles.items.iter().map(|role| role.name.as_str()).collect::<Vec<_>>(), ["member"]);
    let nobody = AddOrganizationUsersBody { user_ids: vec!["u_nobody".into()], ..Default::default() };
    let refused = organizations.add_organization_users("org_acme", &nobody).await.unwrap_err();
    assert_eq!(refused.status(), Some(422));
    organizations.delete_organization_user("org_acme", "u_bob").await.unwrap();
    let all: Vec<_> = futures_util::TryStreamExt::try_collect(
        organizations.list_organization_users_all("org_acme", &Default::default()),
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 1);

    // An app without the Management API's `all` scope has no token for it.
    logto.add_app(App::machine_to_machine("other", "other-secret"));
    let other = ManagementClient::new(logto.endpoint(), "other", "other-secret").unwrap();
    assert!(matches!(
        other.organizations().list_organization_users("org_acme", &Default::default()).await,
        Err(Error::Token(_))
    ));
}

/// Logto 1.42 answers a Native app without `secret`, which the 1.37.1 document requires, and
/// with `customClientMetadata.isDeviceFlow`, which it does not name: a field a newer Logto
/// leaves out decodes as its type's empty value, not as a failed call, and one it adds is kept.
#[test]
fn an_answer_without_a_field_the_document_requires_still_decodes() {
    let app: logto_management::generated::Application = serde_json::from_value(serde_json::json!({
        "tenantId": "default", "id": "app1", "name": "CLI", "type": "Native",
        "oidcClientMetadata": { "redirectUris": [], "postLogoutRedirectUris": [] },
        "customClientMetadata": { "isDeviceFlow": true }, "customData": {},
        "isThirdParty": false, "createdAt": 1, "isAdmin": false
    }))
    .expect("decodes");
    assert_eq!((app.id.as_str(), app.secret.as_str()), ("app1", ""));
    // A field the document does not name is kept, and sent back as it came.
    assert_eq!(app.custom_client_metadata.extra["isDeviceFlow"], true);
    let body: logto_management::generated::CreateApplicationBody =
        serde_json::from_value(serde_json::json!({
            "name": "CLI", "type": "Native", "customClientMetadata": { "isDeviceFlow": true }
        }))
        .unwrap();
    let sent = serde_json::to_value(&body).unwrap();
    assert_eq!(sent["customClientMetadata"]["isDeviceFlow"], true, "{sent}");
    let wrong: Result<logto_management::generated::Application, _> =
        serde_json::from_value(serde_json::json!({ "id": 5 }));
    assert!(wrong.is_err(), "a field of the wrong type is still an error");
}
