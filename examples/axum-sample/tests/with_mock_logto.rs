//! The sample's pages with `logto-testing` as its Logto: signed in through its own routes as a
//! tower service (no server, no Node), as a user of the SDK would test their app.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum_sample::{SampleConfig, app};
use logto_testing::{App, MockLogto, User};
use tower::ServiceExt;

const BASE: &str = "http://localhost:3000";

async fn page(app: &Router, path: &str, headers: &[(header::HeaderName, &str)]) -> (StatusCode, String) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 22).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn logto() -> MockLogto {
    let logto = MockLogto::start().unwrap();
    logto.add_app(App::traditional("sample", "sample-secret").redirect_uri(&format!("{BASE}/callback")));
    logto.add_user(
        User::new("u_alice")
            .name("Alice Example")
            .email("alice@example.com")
            .api_scopes("https://api.example.com", ["read:data"])
            .organization("org_acme", ["admin"], ["read:org"]),
    );
    logto
}

#[tokio::test]
async fn the_signed_in_pages_show_the_user_and_their_organization_token() {
    let logto = logto();
    let app = app(&SampleConfig::new(logto.endpoint(), "sample", Some("sample-secret"), BASE)).await.unwrap();
    let cookie = logto.sign_in_via(app.clone(), "/sign-in").await.unwrap();
    let with_cookie = [(header::COOKIE, cookie.as_str())];

    let (status, home) = page(&app, "/", &with_cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("u_alice") && home.contains("Alice Example"), "{home}");
    let (_, organizations) = page(&app, "/protected/organizations", &with_cookie).await;
    assert!(organizations.contains("org_acme") && organizations.contains("read:org"), "{organizations}");
    let (status, _) = page(&app, "/protected", &[]).await;
    assert!(status.is_redirection(), "a visitor is sent to sign in");
}

#[tokio::test]
async fn the_api_takes_a_token_with_its_scope_only() {
    let logto = logto();
    let app = app(&SampleConfig::new(logto.endpoint(), "sample", Some("sample-secret"), BASE)).await.unwrap();
    let token = logto.mint_access_token("https://api.example.com", &["read:data"], "u_bob");
    let bearer = format!("Bearer {token}");
    let (status, body) = page(&app, "/api/data", &[(header::AUTHORIZATION, bearer.as_str())]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("u_bob"), "{body}");
    let token = logto.mint_access_token("https://api.example.com", &[], "u_bob");
    let bearer = format!("Bearer {token}");
    assert_eq!(
        page(&app, "/api/data", &[(header::AUTHORIZATION, bearer.as_str())]).await.0,
        StatusCode::FORBIDDEN
    );
}

async fn post_form(app: &Router, path: &str, cookie: &str, form: &str) -> (StatusCode, String) {
    let request = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 22).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn my_account_reads_and_changes_the_profile_through_the_account_api() {
    let logto = logto();
    let app = app(&SampleConfig::new(logto.endpoint(), "sample", Some("sample-secret"), BASE)).await.unwrap();
    let cookie = logto.sign_in_via(app.clone(), "/sign-in").await.unwrap();

    let (status, body) = page(&app, "/protected/account", &[(header::COOKIE, cookie.as_str())]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("id=\"account-name\">Alice Example<"), "{body}");
    let (status, body) = post_form(&app, "/protected/account", &cookie, "name=Alice+B.").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("id=\"account-name\">Alice B.<") && body.contains("account-saved"), "{body}");
    let (_, body) = page(&app, "/protected/account", &[(header::COOKIE, cookie.as_str())]).await;
    assert!(body.contains("id=\"account-name\">Alice B.<"), "stored at Logto: {body}");
}

#[tokio::test]
async fn an_organization_admin_lists_adds_and_changes_members() {
    let logto = logto();
    logto.add_app(App::machine_to_machine("sample-admin", "admin-secret").management_api_access());
    logto.add_user(User::new("u_bob").username("bob"));
    logto.add_user(User::new("u_carol").username("carol").organization("org_acme", ["member"], ["read:org"]));
    let mut config = SampleConfig::new(logto.endpoint(), "sample", Some("sample-secret"), BASE);
    config.management_app = Some(("sample-admin".into(), "admin-secret".into()));
    let app = app(&config).await.unwrap();
    logto.sign_in_as("u_alice");
    let cookie = logto.sign_in_via(app.clone(), "/sign-in").await.unwrap();
    let members = "/protected/organizations/org_acme/members";

    let (status, body) = page(&app, members, &[(header::COOKIE, cookie.as_str())]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("data-member=\"u_alice\"") && body.contains("data-member=\"u_carol\""), "{body}");
    assert!(!body.contains("data-member=\"u_bob\""));

    let (_, body) = post_form(&app, members, &cookie, "user_id=u_bob").await;
    assert!(body.contains("members-saved") && body.contains("data-member=\"u_bob\""), "{body}");
    let (_, body) = post_form(&app, members, &cookie, "user_id=u_carol&role=admin").await;
    assert!(body.contains("u_carol now has the role admin"), "{body}");
    let (_, body) = post_form(&app, members, &cookie, "user_id=u_nobody").await;
    assert!(body.contains("members-error") && body.contains("422"), "Logto's refusal is shown: {body}");

    // Alice is no admin of another organization.
    let (status, body) =
        page(&app, "/protected/organizations/org_other/members", &[(header::COOKIE, cookie.as_str())]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}
