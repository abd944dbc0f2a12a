//! The sample CLI against the repository's independent OpenID Connect server (`testing/idp`,
//! node `oidc-provider` with its device flow shaped as Logto's: `/device`, `XXXX-XXXX` codes,
//! no `interval`): loopback and device sign-in, a protected call, a refused device sign-in, and
//! two `token` invocations after expiry making one refresh request.

mod common;

use common::{Cli, ok, read_until};
use logto_test_idp::{IdpOptions, TestIdp, clients, demo_user, grant_types, resources};
use std::time::Duration;

async fn loopback_login(idp: &TestIdp, cli: &Cli) {
    let mut login = cli.spawn(&["login"]);
    let stderr = login.stderr.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        read_until(stderr, |l| l.starts_with("http").then(|| l.to_owned()))
    })
    .await
    .unwrap();
    let callback = idp.login(&url).await;
    let page = reqwest::get(&callback).await.unwrap().text().await.unwrap();
    assert!(page.contains("You can close this tab"), "{page}");
    assert!(tokio::task::spawn_blocking(move || login.wait().unwrap().success()).await.unwrap());
}

#[tokio::test]
async fn loopback_and_device_sign_in_and_a_protected_call() {
    let idp = TestIdp::start().await;
    let cli = Cli::new(idp.endpoint(), clients::NATIVE_ID, resources::API, "flows");
    loopback_login(&idp, &cli).await;
    assert_eq!(ok(&cli.run(&["whoami"])), demo_user::SUB);
    let info = ok(&cli.run(&["call", &format!("{}/oidc/me", idp.endpoint())]));
    assert!(info.contains(demo_user::SUB), "{info}");
    ok(&cli.run(&["logout"]));

    // The device flow: the user approves on "another device" while the CLI polls (every 5 s:
    // the server names no interval, as Logto).
    let mut login = cli.spawn(&["login", "--device"]);
    let stdout = login.stdout.take().unwrap();
    let code =
        tokio::task::spawn_blocking(move || read_until(stdout, |l| Some(l.trim().to_owned()))).await.unwrap();
    assert!(code.len() == 9 && code.as_bytes()[4] == b'-', "Logto's XXXX-XXXX: {code}");
    let page = idp.approve_device(&format!("{}/device?user_code={code}", idp.endpoint())).await.unwrap();
    assert!(page.contains("Your device is signed in"), "{page}");
    assert!(tokio::task::spawn_blocking(move || login.wait().unwrap().success()).await.unwrap());
    assert_eq!(ok(&cli.run(&["whoami"])), demo_user::SUB);
    let token = ok(&cli.run(&["token", "--resource", resources::API]));
    assert_eq!(token.split('.').count(), 3, "a JWT for the API");
}

#[tokio::test]
async fn a_cancelled_device_sign_in_fails_with_access_denied() {
    let idp = TestIdp::start().await;
    let cli = Cli::new(idp.endpoint(), clients::NATIVE_ID, resources::API, "denied");
    let mut login = cli.spawn(&["login", "--device"]);
    let stdout = login.stdout.take().unwrap();
    let code =
        tokio::task::spawn_blocking(move || read_until(stdout, |l| Some(l.trim().to_owned()))).await.unwrap();
    idp.deny_device(&format!("{}/device?user_code={code}", idp.endpoint())).await.unwrap();
    let output = tokio::task::spawn_blocking(move || login.wait_with_output().unwrap()).await.unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("access_denied"), "{output:?}");
    assert!(!cli.run(&["whoami"]).status.success());
}

#[tokio::test]
async fn two_token_invocations_after_expiry_make_one_refresh_request() {
    // Logto's 3-second reuse grace off: a second use of the rotated refresh token would revoke.
    let idp = TestIdp::start_with(IdpOptions {
        access_token_ttl: Some(1),
        refresh_token_reuse_interval: Some(Duration::ZERO),
        ..Default::default()
    })
    .await;
    let cli = Cli::new(idp.endpoint(), clients::NATIVE_ID, resources::API, "refresh");
    loopback_login(&idp, &cli).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    idp.reset_token_requests().await;
    let (first, second) = (
        cli.spawn(&["token", "--resource", resources::API]),
        cli.spawn(&["token", "--resource", resources::API]),
    );
    let (first, second) = tokio::task::spawn_blocking(move || {
        (first.wait_with_output().unwrap(), second.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    assert_eq!(ok(&first), ok(&second), "both print the one refreshed token");
    let requests = idp.token_requests().await;
    assert_eq!(
        requests.grant_type(grant_types::REFRESH_TOKEN),
        1,
        "one refresh request for both invocations"
    );
    assert_eq!(ok(&cli.run(&["whoami"])), demo_user::SUB, "still signed in");
}
