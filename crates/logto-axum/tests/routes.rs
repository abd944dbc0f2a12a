//! The auth routes and the signed-in user extractor against the test identity server.

mod common;

use common::{browser, location, query_param, set_cookies, sign_in, sign_in_with, start_app, start_app_with};
use logto_axum::MemorySessionStore;
use logto_test_idp::{TestIdp, clients, demo_user};

#[tokio::test]
async fn sign_in_callback_protected_and_userinfo() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;
    let browser = browser();

    let anonymous = browser.get(format!("{base}/whoami")).send().await.unwrap();
    assert_eq!(anonymous.text().await.unwrap(), "anonymous");

    let start = browser.get(format!("{base}/sign-in")).send().await.unwrap();
    let before: Vec<String> = set_cookies(&start);
    let sign_in_url = location(&start);
    assert!(sign_in_url.starts_with(&format!("{}/oidc/auth?", idp.endpoint())), "{sign_in_url}");
    assert_eq!(
        query_param(&sign_in_url, "redirect_uri").as_deref(),
        Some(format!("{base}/callback").as_str())
    );

    let callback = idp.login(&sign_in_url).await;
    let done = browser.get(&callback).send().await.unwrap();
    assert_eq!(done.status(), 302);
    assert_eq!(location(&done), "/");

    // The cookie holds only an opaque session id, renewed at sign-in (no fixation).
    let after = set_cookies(&done);
    assert_eq!(after.len(), 1, "{after:?}");
    let cookie = &after[0];
    assert!(cookie.starts_with("logto_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "secure(false) in the tests: {cookie}");
    let value = cookie.split(';').next().unwrap().trim_start_matches("logto_session=");
    assert!(value.len() == 43 && !value.contains("eyJ"), "no token in the cookie: {value}");
    assert!(!before.iter().any(|c| c.starts_with(&format!("logto_session={value};"))), "session id renewed");

    let claims: serde_json::Value =
        browser.get(format!("{base}/protected")).send().await.unwrap().json().await.unwrap();
    assert_eq!(claims["sub"], demo_user::SUB);
    assert_eq!(claims["name"], demo_user::NAME);
    assert_eq!(claims["email"], demo_user::EMAIL);

    let me: serde_json::Value =
        browser.get(format!("{base}/api/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["sub"], demo_user::SUB);

    let info: serde_json::Value =
        browser.get(format!("{base}/userinfo")).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["sub"], demo_user::SUB);
    assert_eq!(info["email"], demo_user::EMAIL);

    let whoami = browser.get(format!("{base}/whoami")).send().await.unwrap();
    assert_eq!(whoami.text().await.unwrap(), demo_user::SUB);

    // Another browser has its own (empty) session.
    let other = common::browser().get(format!("{base}/whoami")).send().await.unwrap();
    assert_eq!(other.text().await.unwrap(), "anonymous");
}

#[tokio::test]
async fn unauthenticated_redirects_or_answers_json_401() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;
    let browser = browser();

    let page = browser.get(format!("{base}/protected?tab=1")).send().await.unwrap();
    assert_eq!(page.status(), 302);
    assert_eq!(location(&page), format!("{base}/sign-in?return_to=%2Fprotected%3Ftab%3D1"));

    let api = browser.get(format!("{base}/api/me")).send().await.unwrap();
    assert_eq!(api.status(), 401);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "error": "Not authenticated" }));

    let userinfo = browser.get(format!("{base}/userinfo")).send().await.unwrap();
    assert_eq!(userinfo.status(), 401);
}

#[tokio::test]
async fn return_to_is_honoured_for_local_paths_only() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;

    let local = sign_in(&idp, &browser(), &format!("{base}/sign-in?return_to=%2Fprotected%3Ftab%3D1")).await;
    assert_eq!(location(&local), "/protected?tab=1");

    for evil in ["https://evil.example/", "//evil.example/x", "/\\evil.example"] {
        let url = format!(
            "{base}/sign-in?return_to={}",
            url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>()
        );
        let done = sign_in(&idp, &browser(), &url).await;
        assert_eq!(location(&done), "/", "{evil} must not be followed");
    }
}

