//! The sample CLI against a real Logto (provisioned by `testing/real-logto/provision.py`, its
//! env file named by `LOGTO_REAL_ENV`; without it the tests say so and pass): the loopback
//! sign-in, and the device flow (Logto 1.38+; an older Logto says it has none, and that test
//! says so and passes), approved and refused by the user on Logto's device page. Each test
//! creates a Native app for itself and deletes it after.

mod common;

use common::{Cli, ok, read_until};
use logto_management::ManagementClient;
use logto_management::generated::{CreateApplicationBody, CreateResourceBody};
use logto_test_idp::real_logto;

/// The Management API client of the provisioned Logto (its management app).
fn management(env: &std::collections::HashMap<String, String>) -> ManagementClient {
    ManagementClient::new(
        &env["LOGTO_ENDPOINT"],
        &env["LOGTO_MANAGEMENT_APP_ID"],
        &env["LOGTO_MANAGEMENT_APP_SECRET"],
    )
    .unwrap()
}

/// The device sign-in's link with the code, from the CLI's `(or open <link>)` line.
fn device_link(line: &str) -> Option<String> {
    line.strip_prefix("(or open ").and_then(|rest| rest.strip_suffix(')')).map(str::to_owned)
}

#[test]
fn the_cli_signs_in_through_the_browser_at_a_real_logto() {
    let Some(env) = real_logto::env("the_cli_signs_in_through_the_browser_at_a_real_logto") else { return };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let endpoint = env["LOGTO_ENDPOINT"].clone();
    let logto = management(&env);
    let body: CreateApplicationBody = serde_json::from_value(serde_json::json!({
        "name": "SDK CLI test", "type": "Native",
        "oidcClientMetadata": { "redirectUris": ["http://127.0.0.1/callback"], "postLogoutRedirectUris": [] }
    }))
    .unwrap();
    let app = runtime.block_on(logto.applications().create_application(&body)).expect("a Native app");
    let cli = Cli::new(&endpoint, &app.id, "", "real");
    let outcome = std::panic::catch_unwind(|| {
        let mut login = cli.spawn(&["login"]);
        let url = read_until(login.stderr.take().unwrap(), |line| {
            line.starts_with("http").then(|| line.to_owned())
        });
        let redirect_uri = url::Url::parse(&url)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| v.into_owned())
            .expect("a redirect URI");
        assert!(
            redirect_uri.starts_with("http://127.0.0.1:") && redirect_uri.ends_with("/callback"),
            "{redirect_uri}"
        );
        // The user signs in at Logto (its experience API, as its sign-in page does); Logto sends
        // the browser to the CLI's loopback port, whose answer completes the sign-in.
        let callback = runtime.block_on(real_logto::sign_in(
            &real_logto::cookie_client(),
            &env,
            &url,
            "MEMBER",
            &[redirect_uri.as_str()],
        ));
        let page = runtime.block_on(async { reqwest::get(&callback).await.unwrap().text().await.unwrap() });
        assert!(page.contains("You can close this tab"), "{page}");
        assert!(login.wait().unwrap().success());
        let whoami = cli.run(&["whoami"]);
        assert_eq!(String::from_utf8_lossy(&whoami.stdout).trim(), env["LOGTO_MEMBER_ID"]);
        let info = cli.run(&["call", &format!("{endpoint}/oidc/me")]);
        assert!(
            String::from_utf8_lossy(&info.stdout).contains(&env["LOGTO_MEMBER_ID"]),
            "a bearer call to Logto's userinfo"
        );
        assert!(cli.run(&["logout"]).status.success());
        assert!(!cli.run(&["whoami"]).status.success(), "signed out");
    });
    runtime.block_on(logto.applications().delete_application(&app.id)).expect("the app deleted");
    drop(cli);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn the_cli_signs_in_with_the_device_flow_at_a_real_logto() {
    let test = "the_cli_signs_in_with_the_device_flow_at_a_real_logto";
    let Some(env) = real_logto::env(test) else { return };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let endpoint = env["LOGTO_ENDPOINT"].clone();
    let discovery: serde_json::Value = runtime.block_on(async {
        reqwest::get(format!("{endpoint}/oidc/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    if discovery.get("device_authorization_endpoint").is_none() {
        eprintln!("{test}: this Logto serves no device flow (1.38+ does)");
        return;
    }
    let logto = management(&env);
    // A Native app created for the device flow: Logto gives it the device-code and refresh
    // grants, and nothing else.
    let body: CreateApplicationBody = serde_json::from_value(serde_json::json!({
        "name": "SDK CLI device test", "type": "Native",
        "oidcClientMetadata": { "redirectUris": [], "postLogoutRedirectUris": [] },
        "customClientMetadata": { "isDeviceFlow": true }
    }))
    .unwrap();
    let app = runtime.block_on(logto.applications().create_application(&body)).expect("a device-flow app");
    // An API whose access tokens live 5 s, so the test sees them expire.
    let unique = std::process::id();
    let api = CreateResourceBody {
        name: format!("SDK CLI test API {unique}"),
        indicator: format!("https://sdk-cli-test-{unique}.example.com"),
        access_token_ttl: Some(5.0),
        ..Default::default()
    };
    let api = runtime.block_on(logto.resources().create_resource(&api)).expect("an API resource");
    let cli = Cli::new(&endpoint, &app.id, &api.indicator, "real-device");
    let outcome = std::panic::catch_unwind(|| {
        // The user approves on Logto's device page (the link with the code), signing in there.
        let mut login = cli.spawn(&["login", "--device"]);
        let user_code = read_until(login.stdout.take().unwrap(), |line| Some(line.trim().to_owned()));
        let link = read_until(login.stderr.take().unwrap(), device_link);
        assert!(link.contains(&user_code), "{link}");
        let page = runtime.block_on(real_logto::answer_device(
            &real_logto::cookie_client(),
            &env,
            &link,
            "MEMBER",
            true,
        ));
        assert!(page.ends_with("/device/success"), "{page}");
        assert!(login.wait().unwrap().success());
        assert_eq!(ok(&cli.run(&["whoami"])), env["LOGTO_MEMBER_ID"]);
        let info = ok(&cli.run(&["call", &format!("{endpoint}/oidc/me")]));
        assert!(info.contains(&env["LOGTO_MEMBER_ID"]), "a bearer call to Logto's userinfo: {info}");
        // Two invocations find the API's token expired at once: one refresh (Logto rotates the
        // refresh token: a second refresh would print another token, or fail), one token printed.
        let first = ok(&cli.run(&["token", "--resource", &api.indicator]));
        std::thread::sleep(std::time::Duration::from_millis(5500));
        let (one, two) = (
            cli.spawn(&["token", "--resource", &api.indicator]),
            cli.spawn(&["token", "--resource", &api.indicator]),
        );
        let (one, two) = (ok(&one.wait_with_output().unwrap()), ok(&two.wait_with_output().unwrap()));
        assert_eq!(one, two, "both invocations print the one refreshed token");
        assert_ne!(one, first, "a new token after expiry");
        ok(&cli.run(&["logout"]));
        assert!(!cli.run(&["whoami"]).status.success(), "signed out");

        // The user refuses: the CLI says so and stays signed out.
        let mut login = cli.spawn(&["login", "--device"]);
        read_until(login.stdout.take().unwrap(), |line| Some(line.trim().to_owned()));
        let link = read_until(login.stderr.take().unwrap(), device_link);
        let page = runtime.block_on(real_logto::answer_device(
            &real_logto::cookie_client(),
            &env,
            &link,
            "MEMBER",
            false,
        ));
        assert!(page.contains("error="), "{page}");
        let refused = login.wait_with_output().unwrap();
        assert!(!refused.status.success(), "a refused sign-in fails");
        assert!(!cli.run(&["whoami"]).status.success());
    });
    runtime.block_on(logto.applications().delete_application(&app.id)).expect("the app deleted");
    runtime.block_on(logto.resources().delete_resource(&api.id)).expect("the API deleted");
    drop(cli);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
