//! A scripted, lying identity server on the HTTP mock: discovery, JWKS, token, userinfo and
//! revocation endpoints whose answers a test changes as it goes. For what the real test server
//! will not produce (a forged JWKS, a wrong `token_type`, an old ID token, a redirect, ...).

use super::REDIRECT_URI;
use logto::{LogtoClient, LogtoClientBuilder, LogtoConfig, MemoryStorage};
use logto_test_idp::forge::{self, SigningKey};
use logto_test_idp::mock::{MockRequest, MockResponse, MockServer};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const CLIENT_ID: &str = "app";

/// What the mock identity server answers; tests change it as they go.
pub struct Script {
    pub issuer_override: Option<String>,
    /// Members merged into the discovery document (a `null` removes the member).
    pub discovery_patch: Value,
    pub jwks: String,
    pub token: MockResponse,
    pub userinfo: MockResponse,
    pub revocation: MockResponse,
}

pub struct MockIdp {
    pub server: MockServer,
    pub script: Arc<Mutex<Script>>,
}

impl MockIdp {
    /// A server publishing `keys`, whose discovery document advertises their algorithms.
    pub async fn start(keys: &[&SigningKey]) -> Self {
        let mut algorithms: Vec<&str> = keys.iter().map(|key| key.alg()).collect();
        algorithms.dedup();
        let script = Arc::new(Mutex::new(Script {
            issuer_override: None,
            discovery_patch: json!({ "id_token_signing_alg_values_supported": algorithms }),
            jwks: forge::jwks(keys),
            token: MockResponse::json(500, "{}"),
            userinfo: MockResponse::json(500, "{}"),
            revocation: MockResponse::json(200, ""),
        }));
        let shared = script.clone();
        let base = Arc::new(Mutex::new(String::new()));
        let base_in_handler = base.clone();
        let server = MockServer::start(move |request: &MockRequest| {
            let base = base_in_handler.lock().unwrap().clone();
            let script = shared.lock().unwrap();
            let path = request.target.split('?').next().unwrap_or_default();
            match path {
                "/oidc/.well-known/openid-configuration" => {
                    let issuer = script.issuer_override.clone().unwrap_or(format!("{base}/oidc"));
                    let mut document = discovery(&base, &issuer);
                    for (name, value) in script.discovery_patch.as_object().unwrap() {
                        match value {
                            Value::Null => drop(document.as_object_mut().unwrap().remove(name)),
                            value => document[name] = value.clone(),
                        }
                    }
                    MockResponse::json(200, document.to_string())
                }
                "/oidc/jwks" => MockResponse::json(200, script.jwks.clone()),
                "/oidc/token" => script.token.clone(),
                "/oidc/me" => script.userinfo.clone(),
                "/oidc/token/revocation" => script.revocation.clone(),
                _ => MockResponse::json(404, r#"{"error":"not_found"}"#),
            }
        })
        .await;
        *base.lock().unwrap() = server.url().to_owned();
        Self { server, script }
    }

    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.server.url())
    }

    pub fn set(&self, change: impl FnOnce(&mut Script)) {
        change(&mut self.script.lock().unwrap());
    }

    /// How many requests reached `path` (a prefix of the request target).
    pub fn count(&self, path: &str) -> usize {
        self.server.requests().iter().filter(|r| r.target.starts_with(path)).count()
    }

    /// The requests that reached `path`.
    pub fn requests_to(&self, path: &str) -> Vec<MockRequest> {
        self.server.requests().into_iter().filter(|r| r.target.starts_with(path)).collect()
    }

    /// A builder for a public client of this server: short timeout, no JWKS refetch cooldown.
    pub fn builder(&self) -> LogtoClientBuilder {
        LogtoClient::builder(LogtoConfig::new(self.server.url(), CLIENT_ID))
            .timeout(Duration::from_millis(800))
            .jwks_refetch_cooldown(Duration::ZERO)
            // Each case stands alone: no failure is shared with the next request.
            .refresh_policy(logto::coordination::RefreshPolicy::default().failure_window(Duration::ZERO))
    }

    pub fn client(&self) -> (LogtoClient, Arc<MemoryStorage>) {
        let storage = Arc::new(MemoryStorage::new());
        let client = self.builder().storage(storage.clone()).build().unwrap();
        (client, storage)
    }

    /// A token response with an ID token signed by `key` (claims altered by `change`).
    pub fn tokens(&self, key: &SigningKey, change: impl FnOnce(&mut Value)) -> String {
        self.tokens_with(key, change, |_| {})
    }

    /// A token response with an ID token signed by `key` (claims altered by `claims`, the
    /// response's members by `response`).
    pub fn tokens_with(
        &self,
        key: &SigningKey,
        claims: impl FnOnce(&mut Value),
        response: impl FnOnce(&mut Value),
    ) -> String {
        let mut id_token_claims = forge::id_token_claims(&self.issuer(), CLIENT_ID, "user-1");
        claims(&mut id_token_claims);
        let mut body = json!({
            "access_token": "opaque-access-token", "token_type": "Bearer", "expires_in": 3600,
            "refresh_token": "refresh-1", "id_token": key.sign(&id_token_claims, "JWT"),
            "scope": "openid offline_access"
        });
        response(&mut body);
        body.to_string()
    }

    /// Starts a sign-in and returns the callback URL a well-behaved server would redirect to.
    pub async fn callback_url(&self, client: &LogtoClient) -> String {
        let url = client.sign_in(REDIRECT_URI).await.unwrap();
        let state = state_param(&url);
        // A new code per sign-in, as a server issues them (a code is claimed once).
        format!("{REDIRECT_URI}?code=c-{state}&state={state}&iss={}", self.issuer())
    }

    /// Runs sign-in and a well-formed callback; returns the callback's outcome.
    pub async fn sign_in(&self, client: &LogtoClient) -> logto::Result<()> {
        let callback = self.callback_url(client).await;
        client.handle_sign_in_callback(&callback).await
    }

    /// Verifies `token` as an ID token of this server for [`CLIENT_ID`].
    pub async fn verify(&self, client: &LogtoClient, token: &str) -> Result<(), logto::TokenError> {
        let core = client.oidc_core().await.unwrap();
        match core.verify_id_token(token, CLIENT_ID).await {
            Ok(_) => Ok(()),
            Err(logto::LogtoError::InvalidIdToken(reason)) => Err(reason),
            Err(other) => panic!("unexpected error {other:?} from {}", self.server.url()),
        }
    }
}

/// The `state` parameter of a sign-in URL.
pub fn state_param(url: &str) -> String {
    url::Url::parse(url).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned()
}

fn discovery(base: &str, issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/oidc/auth"),
        "token_endpoint": format!("{base}/oidc/token"),
        "userinfo_endpoint": format!("{base}/oidc/me"),
        "jwks_uri": format!("{base}/oidc/jwks"),
        "end_session_endpoint": format!("{base}/oidc/session/end"),
        "revocation_endpoint": format!("{base}/oidc/token/revocation"),
        "authorization_response_iss_parameter_supported": true,
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": ["ES384"],
    })
}
