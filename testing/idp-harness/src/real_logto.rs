//! The real-Logto legs' shared pieces: the env file `testing/real-logto/provision.py` wrote
//! (named by `LOGTO_REAL_ENV`), and a user's sign-in through Logto's experience API, as
//! Logto's own sign-in page does it.

use std::collections::HashMap;
use std::time::Duration;

/// The provisioned Logto's variables, or `None` when `LOGTO_REAL_ENV` is not set (the test
/// then passes, saying why: the project's CI has no Logto to run).
pub fn env(test: &str) -> Option<HashMap<String, String>> {
    let Ok(path) = std::env::var("LOGTO_REAL_ENV") else {
        eprintln!(
            "{test}: LOGTO_REAL_ENV is not set: no real Logto to run against (testing/real-logto/README.md)"
        );
        return None;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Some(
        text.lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.trim().to_owned(), unquote(value.trim()).to_owned()))
            .collect(),
    )
}

/// A browser's HTTP client: cookies kept, redirects not followed.
pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Signs `user` (`MEMBER`, `OUTSIDER`: its `LOGTO_<user>_USERNAME`/`_PASSWORD`) in at Logto
/// through its experience API, in `logto`'s cookie jar; returns the callback URL Logto sends
/// the browser to (the first redirect to one of `apps`).
pub async fn sign_in(
    logto: &reqwest::Client,
    env: &HashMap<String, String>,
    sign_in_url: &str,
    user: &str,
    apps: &[&str],
) -> String {
    let endpoint = &env["LOGTO_ENDPOINT"];
    let started = logto.get(sign_in_url).send().await.expect("authorization request");
    assert!(started.status().is_redirection(), "{}", started.status());
    let mut location = experience_sign_in(logto, env, user).await;
    for _ in 0..10 {
        if apps.iter().any(|app| location.starts_with(app)) {
            return location;
        }
        let next = url::Url::parse(endpoint).unwrap().join(&location).unwrap();
        let response = logto.get(next).send().await.expect("redirect");
        location = response.headers()["location"].to_str().unwrap().to_owned();
    }
    panic!("Logto never sent the browser back to the app")
}

/// Signs `user` in through Logto's experience API in an interaction the cookie jar already
/// has (an authorization request or a device sign-in started it); returns where Logto sends
/// the browser next.
async fn experience_sign_in(logto: &reqwest::Client, env: &HashMap<String, String>, user: &str) -> String {
    let endpoint = &env["LOGTO_ENDPOINT"];
    let (username, password) =
        (&env[&format!("LOGTO_{user}_USERNAME")], &env[&format!("LOGTO_{user}_PASSWORD")]);
    let api = |method: reqwest::Method, path: &str, body: serde_json::Value| {
        let request = logto.request(method, format!("{endpoint}/api/experience{path}")).json(&body);
        async move {
            let response = request.send().await.expect("experience API");
            assert!(response.status().is_success(), "{}", response.status());
            response.json::<serde_json::Value>().await.unwrap_or_default()
        }
    };
    api(reqwest::Method::PUT, "", serde_json::json!({ "interactionEvent": "SignIn" })).await;
    let verification = api(
        reqwest::Method::POST,
        "/verification/password",
        serde_json::json!({ "identifier": { "type": "username", "value": username }, "password": password }),
    )
    .await;
    api(
        reqwest::Method::POST,
        "/identification",
        serde_json::json!({ "verificationId": verification["verificationId"] }),
    )
    .await;
    api(reqwest::Method::POST, "/submit", serde_json::json!({})).await["redirectTo"]
        .as_str()
        .expect("redirectTo")
        .to_owned()
}

/// Answers a device sign-in (Logto 1.38+) as its user does on Logto's device page, opened at
/// `verification_uri_complete` (the code filled in): the page's form posts to `/oidc/device`
/// with the session's `xsrf`, then confirms (`approve`: the user signs in as `user` through
/// the experience API and lands on `/device/success`) or aborts (the device then polls
/// `access_denied`). Returns the page the browser ends on.
pub async fn answer_device(
    logto: &reqwest::Client,
    env: &HashMap<String, String>,
    verification_uri_complete: &str,
    user: &str,
    approve: bool,
) -> String {
    let endpoint = url::Url::parse(&env["LOGTO_ENDPOINT"]).unwrap();
    let user_code = url::Url::parse(verification_uri_complete)
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == "user_code")
        .map(|(_, value)| value.into_owned())
        .expect("the link carries the code");
    let location = |response: &reqwest::Response| {
        let to = response.headers().get("location").expect("a redirect").to_str().unwrap();
        endpoint.join(to).unwrap()
    };
    // The device page sends the browser to the provider's form, which carries the `xsrf`.
    let page = logto.get(verification_uri_complete).send().await.expect("the device page");
    assert!(page.status().is_redirection(), "{}", page.status());
    let form = logto.get(location(&page)).send().await.expect("the device form").text().await.unwrap();
    let xsrf = form
        .split("name=\"xsrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form's xsrf")
        .to_owned();
    let post = |fields: Vec<(&'static str, String)>| {
        let request = logto.post(endpoint.join("/oidc/device").unwrap()).form(&fields);
        async move { request.send().await.expect("the device form's post") }
    };
    let entered = post(vec![("xsrf", xsrf.clone()), ("user_code", user_code.clone())]).await;
    assert!(entered.status().is_redirection(), "{}", entered.status());
    let answer = if approve { "confirm" } else { "abort" };
    let answered = post(vec![(answer, "yes".to_owned()), ("user_code", user_code), ("xsrf", xsrf)]).await;
    assert!(answered.status().is_redirection(), "{}", answered.status());
    if !approve {
        return location(&answered).to_string();
    }
    let mut next = endpoint.join(&experience_sign_in(logto, env, user).await).unwrap();
    for _ in 0..10 {
        if next.path() == "/device/success" {
            return next.to_string();
        }
        let response = logto.get(next.clone()).send().await.expect("redirect");
        next = location(&response);
    }
    panic!("Logto never showed the device sign-in's success page")
}

/// A value as the shell reads it from the env file: without its single or double quotes.
fn unquote(value: &str) -> &str {
    for quote in ['\'', '"'] {
        if let Some(inner) = value.strip_prefix(quote).and_then(|v| v.strip_suffix(quote)) {
            return inner;
        }
    }
    value
}
