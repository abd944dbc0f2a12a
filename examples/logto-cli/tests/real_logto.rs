//! The sample CLI's loopback sign-in against a real Logto (provisioned by
//! `testing/real-logto/provision.py`, its env file named by `LOGTO_REAL_ENV`; without it the
//! test says so and passes). Logto 1.37.1 has no device flow (1.38+), so only the loopback
//! sign-in runs here. The test creates a Native app for itself and deletes it after.

use logto_management::ManagementClient;
use logto_management::generated::CreateApplicationBody;
use logto_test_idp::real_logto;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_cli_signs_in_through_the_browser_at_a_real_logto() {
    let Some(env) = real_logto::env("the_cli_signs_in_through_the_browser_at_a_real_logto") else { return };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let endpoint = env["LOGTO_ENDPOINT"].clone();
    let logto = ManagementClient::new(
        &endpoint,
        &env["LOGTO_MANAGEMENT_APP_ID"],
        &env["LOGTO_MANAGEMENT_APP_SECRET"],
    )
    .unwrap();
    let body: CreateApplicationBody = serde_json::from_value(serde_json::json!({
        "name": "SDK CLI test", "type": "Native",
        "oidcClientMetadata": { "redirectUris": ["http://127.0.0.1/callback"], "postLogoutRedirectUris": [] }
    }))
    .unwrap();
    let app = runtime.block_on(logto.applications().create_application(&body)).expect("a Native app");
    let home = std::env::temp_dir().join(format!("logto-cli-real-{}", std::process::id()));
    let cli = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_logto-cli"));
        command
            .args(args)
            .env("LOGTO_ENDPOINT", &endpoint)
            .env("LOGTO_APP_ID", &app.id)
            .env("XDG_CONFIG_HOME", &home)
            .env("HOME", &home)
            .env("BROWSER", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    };
    let outcome = std::panic::catch_unwind(|| {
        let mut login = cli(&["login"]).spawn().unwrap();
        let mut lines = BufReader::new(login.stderr.take().unwrap()).lines();
        let url = lines
            .by_ref()
            .map(Result::unwrap)
            .find(|line| line.starts_with("http"))
            .expect("the sign-in URL");
        std::thread::spawn(move || lines.for_each(drop));
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
        let whoami = cli(&["whoami"]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&whoami.stdout).trim(), env["LOGTO_MEMBER_ID"]);
        let info = cli(&["call", &format!("{endpoint}/oidc/me")]).output().unwrap();
        assert!(
            String::from_utf8_lossy(&info.stdout).contains(&env["LOGTO_MEMBER_ID"]),
            "a bearer call to Logto's userinfo"
        );
        assert!(cli(&["logout"]).output().unwrap().status.success());
        assert!(!cli(&["whoami"]).output().unwrap().status.success(), "signed out");
    });
    runtime.block_on(logto.applications().delete_application(&app.id)).expect("the app deleted");
    let _ = std::fs::remove_dir_all(&home);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
