//! The session engine's behaviour table (`logto::session`), run through the axum face against the
//! real test identity server: each row is a request and the answer every face must give (status,
//! redirect target, cookie change, what the session holds afterwards).

mod common;

use common::{browser, location, set_cookies, sign_in, start_app, start_app_with};
use logto::session::{MemorySessionStore, SessionStore};
use logto_test_idp::{IdpOptions, TestIdp, demo_user};
use std::sync::Arc;
use std::time::Duration;

async fn whoami(browser: &reqwest::Client, base: &str) -> String {
    browser.get(format!("{base}/whoami")).send().await.unwrap().text().await.unwrap()
}

/// The session cookie a response sets: `Some("")` when it removes it.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    set_cookies(response).iter().find_map(|cookie| {
        let value = cookie.strip_prefix("logto_session=")?.split(';').next()?.to_owned();
        Some(if cookie.contains("Max-Age=0") { String::new() } else { value })
    })
}

#[tokio::test]
async fn two_tabs_sign_in_at_once_and_both_callbacks_succeed() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;
    let browser = browser();
    let first = location(&browser.get(format!("{base}/sign-in?return_to=/one")).send().await.unwrap());
    let second = location(&browser.get(format!("{base}/sign-in?return_to=/two")).send().await.unwrap());
    let (first, second) = (idp.login(&first).await, idp.login(&second).await);
    let done_first = browser.get(&first).send().await.unwrap();
    assert_eq!((done_first.status().as_u16(), location(&done_first)), (302, "/one".to_owned()));
    let done_second = browser.get(&second).send().await.unwrap();
    assert_eq!((done_second.status().as_u16(), location(&done_second)), (302, "/two".to_owned()));
    assert_eq!(whoami(&browser, &base).await, demo_user::SUB);
}

#[tokio::test]
async fn a_reloaded_callback_goes_on_and_a_forged_one_changes_nothing() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;
    let browser = browser();

    // Forged `state` before any sign-in completed: 400, and the genuine sign-in still works.
    let genuine = location(&browser.get(format!("{base}/sign-in?return_to=/after")).send().await.unwrap());
    let forged = browser.get(format!("{base}/callback?code=x&state=forged")).send().await.unwrap();
    assert_eq!(forged.status(), 400);
    assert_eq!(session_cookie(&forged), None, "the session is untouched");
    let callback = idp.login(&genuine).await;
    let done = browser.get(&callback).send().await.unwrap();
    assert_eq!((done.status().as_u16(), location(&done)), (302, "/after".to_owned()));
    assert!(session_cookie(&done).is_some_and(|id| !id.is_empty()), "a new session id at sign-in");

    // The same callback again (a reload, a double click): on to the page, nothing changes.
    let reloaded = browser.get(&callback).send().await.unwrap();
    assert_eq!(reloaded.status(), 302);
    assert_eq!(session_cookie(&reloaded), None);
    assert_eq!(whoami(&browser, &base).await, demo_user::SUB);
}

