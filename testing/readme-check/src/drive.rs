//! Runs an example against the test identity server the way a person would, and checks what it
//! shows.
//!
//! A `cli` example gets `LOGTO_ENDPOINT`, `LOGTO_APP_ID`, `LOGTO_APP_SECRET` and `API_RESOURCE`;
//! it prints the sign-in URL, the checker signs in as the demo user in a scripted browser and
//! writes the URL the browser landed on to its stdin, and the program must then print the user's
//! `sub` and e-mail address, the API resource (its access token's audience) and a sign-out URL,
//! and exit with success.
//!
//! A `web` example gets the same variables and `PORT`, and must serve `http://127.0.0.1:PORT`:
//! `/` is an HTML page with a link to `/sign-in` while signed out, `/sign-in` sends the browser
//! to Logto, `/callback` finishes the sign-in, `/` then shows the user's `sub` and a way to sign
//! out (a form posting to, or a link to, a path with `sign-out`) that ends at Logto's end-session
//! endpoint and returns to a signed-out page.
//!
//! A `test` example is a test suite that brings its own identity server (`logto-testing`'s
//! `MockLogto`): `cargo test`, or its COMMAND (`python -m pytest ...`), must pass.

use std::process::Stdio;
use std::time::Duration;

use logto_test_idp::{TestIdp, clients, demo_user, resources};
use reqwest::header::{CONTENT_TYPE, LOCATION, ORIGIN};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};
use url::Url;

/// How long a program may take to print its sign-in URL, finish after the callback, or start
/// listening.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

fn logto_env(command: &mut Command, idp: &TestIdp) {
    command
        .env("LOGTO_ENDPOINT", idp.endpoint())
        .env("LOGTO_APP_ID", clients::CONFIDENTIAL_ID)
        .env("LOGTO_APP_SECRET", clients::CONFIDENTIAL_SECRET)
        .env("API_RESOURCE", resources::API)
        .kill_on_drop(true);
}