#[tokio::test]
async fn sign_up_opens_the_register_screen() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;
    let start = browser().get(format!("{base}/sign-up")).send().await.unwrap();
    assert_eq!(start.status(), 302);
    assert_eq!(query_param(&location(&start), "first_screen").as_deref(), Some("register"));
    let plain = browser().get(format!("{base}/sign-in")).send().await.unwrap();
    assert_eq!(query_param(&location(&plain), "first_screen"), None);
}

#[tokio::test]
async fn configurable_paths_and_redirects() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| {
        s.sign_in_path("/auth/login")
            .sign_up_path("/auth/register")
            .callback_path("/auth/callback")
            .sign_out_path("/auth/logout")
            .post_sign_in_redirect("/welcome")
            .post_sign_out_redirect("/bye")
    })
    .await;
    let browser = browser();
    let start = browser.get(format!("{base}/auth/login")).send().await.unwrap();
    let sign_in_url = location(&start);
    assert_eq!(query_param(&sign_in_url, "redirect_uri"), Some(format!("{base}/auth/callback")));
    let done = browser.get(idp.login(&sign_in_url).await).send().await.unwrap();
    assert_eq!(location(&done), "/welcome");
    let out = browser.post(format!("{base}/auth/logout")).send().await.unwrap();
    assert_eq!(query_param(&location(&out), "post_logout_redirect_uri"), Some(format!("{base}/bye")));
    assert_eq!(browser.get(format!("{base}/sign-in")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn callback_errors_render_an_error_page() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;

    // No sign-in was started in this session.
    let stale = browser().get(format!("{base}/callback?code=x&state=y")).send().await.unwrap();
    assert_eq!(stale.status(), 400);
    let body = stale.text().await.unwrap();
    assert!(
        body.contains("Sign-in could not be completed") && body.contains("start the sign-in again"),
        "{body}"
    );

    // The state names no sign-in of this session (sign-ins are kept per state).
    let browser1 = browser();
    let start = browser1.get(format!("{base}/sign-in")).send().await.unwrap();
    let _ = location(&start);
    let forged = browser1.get(format!("{base}/callback?code=x&state=forged&iss=x")).send().await.unwrap();
    assert_eq!(forged.status(), 400);
    assert!(forged.text().await.unwrap().contains("start the sign-in again"));

    // The user denied access (the state is right): 403, and the error is shown escaped.
    let browser2 = browser();
    let start = browser2.get(format!("{base}/sign-in")).send().await.unwrap();
    let state = query_param(&location(&start), "state").unwrap();
    let url = format!(
        "{base}/callback?error=access_denied&error_description=%3Cscript%3Eno%3C%2Fscript%3E&state={state}&iss={}",
        url::form_urlencoded::byte_serialize(idp.issuer().as_bytes()).collect::<String>()
    );
    let denied = browser2.get(&url).send().await.unwrap();
    assert_eq!(denied.status(), 403);
    let body = denied.text().await.unwrap();
    assert!(
        body.contains("access_denied") && body.contains("&lt;script&gt;") && !body.contains("<script>"),
        "{body}"
    );
    // The attempt is over: replaying the callback is a stale callback.
    assert_eq!(browser2.get(&url).send().await.unwrap().status(), 400);

    // No code and no error.
    let browser3 = browser();
    let start = browser3.get(format!("{base}/sign-in")).send().await.unwrap();
    let state = query_param(&location(&start), "state").unwrap();
    let iss = url::form_urlencoded::byte_serialize(idp.issuer().as_bytes()).collect::<String>();
    let missing = browser3.get(format!("{base}/callback?state={state}&iss={iss}")).send().await.unwrap();
    assert_eq!(missing.status(), 400);

    // A code the server never issued: the token endpoint refuses with 400 invalid_grant, a
    // client-caused failure (400), not an unavailable server (502).
    let browser4 = browser();
    let start = browser4.get(format!("{base}/sign-in")).send().await.unwrap();
    let state = query_param(&location(&start), "state").unwrap();
    let bad =
        browser4.get(format!("{base}/callback?code=bogus&state={state}&iss={iss}")).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("invalid_grant"));
}

