//! Sign-in from a terminal against the kit's in-process Logto (`logto-testing`): the device
//! flow (approved mid-poll, `slow_down`, denial, expiry, polls failing on the way), the loopback sign-in (a browser played
//! by the test), and the file storage with cross-process refresh coordination.

use logto::native::{FileCoordinator, FileStorage, LoopbackOptions};
use logto::{CallbackError, LogtoClient, LogtoConfig, LogtoError, Storage};
use logto_testing::{App, MockLogto, Settings, User};
use std::sync::Arc;
use std::time::{Duration, Instant};

const API: &str = "https://api.example.com";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn kit(settings: Settings) -> MockLogto {
    let logto = MockLogto::start_with(settings).unwrap();
    logto.add_app(App::native("cli"));
    logto.add_user(User::new("u_alice").username("alice").api_scopes(API, ["read:data"]));
    logto
}

fn config(logto: &MockLogto) -> LogtoConfig {
    LogtoConfig::new(logto.endpoint(), "cli").with_scopes(["read:data"]).with_resources([API])
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("logto-native-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < Duration::from_secs(10), "waited too long for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_device_flow_completes_when_the_user_approves_mid_poll() {
    let logto = kit(Settings::default());
    let client = LogtoClient::new(config(&logto), Arc::new(logto::MemoryStorage::new())).unwrap();
    let mut device = client.start_device_sign_in().await.unwrap();
    assert_eq!(device.user_code.len(), 9, "{device:?}");
    assert!(device.verification_uri.ends_with("/device"));
    assert!(device.verification_uri_complete.as_deref().unwrap().contains(&device.user_code));
    assert_eq!(device.interval, Duration::from_secs(5), "Logto sends no interval: 5 s");
    assert!(!format!("{device:?}").contains("device_code"), "the device code stays secret");
    device.interval = Duration::from_millis(20);

    let polling = tokio::spawn({
        let (client, device) = (client.clone(), device.clone());
        async move { client.finish_device_sign_in(&device).await }
    });
    until("a pending poll", || logto.count_token_requests(DEVICE_GRANT, Some("authorization_pending")) >= 2)
        .await;
    assert!(logto.approve_device(&device.user_code.to_lowercase(), "u_alice"), "codes are case-insensitive");
    polling.await.unwrap().expect("signed in");
    assert_eq!(client.get_id_token_claims().await.unwrap().sub, "u_alice");
    assert!(client.get_access_token_claims(API).await.unwrap().has_scope("read:data"));
    assert_eq!(
        logto.count_token_requests(DEVICE_GRANT, Some("ok")),
        1,
        "the device code is sent until it works, once"
    );
    assert!(logto.pending_device_codes().is_empty());
}

#[tokio::test]
async fn slow_down_adds_five_seconds_and_denial_and_expiry_are_typed() {
    let logto = kit(Settings::default());
    let client = LogtoClient::new(config(&logto), Arc::new(logto::MemoryStorage::new())).unwrap();

    // `slow_down` (Logto never sends it; RFC 8628 §3.5 says honour it): the next poll waits 5 s more.
    let mut device = client.start_device_sign_in().await.unwrap();
    device.interval = Duration::from_millis(10);
    logto.fail_next_token_requests(1, 400, "slow_down");
    let polling = tokio::spawn({
        let (client, device) = (client.clone(), device.clone());
        async move { client.finish_device_sign_in(&device).await }
    });
    until("the slow_down", || logto.count_token_requests(DEVICE_GRANT, Some("slow_down")) == 1).await;
    let asked_to_slow_down = Instant::now();
    logto.approve_device(&device.user_code, "u_alice");
    polling.await.unwrap().expect("signed in");
    assert!(asked_to_slow_down.elapsed() >= Duration::from_secs(5), "{:?}", asked_to_slow_down.elapsed());

    // The user says no.
    let mut device = client.start_device_sign_in().await.unwrap();
    device.interval = Duration::from_millis(10);
    logto.deny_device(&device.user_code);
    let denied = client.finish_device_sign_in(&device).await.unwrap_err();
    assert!(
        matches!(&denied, LogtoError::Callback(CallbackError::Denied { error, .. }) if error == "access_denied"),
        "{denied:?}"
    );

    // Nobody answers in time.
    let mut device = client.start_device_sign_in().await.unwrap();
    device.interval = Duration::from_millis(10);
    logto.advance_clock(Duration::from_secs(601));
    let expired = client.finish_device_sign_in(&device).await.unwrap_err();
    assert_eq!(expired.oauth_error(), Some("expired_token"), "{expired:?}");
    assert_eq!(
        client.get_id_token_claims().await.unwrap().sub,
        "u_alice",
        "the earlier sign-in is untouched"
    );
}

#[tokio::test]
async fn polls_that_fail_on_the_way_back_off_and_the_sign_in_goes_on() {
    let logto = kit(Settings::default());
    let client = LogtoClient::new(config(&logto), Arc::new(logto::MemoryStorage::new())).unwrap();
    let mut device = client.start_device_sign_in().await.unwrap();
    device.interval = Duration::from_millis(10);
    // Logto restarting while the user approves on their phone: three polls get 503.
    logto.fail_next_token_requests(3, 503, "temporarily_unavailable");
    let started = Instant::now();
    let polling = tokio::spawn({
        let (client, device) = (client.clone(), device.clone());
        async move { client.finish_device_sign_in(&device).await }
    });
    until("three failed polls", || {
        logto.count_token_requests(DEVICE_GRANT, Some("temporarily_unavailable")) == 3
    })
    .await;
    logto.approve_device(&device.user_code, "u_alice");
    polling.await.unwrap().expect("signed in after the failures");
    // 20 + 40 + 80 ms of backoff after the three failures, then at least one more poll.
    assert!(started.elapsed() >= Duration::from_millis(140), "{:?}", started.elapsed());
    assert_eq!(client.get_id_token_claims().await.unwrap().sub, "u_alice");
    // A refusal of the request itself (not a 5xx) still ends the sign-in at once.
    let mut device = client.start_device_sign_in().await.unwrap();
    device.interval = Duration::from_millis(10);
    logto.fail_next_token_requests(1, 400, "invalid_grant");
    let refused = client.finish_device_sign_in(&device).await.unwrap_err();
    assert_eq!(refused.oauth_error(), Some("invalid_grant"), "{refused:?}");
}

#[tokio::test]
async fn a_server_without_the_device_flow_is_said_so() {
    let logto = kit(Settings::default());
    logto.add_app(App::spa("spa").redirect_uri("http://127.0.0.1/callback"));
    let spa =
        LogtoClient::new(LogtoConfig::new(logto.endpoint(), "spa"), Arc::new(logto::MemoryStorage::new()))
            .unwrap();
    let refused = spa.start_device_sign_in().await.unwrap_err();
    assert_eq!(refused.oauth_error(), Some("invalid_request"), "only native apps may: {refused:?}");
}

#[tokio::test]
async fn the_loopback_sign_in_answers_the_browser_and_completes() {
    let logto = kit(Settings::default());
    let client = LogtoClient::new(config(&logto), Arc::new(logto::MemoryStorage::new())).unwrap();
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let (opened, mut received) = tokio::sync::oneshot::channel::<String>();
    let sign_in = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .sign_in_with_loopback(LoopbackOptions::default(), |url| drop(opened.send(url.to_owned())))
                .await
        }
    });
    let url = (&mut received).await.unwrap();
    assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"), "a loopback redirect URI: {url}");
    assert!(url.contains("code_challenge_method=S256") && url.contains("state="));
    let callback = logto.callback_for(&url).await.unwrap();
    // Something else knocks first (a browser's favicon): 404, and the wait goes on.
    let origin = callback.split("/callback").next().unwrap().to_owned();
    assert_eq!(browser.get(format!("{origin}/favicon.ico")).send().await.unwrap().status(), 404);
    let page = browser.get(&callback).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("You can close this tab"));
    sign_in.await.unwrap().expect("signed in");
    assert_eq!(client.get_id_token_claims().await.unwrap().sub, "u_alice");
}