/// Reads the output of a child until it ends, in the background (so it never blocks on a full
/// pipe).
fn collect(
    mut reader: impl tokio::io::AsyncRead + Unpin + Send + 'static,
) -> tokio::task::JoinHandle<String> {
    tokio::spawn(async move {
        let mut bytes = Vec::new();
        let _ = reader.read_to_end(&mut bytes).await;
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The `cli` contract.
pub(crate) async fn cli(mut command: Command, idp: &TestIdp) -> Result<String, String> {
    logto_env(&mut command, idp);
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    let stderr = collect(child.stderr.take().expect("piped"));
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let result = drive_cli(&mut child, &mut stdout, idp).await;
    let _ = child.start_kill();
    let errors = stderr.await.unwrap_or_default();
    result.map_err(|e| format!("{e}\n--- its stderr ---\n{errors}"))
}

async fn drive_cli(
    child: &mut Child,
    stdout: &mut BufReader<ChildStdout>,
    idp: &TestIdp,
) -> Result<String, String> {
    let auth_prefix = format!("{}/oidc/auth?", idp.endpoint());
    let mut printed = String::new();
    let sign_in_url = loop {
        let mut line = String::new();
        let read = tokio::time::timeout(STEP_TIMEOUT, stdout.read_line(&mut line))
            .await
            .map_err(|_| format!("no sign-in URL within {STEP_TIMEOUT:?}; it printed:\n{printed}"))?
            .map_err(|e| format!("reading its output: {e}"))?;
        if read == 0 {
            return Err(format!("it ended without printing a sign-in URL; it printed:\n{printed}"));
        }
        printed.push_str(&line);
        if let Some(start) = line.find(&auth_prefix) {
            break line[start..].split_whitespace().next().unwrap_or_default().to_owned();
        }
    };
    let callback = idp.browser().login_as(&sign_in_url, demo_user::USERNAME, demo_user::PASSWORD).await?;
    let mut stdin = child.stdin.take().expect("piped");
    stdin
        .write_all(format!("{callback}\n").as_bytes())
        .await
        .map_err(|e| format!("writing the callback URL to its stdin: {e}"))?;
    drop(stdin);
    let mut rest = String::new();
    tokio::time::timeout(STEP_TIMEOUT, stdout.read_to_string(&mut rest))
        .await
        .map_err(|_| format!("still running {STEP_TIMEOUT:?} after the callback; it printed:\n{printed}"))?
        .map_err(|e| format!("reading its output: {e}"))?;
    printed.push_str(&rest);
    let status = tokio::time::timeout(STEP_TIMEOUT, child.wait())
        .await
        .map_err(|_| "it did not exit".to_owned())?
        .map_err(|e| format!("waiting for it: {e}"))?;
    if !status.success() {
        return Err(format!("it failed ({status}); it printed:\n{printed}"));
    }
    let end_session = format!("{}/oidc/session/end", idp.endpoint());
    for (what, expected) in [
        ("the user's sub", demo_user::SUB),
        ("the user's e-mail (user info)", demo_user::EMAIL),
        ("the API resource (the access token's audience)", resources::API),
        ("the sign-out URL", end_session.as_str()),
    ] {
        if !printed.contains(expected) {
            return Err(format!("its output lacks {what} (`{expected}`):\n{printed}"));
        }
    }
    Ok(format!(
        "signed in as {} and printed the claims, user info, API token and sign-out URL",
        demo_user::SUB
    ))
}

/// A free port on 127.0.0.1.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// The `web` contract.
pub(crate) async fn web(mut command: Command, idp: &TestIdp) -> Result<String, String> {
    let port = free_port()?;
    logto_env(&mut command, idp);
    let mut child = command
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    let stdout = collect(child.stdout.take().expect("piped"));
    let stderr = collect(child.stderr.take().expect("piped"));
    let result = drive_web(&mut child, port, idp).await;
    let _ = child.start_kill();
    let _ = child.wait().await;
    let (out, errors) = (stdout.await.unwrap_or_default(), stderr.await.unwrap_or_default());
    result.map_err(|e| format!("{e}\n--- its stdout ---\n{out}\n--- its stderr ---\n{errors}"))
}

async fn drive_web(child: &mut Child, port: u16, idp: &TestIdp) -> Result<String, String> {
    let base = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("it exited ({status}) before listening on port {port}"));
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("nothing listens on port {port} after {STEP_TIMEOUT:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let page = |url: String| {
        let browser = browser.clone();
        async move {
            let response = browser.get(&url).send().await.map_err(|e| format!("GET {url}: {e}"))?;
            let status = response.status();
            let html = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            let body = response.text().await.map_err(|e| format!("GET {url}: {e}"))?;
            if status != reqwest::StatusCode::OK || !html {
                return Err(format!("GET {url}: expected an HTML page, got HTTP {status}: {body}"));
            }
            Ok(body)
        }
    };
    let redirect = |response: reqwest::Response, what: &str| -> Result<String, String> {
        let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok());
        match location {
            Some(location) if response.status().is_redirection() => Url::parse(&base)
                .and_then(|base| base.join(location))
                .map(String::from)
                .map_err(|e| format!("{what}: bad Location `{location}`: {e}")),
            _ => Err(format!("{what}: expected a redirect, got HTTP {}", response.status())),
        }
    };

    let home = page(format!("{base}/")).await?;
    if !home.contains("href=\"/sign-in\"") {
        return Err(format!("signed out, `/` has no link to /sign-in:\n{home}"));
    }
    let response = browser.get(format!("{base}/sign-in")).send().await.map_err(|e| e.to_string())?;
    let sign_in_url = redirect(response, "GET /sign-in")?;
    if !sign_in_url.starts_with(&format!("{}/oidc/auth?", idp.endpoint())) {
        return Err(format!("/sign-in sends the browser to {sign_in_url}, not to Logto"));
    }
    let idp_browser = idp.browser();
    let callback = idp_browser.login_as(&sign_in_url, demo_user::USERNAME, demo_user::PASSWORD).await?;
    if !callback.starts_with(&format!("{base}/")) {
        return Err(format!("Logto sent the browser to {callback}, not back to the app"));
    }
    let response = browser.get(&callback).send().await.map_err(|e| e.to_string())?;
    let after_sign_in = redirect(response, "the callback")?;
    let home = page(after_sign_in).await?;
    if !home.contains(demo_user::SUB) {
        return Err(format!("signed in, the page after the callback does not show the user's sub:\n{home}"));
    }

    let sign_out = sign_out_action(&home).ok_or(format!("signed in, `/` has no way to sign out:\n{home}"))?;
    let target = Url::parse(&base).and_then(|b| b.join(&sign_out.1)).map_err(|e| e.to_string())?;
    let request = if sign_out.0 {
        browser.post(target.as_str()).header(ORIGIN, &base)
    } else {
        browser.get(target.as_str())
    };
    let response = request.send().await.map_err(|e| e.to_string())?;
    let end_session = redirect(response, "signing out")?;
    if !end_session.starts_with(&format!("{}/oidc/session/end", idp.endpoint())) {
        return Err(format!(
            "signing out sends the browser to {end_session}, not to Logto's end-session endpoint"
        ));
    }
    let back = idp_browser.try_logout(&end_session).await?;
    let home = page(back).await?;
    if !home.contains("href=\"/sign-in\"") || home.contains(demo_user::SUB) {
        return Err(format!("after signing out, the page is not the signed-out one:\n{home}"));
    }
    Ok(format!("signed out, signed in as {}, signed out again", demo_user::SUB))
}

/// The sign-out control of a page: `(true, action)` for a form posting to a path containing
/// `sign-out`, `(false, href)` for a link.
fn sign_out_action(html: &str) -> Option<(bool, String)> {
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        Some(tag[start..].split('"').next()?.to_owned())
    };
    for (index, _) in html.match_indices('<') {
        let tag = &html[index..index + html[index..].find('>')?];
        let is_post = tag.starts_with("<form")
            && attribute(tag, "method").is_some_and(|m| m.eq_ignore_ascii_case("post"));
        let target = if tag.starts_with("<form") {
            attribute(tag, "action")
        } else if tag.starts_with("<a ") {
            attribute(tag, "href")
        } else {
            None
        };
        if let Some(target) = target.filter(|t| t.contains("sign-out")) {
            return Some((is_post, target));
        }
    }
    None
}