#[tokio::test]
async fn sign_out_clears_the_session_and_ends_the_idp_session() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;
    let browser = browser();
    let done = sign_in(&idp, &browser, &format!("{base}/sign-in")).await;
    assert_eq!(done.status(), 302);
    assert_eq!(
        browser.get(format!("{base}/whoami")).send().await.unwrap().text().await.unwrap(),
        demo_user::SUB
    );

    let out = browser.post(format!("{base}/sign-out")).send().await.unwrap();
    assert_eq!(out.status(), 302);
    let end_session = location(&out);
    assert!(end_session.starts_with(&format!("{}/oidc/session/end?", idp.endpoint())), "{end_session}");
    assert_eq!(query_param(&end_session, "post_logout_redirect_uri"), Some(format!("{base}/")));
    assert!(
        query_param(&end_session, "id_token_hint").is_some_and(|hint| hint.starts_with("eyJ")),
        "{end_session}"
    );
    assert_eq!(idp.logout(&end_session).await, format!("{base}/"));

    assert_eq!(
        browser.get(format!("{base}/whoami")).send().await.unwrap().text().await.unwrap(),
        "anonymous"
    );
    assert_eq!(browser.get(format!("{base}/protected")).send().await.unwrap().status(), 302);
    // Signing out is a POST: a link or an image on another site cannot sign the user out.
    assert_eq!(browser.get(format!("{base}/sign-out")).send().await.unwrap().status(), 405);
}

