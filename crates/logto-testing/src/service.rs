//! Signing a user in through an app's own routes when the app is a tower service under test
//! (an axum `Router`, no server): the requests go straight to the service, the browser's cookie
//! jar is kept here.

use crate::MockLogto;
use axum::body::Body;
use axum::http::{Request, Response, header};
use std::collections::BTreeMap;
use tower::{Service, ServiceExt};

/// The cookies a browser holds for the app, by name.
#[derive(Debug, Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn take<B>(&mut self, response: &Response<B>) {
        for value in response.headers().get_all(header::SET_COOKIE) {
            let Ok(header) = value.to_str() else { continue };
            let pair = header.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else { continue };
            // A cookie removed by the app: empty, or expired at once.
            if value.trim().is_empty() || header.to_ascii_lowercase().contains("max-age=0") {
                self.0.remove(name.trim());
            } else {
                self.0.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }
}

fn local(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(url) => match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

impl MockLogto {
    /// Signs the chosen user in through `app`'s own routes (GET `sign_in_path`, this server,
    /// then the app's callback), the way a browser would, and returns the `Cookie` header value
    /// to send with the requests that follow: the app's real session code runs.
    ///
    /// ```no_run
    /// # async fn demo(app: axum::Router, logto: logto_testing::MockLogto) {
    /// use tower::ServiceExt;
    /// let cookie = logto.sign_in_via(app.clone(), "/sign-in").await.unwrap();
    /// let request = axum::http::Request::get("/protected").header("cookie", cookie).body(axum::body::Body::empty()).unwrap();
    /// assert_eq!(app.oneshot(request).await.unwrap().status(), 200);
    /// # }
    /// ```
    pub async fn sign_in_via<S>(&self, app: S, sign_in_path: &str) -> Result<String, String>
    where
        S: Service<Request<Body>, Response = Response<Body>> + Clone,
        S::Error: std::fmt::Display,
    {
        let mut jar = Jar::default();
        let start = app
            .clone()
            .oneshot(Request::get(sign_in_path).body(Body::empty()).map_err(|e| e.to_string())?)
            .await
            .map_err(|e| format!("GET {sign_in_path}: {e}"))?;
        jar.take(&start);
        let location = start
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .filter(|location| location.starts_with(&format!("{}/auth", self.issuer())))
            .ok_or_else(|| {
                format!(
                    "GET {sign_in_path} answered {} without a redirect to {}/auth: is the app configured with this server's endpoint?",
                    start.status(),
                    self.issuer()
                )
            })?
            .to_owned();
        let callback = local(&self.callback_for(&location).await?);
        let request = Request::get(&callback).header(header::COOKIE, jar.header()).body(Body::empty());
        let done = app
            .oneshot(request.map_err(|e| e.to_string())?)
            .await
            .map_err(|e| format!("GET {callback}: {e}"))?;
        if done.status().is_client_error() || done.status().is_server_error() {
            return Err(format!("the app's callback answered {}", done.status()));
        }
        jar.take(&done);
        Ok(jar.header())
    }
}