/// How long a `test` example's suite may run (a Rust one compiles first).
const TEST_TIMEOUT: Duration = Duration::from_secs(600);

/// The `test` contract.
pub(crate) async fn test(mut command: Command) -> Result<String, String> {
    let run = command.stdin(Stdio::null()).kill_on_drop(true).output();
    let output = tokio::time::timeout(TEST_TIMEOUT, run)
        .await
        .map_err(|_| format!("its tests still ran after {TEST_TIMEOUT:?}"))?
        .map_err(|e| format!("cannot run its tests: {e}"))?;
    if output.status.success() {
        return Ok("its tests passed".to_owned());
    }
    Err(format!(
        "its tests failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

#[cfg(test)]
mod tests {
    use super::sign_out_action;

    #[test]
    fn finds_the_sign_out_form_or_link() {
        let form = "<p>hi</p><form method=\"post\" action=\"/sign-out\"><button>Sign out</button></form>";
        assert_eq!(sign_out_action(form), Some((true, "/sign-out".into())));
        assert_eq!(
            sign_out_action("<a href=\"/x\">x</a><a href=\"/auth/sign-out\">out</a>"),
            Some((false, "/auth/sign-out".into()))
        );
        assert_eq!(sign_out_action("<a href=\"/sign-in\">in</a>"), None);
    }
}
