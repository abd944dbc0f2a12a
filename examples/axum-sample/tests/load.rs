//! Load check: many simulated users sign in concurrently through the sample app's router
//! (scripted login on the test identity server, loopback only, bounded in count and time) with
//! zero errors, and every session stays its own.

use axum::Router;
use axum::routing::get;
use axum_sample::{SampleConfig, app_with};
use logto_axum::SessionClient;
use logto_test_idp::{TestIdp, clients, demo_user};
use std::collections::HashSet;
use std::time::Duration;

const USERS: usize = 50;
const TIME_LIMIT: Duration = Duration::from_secs(120);

/// A test-only route: the session's refresh token (unique per sign-in) and subject.
async fn session_identity(SessionClient(client): SessionClient) -> String {
    let refresh = client
        .get_refresh_token()
        .await
        .ok()
        .flatten()
        .map(logto::RefreshToken::into_secret)
        .unwrap_or_default();
    let sub = client.get_id_token_claims().await.map(|c| c.sub).unwrap_or_default();
    format!("{sub} {refresh}")
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> Result<String, String> {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| format!("HTTP {} without Location", response.status()))
}

struct Signed {
    browser: reqwest::Client,
    cookie: String,
    identity: String,
}

async fn one_user(idp: &TestIdp, base: &str, user: usize) -> Result<Signed, String> {
    let browser = browser();
    let start = browser.get(format!("{base}/sign-in?return_to=%2Fprotected%3Fuser%3D{user}")).send().await;
    let start = start.map_err(|e| format!("sign-in: {e}"))?;
    let callback = idp.login_as(&location(&start)?, demo_user::USERNAME, demo_user::PASSWORD).await?;
    let done = browser.get(&callback).send().await.map_err(|e| format!("callback: {e}"))?;
    if done.status() != 302 {
        return Err(format!(
            "callback answered {}: {}",
            done.status(),
            done.text().await.unwrap_or_default()
        ));
    }
    let cookie = done
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .ok_or("no session cookie after the callback")?
        .to_owned();
    // The return path was kept in this user's own session.
    let target = location(&done)?;
    if target != format!("/protected?user={user}") {
        return Err(format!("user {user} was sent to {target}"));
    }
    let page = browser.get(format!("{base}{target}")).send().await.map_err(|e| format!("protected: {e}"))?;
    if page.status() != 200 {
        return Err(format!("protected answered {}", page.status()));
    }
    let body = page.text().await.map_err(|e| e.to_string())?;
    if !body.contains(demo_user::SUB) {
        return Err("the protected page does not show the user".into());
    }
    let identity = browser.get(format!("{base}/__test/session")).send().await.map_err(|e| e.to_string())?;
    let identity = identity.text().await.map_err(|e| e.to_string())?;
    Ok(Signed { browser, cookie, identity })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_sign_ins_without_errors_or_mixed_sessions() {
    let idp = TestIdp::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let config = SampleConfig::new(
        idp.endpoint(),
        clients::CONFIDENTIAL_ID,
        Some(clients::CONFIDENTIAL_SECRET),
        &base,
    );
    let extra = Router::new().route("/__test/session", get(session_identity));
    let app = app_with(&config, extra).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let idp = std::sync::Arc::new(idp);
    let started = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for user in 0..USERS {
        let (idp, base) = (idp.clone(), base.clone());
        tasks.spawn(async move { (user, one_user(&idp, &base, user).await) });
    }
    let mut signed = Vec::new();
    let mut errors = Vec::new();
    let all = tokio::time::timeout(TIME_LIMIT, async {
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((_, Ok(user))) => signed.push(user),
                Ok((user, Err(error))) => errors.push(format!("user {user}: {error}")),
                Err(panic) => errors.push(format!("task failed: {panic}")),
            }
        }
    })
    .await;
    assert!(all.is_ok(), "{USERS} sign-ins did not finish within {TIME_LIMIT:?}");
    assert!(errors.is_empty(), "{} errors: {errors:#?}", errors.len());
    assert_eq!(signed.len(), USERS);
    eprintln!("{USERS} concurrent sign-ins in {:?}", started.elapsed());

    let cookies: HashSet<&str> = signed.iter().map(|s| s.cookie.as_str()).collect();
    assert_eq!(cookies.len(), USERS, "every user has their own session cookie");
    let identities: HashSet<&str> = signed.iter().map(|s| s.identity.as_str()).collect();
    assert_eq!(identities.len(), USERS, "every session holds its own tokens");
    for user in &signed {
        assert!(user.identity.starts_with(&format!("{} ", demo_user::SUB)) && user.identity.len() > 20);
        // Still the same session afterwards, under concurrent load.
        let again =
            user.browser.get(format!("{base}/__test/session")).send().await.unwrap().text().await.unwrap();
        assert_eq!(again, user.identity, "a session changed hands");
    }
}