#[tokio::test]
async fn return_to_is_honoured_only_for_local_paths() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;
    for (query, expected) in [
        ("%2Fprotected%3Fx%3D1", "/protected?x=1"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("%2F%2Fevil.example", "/"),
        ("/%09/evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("https://evil.example/", "/"),
    ] {
        let browser = browser();
        let start = browser.get(format!("{base}/sign-in?return_to={query}")).send().await.unwrap();
        let done = browser.get(idp.login(&location(&start)).await).send().await.unwrap();
        assert_eq!(location(&done), expected, "return_to={query}");
    }
}

#[tokio::test]
async fn sign_out_by_post_from_this_site_only() {
    let idp = TestIdp::start().await;
    let base = start_app(&idp, MemorySessionStore::new(), |s| s).await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    let browser = browser();
    assert_eq!(sign_in(&idp, &browser, &format!("{base}/sign-in")).await.status(), 302);

    let get = browser.get(format!("{base}/sign-out")).send().await.unwrap();
    assert_eq!(get.status(), 405, "GET sign-out is off by default");
    assert_eq!(get.headers()["allow"], "POST");
    for method in [reqwest::Method::HEAD, reqwest::Method::PUT, reqwest::Method::DELETE] {
        let other = browser.request(method.clone(), format!("{base}/sign-out")).send().await.unwrap();
        assert_eq!(other.status(), 405, "{method} signs nobody out");
    }
    let cross = browser
        .post(format!("{base}/sign-out"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let cross =
        browser.post(format!("{base}/sign-out")).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(cross.status(), 403);
    assert_eq!(whoami(&browser, &base).await, demo_user::SUB, "still signed in");

    let out = browser
        .post(format!("{base}/sign-out"))
        .header("origin", format!("http://127.0.0.1:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 302);
    assert!(
        location(&out).starts_with(&format!("{}/oidc/session/end", idp.endpoint())),
        "{}",
        location(&out)
    );
    assert_eq!(session_cookie(&out).as_deref(), Some(""), "the cookie is removed");
    assert_eq!(whoami(&browser, &base).await, "anonymous");

    let with_get = start_app(&idp, MemorySessionStore::new(), |s| s.sign_out_on_get(true)).await;
    let browser = common::browser();
    assert_eq!(sign_in(&idp, &browser, &format!("{with_get}/sign-in")).await.status(), 302);
    assert_eq!(browser.get(format!("{with_get}/sign-out")).send().await.unwrap().status(), 302);
    assert_eq!(whoami(&browser, &with_get).await, "anonymous");
}

#[test]
fn a_default_port_in_the_base_url_is_the_same_origin() {
    use logto::session::{RequestOrigin, same_origin};
    let origin = RequestOrigin { origin: Some("https://app.example.com"), sec_fetch_site: None };
    assert!(same_origin("https://app.example.com:443", &origin));
    assert!(same_origin("https://app.example.com", &origin));
    assert!(!same_origin("https://app.example.com:8443", &origin));
}

#[tokio::test]
async fn an_expired_pending_sign_in_is_refused() {
    let idp = TestIdp::start().await;
    let listener_store = MemorySessionStore::new();
    let base =
        common::start_app_configured(&idp, listener_store, |c| c.sign_in_timeout(Duration::from_secs(1)))
            .await;
    let browser = browser();
    let start = browser.get(format!("{base}/sign-in")).send().await.unwrap();
    let callback = idp.login(&location(&start)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let late = browser.get(&callback).send().await.unwrap();
    assert_eq!(late.status(), 400);
    assert_eq!(whoami(&browser, &base).await, "anonymous");
}

#[tokio::test]
async fn an_expired_id_token_is_renewed() {
    let idp = TestIdp::start_with(IdpOptions { id_token_ttl: Some(2), ..Default::default() }).await;
    let base = start_app_with(&idp, MemorySessionStore::new(), |b| b.leeway(Duration::ZERO), |s| s).await;
    let browser = browser();
    assert_eq!(sign_in(&idp, &browser, &format!("{base}/sign-in")).await.status(), 302);
    tokio::time::sleep(Duration::from_millis(3000)).await;
    idp.reset_token_requests().await;
    assert_eq!(whoami(&browser, &base).await, demo_user::SUB, "renewed with the refresh token");
    assert_eq!(idp.token_requests().await.refresh_ok(), 1);
}

#[tokio::test]
async fn a_stale_copy_saved_late_keeps_a_refresh_and_does_not_undo_a_sign_out() {
    use logto::session::{SessionConfig, SessionManager};
    use logto::{PersistKey, Storage};
    let store = Arc::new(MemorySessionStore::new());
    let sessions = SessionManager::new(store.clone(), SessionConfig::default());
    let first = sessions.open(None).await.unwrap();
    first.set(PersistKey::IdToken, "id-1".into()).await.unwrap();
    first.set(PersistKey::RefreshToken, "r1".into()).await.unwrap();
    let logto::session::CookieUpdate::Set { id, .. } = sessions.finish(&first).await else {
        panic!("a new session sets its cookie")
    };

    // Two requests load the session; the first rotates the refresh token, then the second one
    // (loaded before) saves a change of its own.
    let (fast, slow) =
        (sessions.open(Some(id.as_str())).await.unwrap(), sessions.open(Some(id.as_str())).await.unwrap());
    fast.set(PersistKey::RefreshToken, "r2".into()).await.unwrap();
    sessions.finish(&fast).await;
    slow.set(PersistKey::AccessTokenMap, "{\"x\":{}}".into()).await.unwrap();
    slow.set_app_value("cart", Some(3.into())).await;
    sessions.finish(&slow).await;
    let stored = sessions.open(Some(id.as_str())).await.unwrap().record().await;
    assert_eq!(stored.refresh_token(), Some("r2"), "the consumed token did not come back");
    assert_eq!(stored.app["cart"], 3, "the stale copy's own value is saved");

    // A sign-out, then a copy loaded before it saves: the session stays gone.
    let (signing_out, late) =
        (sessions.open(Some(id.as_str())).await.unwrap(), sessions.open(Some(id.as_str())).await.unwrap());
    signing_out.end().await.unwrap();
    assert_eq!(sessions.finish(&signing_out).await, logto::session::CookieUpdate::Clear);
    late.set_app_value("cart", Some(4.into())).await;
    late.set(PersistKey::RefreshToken, "r3".into()).await.unwrap();
    // The sign-out's answer removed the cookie; the late copy leaves it alone.
    assert_eq!(sessions.finish(&late).await, logto::session::CookieUpdate::Keep);
    assert!(store.load(&id).await.unwrap().is_none(), "a stale copy does not bring the session back");
}

/// The table every face runs (`testing/behaviour/table.json`; the Python faces run it in
/// `python/tests/test_behaviour_table.py`).
fn table() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testing/behaviour/table.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("the behaviour table")).expect("JSON")
}

fn rows<'a>(table: &'a serde_json::Value, section: &str) -> &'a [serde_json::Value] {
    table[section].as_array().map_or(&[], Vec::as_slice)
}

fn expand(value: &str, base: &str, idp: &TestIdp) -> String {
    value.replace("$BASE", base).replace("$IDP", idp.endpoint())
}

/// What an answer does to the session cookie: `set`, `clear` or `keep`.
fn cookie_change(response: &reqwest::Response) -> &'static str {
    match session_cookie(response) {
        Some(value) if value.is_empty() => "clear",
        Some(_) => "set",
        None => "keep",
    }
}

async fn check(
    response: reqwest::Response,
    row: &serde_json::Value,
    base: &str,
    idp: &TestIdp,
    browser: &reqwest::Client,
) {
    let status = response.status().as_u16();
    assert_eq!(u64::from(status), row["status"].as_u64().unwrap(), "{row}");
    let location =
        response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if let Some(expected) = row["location"].as_str() {
        assert_eq!(location, expand(expected, base, idp), "{row}");
    }
    if let Some(prefix) = row["location_starts"].as_str() {
        assert!(location.starts_with(&expand(prefix, base, idp)), "{row}: {location}");
    }
    if let Some(cookie) = row["cookie"].as_str() {
        assert_eq!(cookie_change(&response), cookie, "{row}");
    }
    if let Some(after) = row["signed_in_after"].as_bool() {
        assert_eq!(whoami(browser, base).await != "anonymous", after, "{row}");
    }
}

#[tokio::test]
async fn the_behaviour_table_through_axum() {
    let table = table();
    let idp = TestIdp::start().await;
    let plain = start_app(&idp, MemorySessionStore::new(), |s| s).await;

    for row in rows(&table, "return_to") {
        let browser = browser();
        let query = row["query"].as_str().unwrap();
        let start = browser.get(format!("{plain}/sign-in?return_to={query}")).send().await.unwrap();
        let done = browser.get(idp.login(&location(&start)).await).send().await.unwrap();
        assert_eq!(location(&done), row["lands_on"].as_str().unwrap(), "{row}");
    }
    for row in rows(&table, "callback") {
        let browser = browser();
        if row["signed_in"].as_bool().unwrap() {
            assert_eq!(sign_in(&idp, &browser, &format!("{plain}/sign-in")).await.status(), 302);
        } else {
            browser.get(format!("{plain}/sign-in")).send().await.unwrap();
        }
        let query = row["query"].as_str().unwrap();
        check(
            browser.get(format!("{plain}/callback?{query}")).send().await.unwrap(),
            row,
            &plain,
            &idp,
            &browser,
        )
        .await;
    }
    let on_get = start_app(&idp, MemorySessionStore::new(), |s| s.sign_out_on_get(true)).await;
    for row in rows(&table, "sign_out") {
        let base = if row["on_get"].as_bool().unwrap() { &on_get } else { &plain };
        let browser = browser();
        assert_eq!(sign_in(&idp, &browser, &format!("{base}/sign-in")).await.status(), 302);
        let url = format!("{base}/sign-out");
        let mut request = if row["method"] == "GET" { browser.get(url) } else { browser.post(url) };
        for (name, value) in row["headers"].as_object().unwrap() {
            request = request.header(name.as_str(), expand(value.as_str().unwrap(), base, &idp));
        }
        check(request.send().await.unwrap(), row, base, &idp, &browser).await;
    }
    for row in rows(&table, "signed_out_page") {
        let browser = browser();
        let path = row["path"].as_str().unwrap();
        check(browser.get(format!("{plain}{path}")).send().await.unwrap(), row, &plain, &idp, &browser).await;
    }
    let honouring =
        start_app_with(&idp, MemorySessionStore::new(), |b| b.backchannel_logout(true), |s| s).await;
    for row in rows(&table, "backchannel_logout") {
        let base = if row["enabled"].as_bool().unwrap() { &honouring } else { &plain };
        let form: Vec<(String, String)> = row["form"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
            .collect();
        let answer = reqwest::Client::new()
            .post(format!("{base}/backchannel-logout"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.headers()["cache-control"], "no-store", "{row}");
        assert_eq!(u64::from(answer.status().as_u16()), row["status"].as_u64().unwrap(), "{row}");
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["error"], row["error"], "{row}");
    }
}
