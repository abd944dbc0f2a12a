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