#[tokio::test]
async fn a_loopback_sign_in_nobody_finishes_times_out() {
    let logto = kit(Settings::default());
    let client = LogtoClient::new(config(&logto), Arc::new(logto::MemoryStorage::new())).unwrap();
    let waited = client
        .sign_in_with_loopback(LoopbackOptions::default().timeout(Duration::from_millis(200)), |_| {})
        .await
        .unwrap_err();
    assert!(waited.is_timeout(), "{waited:?}");
}

/// Two "invocations" (clients with their own coordinator handle on the same directory and their
/// own storage handle on the same file) whose access token expired refresh at once: one refresh
/// request, and both get a token (Logto's reuse grace off, so a second use would revoke).
#[tokio::test]
async fn two_invocations_sharing_the_files_refresh_once() {
    let logto = kit(Settings {
        refresh_token_reuse_interval: Duration::ZERO,
        access_token_ttl: Duration::from_secs(1),
        ..Settings::default()
    });
    let dir = temp_dir("refresh");
    let invocation = || {
        LogtoClient::builder(config(&logto))
            .storage(Arc::new(FileStorage::at(dir.join("tokens.json")).unwrap()))
            .coordinator(Arc::new(FileCoordinator::in_dir(dir.join("coordination")).unwrap()))
            .build()
            .unwrap()
    };
    let first = invocation();
    let mut device = first.start_device_sign_in().await.unwrap();
    device.interval = Duration::from_millis(10);
    logto.approve_device(&device.user_code, "u_alice");
    first.finish_device_sign_in(&device).await.unwrap();
    let refresh_token = first.get_refresh_token().await.unwrap().unwrap();

    tokio::time::sleep(Duration::from_millis(1100)).await; // the access token expires
    logto.reset_token_requests();
    let (a, b) = (invocation(), invocation());
    let (left, right) = tokio::join!(a.get_access_token(API), b.get_access_token(API));
    assert_eq!(left.unwrap(), right.unwrap(), "the second took the first one's token");
    assert_eq!(logto.count_token_requests("refresh_token", None), 1, "one refresh request");
    let rotated = a.get_refresh_token().await.unwrap().unwrap();
    assert_ne!(rotated, refresh_token);
    assert!(logto.is_refresh_token_active(rotated.secret()));

    // Signing out revokes the refresh token and empties the file.
    a.sign_out(None).await.unwrap();
    assert!(!logto.is_refresh_token_active(rotated.secret()));
    let storage = FileStorage::at(dir.join("tokens.json")).unwrap();
    assert!(storage.get(logto::PersistKey::RefreshToken).await.unwrap().is_none());
    std::fs::remove_dir_all(dir).unwrap();
}