#[tokio::test]
async fn a_cross_site_sign_out_is_refused_and_get_is_a_switch() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;
    let browser = browser();
    sign_in(&idp, &browser, &format!("{base}/sign-in")).await;
    let cross_site = browser
        .post(format!("{base}/sign-out"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let fetched =
        browser.post(format!("{base}/sign-out")).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(fetched.status(), 403);
    assert_eq!(
        browser.get(format!("{base}/whoami")).send().await.unwrap().text().await.unwrap(),
        demo_user::SUB,
        "still signed in"
    );
    let same_site =
        browser.post(format!("{base}/sign-out")).header("origin", base.as_str()).send().await.unwrap();
    assert_eq!(same_site.status(), 302);

    let with_get = start_app(&idp, MemorySessionStore::new(), |s| s.sign_out_on_get(true)).await;
    assert_eq!(browser.get(format!("{with_get}/sign-out")).send().await.unwrap().status(), 302);
}

/// Logto ends the session at its side (the user signs out of another app): it posts a logout
/// token to the app, and the app's session is signed out on its next request.
#[tokio::test]
async fn a_backchannel_logout_from_logto_signs_the_session_out() {
    let idp = TestIdp::start().await;
    let base = start_app_with(&idp, MemorySessionStore::new(), |c| c.backchannel_logout(true), |s| s).await;
    idp.set_backchannel_logout_uri(clients::CONFIDENTIAL_ID, &format!("{base}/backchannel-logout")).await;
    let (at_idp, browser) = (idp.browser(), browser());
    assert_eq!(sign_in_with(&at_idp, &browser, &format!("{base}/sign-in")).await.status(), 302);
    assert_eq!(
        browser.get(format!("{base}/whoami")).send().await.unwrap().text().await.unwrap(),
        demo_user::SUB
    );

    // Logto's own sign-out of the user's session, not through this app.
    at_idp
        .try_logout(&format!("{}/session/end?client_id={}", idp.issuer(), clients::CONFIDENTIAL_ID))
        .await
        .ok();
    let delivered = idp.backchannel_logouts().await;
    assert!(delivered.iter().any(|d| d.ok), "Logto delivered the logout token: {delivered:?}");
    assert_eq!(
        browser.get(format!("{base}/whoami")).send().await.unwrap().text().await.unwrap(),
        "anonymous"
    );

    // A forged logout token is refused with 400.
    let forged = reqwest::Client::new()
        .post(format!("{base}/backchannel-logout"))
        .form(&[("logout_token", "eyJhbGciOiJFUzM4NCJ9.e30.c2ln")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
}

/// Remembers, per session id, whether a saved record ever held a refresh token.
#[derive(Clone, Debug, Default)]
struct WatchedStore {
    inner: std::sync::Arc<MemorySessionStore>,
    with_refresh_token: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

#[async_trait::async_trait]
impl logto::session::SessionStore for WatchedStore {
    async fn load(
        &self,
        id: &logto::session::SessionId,
    ) -> Result<Option<logto::session::StoredSession>, logto::StorageError> {
        self.inner.load(id).await
    }
    async fn save(
        &self,
        id: &logto::session::SessionId,
        expected: Option<u64>,
        data: &[u8],
        ttl: std::time::Duration,
    ) -> Result<logto::session::SaveOutcome, logto::StorageError> {
        if String::from_utf8_lossy(data).contains("refreshToken") {
            self.with_refresh_token.lock().unwrap().push(id.as_str().to_owned());
        }
        self.inner.save(id, expected, data, ttl).await
    }
    async fn delete(&self, id: &logto::session::SessionId) -> Result<(), logto::StorageError> {
        self.inner.delete(id).await
    }
}

#[tokio::test]
async fn the_pre_sign_in_session_id_never_holds_a_token() {
    // Someone who planted the pre-sign-in session id (a sibling subdomain's cookie) must not
    // find the victim's refresh token under it, not even for the length of the callback.
    let idp = TestIdp::start().await;
    let store = WatchedStore::default();
    let base = start_app(&idp, store.clone(), |s| s).await;
    let browser = browser();
    let start = browser.get(format!("{base}/sign-in")).send().await.unwrap();
    let planted = set_cookies(&start)
        .iter()
        .find_map(|c| c.strip_prefix("logto_session=").map(|v| v.split(';').next().unwrap().to_owned()))
        .expect("a session cookie at sign-in");
    let done = browser.get(idp.login(&location(&start)).await).send().await.unwrap();
    assert_eq!(done.status(), 302);
    let held = store.with_refresh_token.lock().unwrap().clone();
    assert!(!held.is_empty(), "the signed-in session holds a refresh token");
    assert!(!held.contains(&planted), "the pre-sign-in id {planted} held a token: {held:?}");
}

#[tokio::test]
async fn a_failed_callback_leaves_a_signed_in_session_as_it_was() {
    // A signed-in user goes through sign-in again (another account, a step-up) and the callback
    // fails: a forged one (400) must not even renew the session id, and one whose token request
    // times out (5xx: the session layer saves nothing) must not lose the session.
    let idp = TestIdp::start().await;
    let base = start_app_with(
        &idp,
        MemorySessionStore::new(),
        |b| b.timeout(std::time::Duration::from_secs(1)),
        |s| s,
    )
    .await;
    let browser = browser();
    let done = sign_in(&idp, &browser, &format!("{base}/sign-in")).await;
    assert_eq!(done.status(), 302);
    let whoami =
        || async { browser.get(format!("{base}/whoami")).send().await.unwrap().text().await.unwrap() };
    assert_eq!(whoami().await, demo_user::SUB);
    let iss = url::form_urlencoded::byte_serialize(idp.issuer().as_bytes()).collect::<String>();

    let _ = location(&browser.get(format!("{base}/sign-in")).send().await.unwrap());
    // While signed in, a callback whose sign-in is unknown (a reload, a forged one) goes on to the
    // page and changes nothing.
    let forged = browser.get(format!("{base}/callback?code=x&state=forged&iss={iss}")).send().await.unwrap();
    assert_eq!(forged.status(), 302);
    assert!(set_cookies(&forged).is_empty(), "a forged callback renews nothing: {:?}", set_cookies(&forged));
    assert_eq!(whoami().await, demo_user::SUB);

    let start = browser.get(format!("{base}/sign-in")).send().await.unwrap();
    let callback = idp.login(&location(&start)).await;
    idp.set_token_delay(std::time::Duration::from_millis(2500)).await;
    let slow = browser.get(&callback).send().await.unwrap();
    idp.set_token_delay(std::time::Duration::ZERO).await;
    assert!(slow.status().is_server_error(), "{}", slow.status());
    assert_eq!(whoami().await, demo_user::SUB, "the session survived the failed callback");
}
