//! An axum app under test with the kit: signed in through its own routes as a tower service
//! (no server), then signed out by Logto's back-channel logout delivered over HTTP.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use logto::{LogtoClient, LogtoConfig};
use logto_axum::{AuthSettings, LogtoAuth, MemorySessionStore, SessionConfig, SignedInUser};
use logto_testing::{App, MockLogto, User};
use tower::ServiceExt;

async fn whoami(user: Option<SignedInUser>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |user| user.claims().sub.clone())
}

fn app(logto: &MockLogto, base_url: &str) -> Router {
    let config = LogtoConfig::new(logto.endpoint(), "web").with_app_secret("web-secret");
    let client = LogtoClient::builder(config).backchannel_logout(true).build().unwrap();
    let auth = LogtoAuth::new(client, AuthSettings::new(base_url)).unwrap();
    Router::new()
        .route("/whoami", get(whoami))
        .merge(auth.routes())
        .layer(auth.layer())
        .layer(SessionConfig::default().secure(false).layer(MemorySessionStore::new()))
}

async fn get_text(app: &Router, path: &str, cookie: &str) -> (StatusCode, String) {
    let request = Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn an_axum_router_signs_a_user_in_without_a_server() {
    let logto = MockLogto::start().unwrap();
    logto.add_app(App::traditional("web", "web-secret").any_redirect_uri());
    logto.add_user(User::new("u_alice"));
    let app = app(&logto, "http://app.test");

    let cookie = logto.sign_in_via(app.clone(), "/sign-in").await.unwrap();
    assert!(cookie.starts_with("logto_session="), "{cookie}");
    assert_eq!(get_text(&app, "/whoami", &cookie).await, (StatusCode::OK, "u_alice".to_owned()));
    assert_eq!(get_text(&app, "/whoami", "").await.1, "anonymous");
}

#[tokio::test]
async fn ending_the_users_sessions_signs_them_out_of_a_served_app() {
    let logto = MockLogto::start().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    logto.add_app(
        App::traditional("web", "web-secret")
            .redirect_uri(&format!("{base}/callback"))
            .backchannel_logout_uri(&format!("{base}/backchannel-logout")),
    );
    logto.add_user(User::new("u_alice"));
    let app = app(&logto, &base);
    tokio::spawn(axum::serve(listener, app.clone()).into_future());

    let cookie = logto.sign_in_via(app.clone(), "/sign-in").await.unwrap();
    assert_eq!(get_text(&app, "/whoami", &cookie).await.1, "u_alice");
    assert_eq!(logto.end_sessions("u_alice").await.unwrap(), 1, "the app accepted the logout token");
    assert_eq!(get_text(&app, "/whoami", &cookie).await.1, "anonymous", "signed out");
}
