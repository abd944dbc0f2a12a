//! A local server standing in for Logto's API in the tests: it checks the bearer token the kit
//! (`logto-testing`) minted for the Management API resource, records each request, and answers
//! what the test's handler says.

#![allow(dead_code, unreachable_pub)]

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use logto_management::{ManagementClient, RetryPolicy};
use logto_testing::{App, MockLogto};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Logto's Management API resource on an open-source Logto.
pub const RESOURCE: &str = "https://default.logto.app/api";

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub type Handler = dyn Fn(&Seen) -> Response + Send + Sync;

/// The kit (for the machine token) and the local API server.
pub struct Server {
    pub logto: MockLogto,
    pub endpoint: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn start(handler: impl Fn(&Seen) -> Response + Send + Sync + 'static) -> Self {
        let logto = MockLogto::start().expect("kit");
        logto.add_app(App::machine_to_machine("m2m", "m2m-secret").api_scopes(RESOURCE, ["all"]));
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let (kit_issuer, recorded) = (logto.issuer(), seen.clone());
        let app =
            axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (handler, recorded, kit_issuer) = (handler.clone(), recorded.clone(), kit_issuer.clone());
                async move {
                    if !bearer_is_for_the_management_api(&headers, &kit_issuer) {
                        return (StatusCode::UNAUTHORIZED, r#"{"code":"auth.unauthorized","message":"no"}"#)
                            .into_response();
                    }
                    let seen = Seen {
                        method,
                        path: uri.path().to_owned(),
                        query: uri.query().unwrap_or_default().to_owned(),
                        headers,
                        body,
                    };
                    recorded.lock().unwrap().push(seen.clone());
                    handler(&seen)
                }
            });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let endpoint = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        Self { logto, endpoint, seen }
    }

    /// A management client whose token comes from the kit and whose API is this server.
    pub fn client(&self, retry: RetryPolicy) -> ManagementClient {
        // The kit is the Logto that issues tokens; the API answers here. In production both are
        // the same endpoint: this only points the client's base URL elsewhere.
        let config = logto::LogtoConfig::new(self.logto.endpoint(), "m2m").with_app_secret("m2m-secret");
        ManagementClient::builder(config)
            .resource(RESOURCE)
            .api_endpoint(&self.endpoint)
            .retry(retry)
            .build()
            .unwrap()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn bearer_is_for_the_management_api(headers: &HeaderMap, issuer: &str) -> bool {
    use base64::Engine;
    let Some(token) =
        headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let Some(payload) = token.split('.').nth(1) else { return false };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload) else { return false };
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return false };
    claims["aud"] == RESOURCE && claims["iss"] == issuer && claims["scope"] == "all"
}

/// A fast retry policy for tests.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::default().base_delay(Duration::from_millis(5)).max_delay(Duration::from_millis(50))
}

pub fn json(status: u16, body: serde_json::Value) -> Response {
    (StatusCode::from_u16(status).unwrap(), [("content-type", "application/json")], body.to_string())
        .into_response()
}
