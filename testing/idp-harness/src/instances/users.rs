//! [`SimUser`]: a person with a browser (a cookie jar) using the app through the proxy. Every
//! request opens a new connection, so with a round-robin proxy consecutive and concurrent
//! requests of one user reach different app instances.

use crate::IdpBrowser;
use std::time::{Duration, Instant};

/// What a page answered, as a person would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The page, with what it must show.
    Served,
    /// Sent to sign in again (a redirect to the sign-in route, or a 401): the session was lost.
    SignedOut,
    /// A 5xx error; `readable` when it is a page that tells the person what happened.
    Failed {
        /// The status.
        status: u16,
        /// Whether the body is the app's readable error page.
        readable: bool,
    },
    /// Anything else (a 200 without what the page must show, a 4xx, ...).
    Unexpected {
        /// The status.
        status: u16,
        /// The start of the body.
        excerpt: String,
    },
    /// No HTTP answer at all (connection refused or reset, timeout).
    NoAnswer(String),
}

/// What a page must show, and what the app's error page looks like: the judge of answers.
#[derive(Clone)]
pub struct PageCheck {
    /// The path requested (`/protected/api`).
    pub path: String,
    /// Whether a 200's body is the page served as it must be.
    pub served: fn(&str) -> bool,
    /// Whether a 5xx body is a readable error page.
    pub readable_error: fn(&str) -> bool,
    /// The app's sign-in path (a redirect there means signed out).
    pub sign_in_path: String,
}

impl std::fmt::Debug for PageCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCheck").field("path", &self.path).finish_non_exhaustive()
    }
}

impl PageCheck {
    /// The verdict on one answer.
    pub fn judge(&self, status: u16, location: Option<&str>, body: &str) -> Answer {
        match status {
            200 if (self.served)(body) => Answer::Served,
            302 | 303 | 307 if location.is_some_and(|l| l.contains(&self.sign_in_path)) => Answer::SignedOut,
            401 => Answer::SignedOut,
            500..=599 => Answer::Failed { status, readable: (self.readable_error)(body) },
            _ => Answer::Unexpected { status, excerpt: body.chars().take(300).collect() },
        }
    }
}

/// One request of the load.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The user.
    pub user: usize,
    /// When it started, from the start of the run.
    pub started: Duration,
    /// How long it took.
    pub took: Duration,
    /// The verdict.
    pub answer: Answer,
}

impl Outcome {
    /// When it ended, from the start of the run.
    pub fn ended(&self) -> Duration {
        self.started + self.took
    }
}

/// A simulated user with their own cookie jar.
#[derive(Debug, Clone)]
pub struct SimUser {
    /// Its number.
    pub index: usize,
    base: String,
    http: reqwest::Client,
}

impl SimUser {
    /// A user of the app at `base` (the proxy) whose requests give up after `timeout`; with
    /// `fresh_connections` every request opens a new connection (so a round-robin proxy sends
    /// each to the next instance), otherwise connections are kept alive and reused.
    pub fn new(index: usize, base: &str, timeout: Duration, fresh_connections: bool) -> Self {
        let mut http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout);
        if fresh_connections {
            http = http.pool_max_idle_per_host(0);
        }
        let http = http.build().expect("reqwest client");
        Self { index, base: base.trim_end_matches('/').to_owned(), http }
    }

    /// Signs in through the app: its sign-in route, the identity server's login page (as the
    /// demo user, in `idp`), the app's callback.
    pub async fn sign_in(&self, idp: &IdpBrowser, sign_in_path: &str) -> Result<(), String> {
        let start = self.http.get(format!("{}{sign_in_path}", self.base)).send().await;
        let start = start.map_err(|e| format!("sign-in route: {e}"))?;
        let to_idp = location(&start).ok_or_else(|| format!("sign-in route answered {}", start.status()))?;
        let callback = idp.login_as(&to_idp, crate::demo_user::USERNAME, crate::demo_user::PASSWORD).await?;
        let done = self.http.get(&callback).send().await.map_err(|e| format!("callback: {e}"))?;
        if !done.status().is_redirection() {
            let status = done.status();
            let body = done.text().await.unwrap_or_default();
            return Err(format!(
                "callback answered {status}: {}",
                body.chars().take(300).collect::<String>()
            ));
        }
        Ok(())
    }

    /// Requests `check.path` and judges the answer; `since` is the start of the run.
    pub async fn visit(&self, check: &PageCheck, since: Instant) -> Outcome {
        let started = Instant::now();
        let answer = match self.http.get(format!("{}{}", self.base, check.path)).send().await {
            Err(error) => Answer::NoAnswer(error.to_string()),
            Ok(response) => {
                let status = response.status().as_u16();
                let location = location(&response);
                match response.text().await {
                    Ok(body) => check.judge(status, location.as_deref(), &body),
                    Err(error) => Answer::NoAnswer(format!("reading the body: {error}")),
                }
            }
        };
        Outcome { user: self.index, started: started - since, took: started.elapsed(), answer }
    }
}

fn location(response: &reqwest::Response) -> Option<String> {
    response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
}
