//! `CoreMockLogto`: the `logto-testing` server for `logto.testing`. Values that are JSON on the
//! Python side (claims, custom data, scopes by resource) cross as JSON text.

use crate::errors::invalid_argument;
use crate::runtime::block_on;
use logto_testing::{App, MockLogto, Settings, User};
use pyo3::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One token request as Python receives it: `(grant_type, outcome, refresh_token_sha256, rotated)`.
type PyTokenRequest = (String, String, Option<String>, bool);

/// A running test server; `stop` (or dropping it) ends it.
#[pyclass(module = "logto._core", frozen)]
#[derive(Debug)]
pub(crate) struct CoreMockLogto {
    server: Mutex<Option<Arc<MockLogto>>>,
    endpoint: String,
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> PyResult<T> {
    serde_json::from_str(json).map_err(|e| invalid_argument(format!("{what}: {e}")))
}

impl CoreMockLogto {
    /// The server (the lock is not held afterwards: a call that releases the GIL must not keep
    /// it, or another thread waiting for it with the GIL would never let that call finish).
    fn server(&self) -> PyResult<Arc<MockLogto>> {
        let server = self.server.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        server.clone().ok_or_else(|| invalid_argument("the MockLogto server is stopped"))
    }

    fn with<R>(&self, f: impl FnOnce(&MockLogto) -> R) -> PyResult<R> {
        Ok(f(self.server()?.as_ref()))
    }
}

#[pymethods]
impl CoreMockLogto {
    /// Starts a server (lifetimes in seconds).
    #[staticmethod]
    fn start(
        access_token_ttl: f64,
        id_token_ttl: f64,
        refresh_token_ttl: f64,
        refresh_token_reuse_interval: f64,
    ) -> PyResult<Self> {
        let seconds = |value: f64, what: &str| {
            Duration::try_from_secs_f64(value)
                .map_err(|_| invalid_argument(format!("{what} must be a duration in seconds")))
        };
        let settings = Settings {
            access_token_ttl: seconds(access_token_ttl, "access_token_ttl")?,
            id_token_ttl: seconds(id_token_ttl, "id_token_ttl")?,
            refresh_token_ttl: seconds(refresh_token_ttl, "refresh_token_ttl")?,
            refresh_token_reuse_interval: seconds(
                refresh_token_reuse_interval,
                "refresh_token_reuse_interval",
            )?,
        };
        let server = MockLogto::start_with(settings)
            .map_err(|e| invalid_argument(format!("the MockLogto server could not start: {e}")))?;
        let endpoint = server.endpoint().to_owned();
        Ok(Self { server: Mutex::new(Some(Arc::new(server))), endpoint })
    }

    #[getter]
    fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// Registers an app. `kind`: `traditional`, `spa` or `machine_to_machine`;
    /// `api_scopes`: JSON `{resource: [scope]}`; `organizations`: JSON `{id: [scope]}` (M2M).
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (kind, app_id, app_secret, redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, any_redirect_uri, api_scopes, organizations, token_exchange))]
    fn add_app(
        &self,
        kind: &str,
        app_id: &str,
        app_secret: Option<&str>,
        redirect_uris: Vec<String>,
        post_logout_redirect_uris: Vec<String>,
        backchannel_logout_uri: Option<&str>,
        any_redirect_uri: bool,
        api_scopes: &str,
        organizations: &str,
        token_exchange: bool,
    ) -> PyResult<()> {
        let secret =
            || app_secret.ok_or_else(|| invalid_argument(format!("a {kind} app needs an app secret")));
        let mut app = match kind {
            "traditional" => App::traditional(app_id, secret()?),
            "spa" => App::spa(app_id),
            "native" => App::native(app_id),
            "machine_to_machine" => App::machine_to_machine(app_id, secret()?),
            other => {
                return Err(invalid_argument(format!(
                    "unknown app kind {other:?} (traditional, spa, native, machine_to_machine)"
                )));
            }
        };
        for uri in &redirect_uris {
            app = app.redirect_uri(uri);
        }
        for uri in &post_logout_redirect_uris {
            app = app.post_logout_redirect_uri(uri);
        }
        if let Some(uri) = backchannel_logout_uri {
            app = app.backchannel_logout_uri(uri);
        }
        if any_redirect_uri {
            app = app.any_redirect_uri();
        }
        if token_exchange {
            app = app.allow_token_exchange();
        }
        for (resource, scopes) in parse::<BTreeMap<String, Vec<String>>>("api_scopes", api_scopes)? {
            app = app.api_scopes(&resource, scopes);
        }
        for (organization, scopes) in parse::<BTreeMap<String, Vec<String>>>("organizations", organizations)?
        {
            app = app.organization(&organization, scopes);
        }
        self.with(|server| {
            server.add_app(app);
        })
    }

    /// Adds a user. `claims` and `custom_data`: JSON objects; `api_scopes`: JSON
    /// `{resource: [scope]}`; `organizations`: JSON `{id: [[role], [scope]]}`.
    #[pyo3(signature = (sub, claims, custom_data, roles, api_scopes, organizations))]
    fn add_user(
        &self,
        sub: &str,
        claims: &str,
        custom_data: &str,
        roles: Vec<String>,
        api_scopes: &str,
        organizations: &str,
    ) -> PyResult<()> {
        let mut user = User::new(sub).custom_data(parse("custom_data", custom_data)?).roles(roles);
        for (name, value) in parse::<serde_json::Map<String, serde_json::Value>>("claims", claims)? {
            user = user.claim(&name, value);
        }
        for (resource, scopes) in parse::<BTreeMap<String, Vec<String>>>("api_scopes", api_scopes)? {
            user = user.api_scopes(&resource, scopes);
        }
        let organizations: BTreeMap<String, (Vec<String>, Vec<String>)> =
            parse("organizations", organizations)?;
        for (organization, (roles, scopes)) in organizations {
            user = user.organization(&organization, roles, scopes);
        }
        self.with(|server| {
            server.add_user(user);
        })
    }

    fn set_login_page(&self, on: bool) -> PyResult<()> {
        self.with(|server| {
            server.set_login_page(on);
        })
    }

    fn sign_in_as(&self, sub: &str) -> PyResult<()> {
        self.with(|server| {
            server.sign_in_as(sub);
        })
    }

    /// The callback URL the browser lands on after `sign_in_url` (the GIL released meanwhile).
    fn callback_for(&self, py: Python<'_>, sign_in_url: String) -> PyResult<String> {
        let server = self.server()?;
        block_on(py, server.callback_for(&sign_in_url)).map_err(invalid_argument)
    }

    fn mint_access_token(&self, audience: &str, scopes: Vec<String>, sub: &str) -> PyResult<String> {
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        self.with(|server| server.mint_access_token(audience, &scopes, sub))
    }

    fn mint_subject_token(&self, sub: &str) -> PyResult<String> {
        self.with(|server| server.mint_subject_token(sub))
    }

    fn advance_clock(&self, seconds: f64) -> PyResult<()> {
        let by =
            Duration::try_from_secs_f64(seconds).map_err(|_| invalid_argument("seconds must be positive"))?;
        self.with(|server| server.advance_clock(by))
    }

    fn set_token_delay(&self, seconds: f64) -> PyResult<()> {
        let delay =
            Duration::try_from_secs_f64(seconds).map_err(|_| invalid_argument("seconds must be positive"))?;
        self.with(|server| server.set_token_delay(delay))
    }

    fn rotate_signing_key(&self) -> PyResult<()> {
        self.with(MockLogto::rotate_signing_key)
    }

    fn retire_old_keys(&self) -> PyResult<()> {
        self.with(MockLogto::retire_old_keys)
    }

    fn fail_next_token_requests(&self, count: usize, status: u16, error: &str) -> PyResult<()> {
        self.with(|server| server.fail_next_token_requests(count, status, error))
    }

    fn set_down(&self, down: bool) -> PyResult<()> {
        self.with(|server| server.set_down(down))
    }

    fn approve_device(&self, user_code: &str, sub: &str) -> PyResult<bool> {
        self.with(|server| server.approve_device(user_code, sub))
    }

    fn deny_device(&self, user_code: &str) -> PyResult<bool> {
        self.with(|server| server.deny_device(user_code))
    }

    fn pending_device_codes(&self) -> PyResult<Vec<String>> {
        self.with(MockLogto::pending_device_codes)
    }

    fn is_refresh_token_active(&self, refresh_token: &str) -> PyResult<bool> {
        self.with(|server| server.is_refresh_token_active(refresh_token))
    }

    fn active_refresh_tokens(&self, sub: &str) -> PyResult<usize> {
        self.with(|server| server.active_refresh_tokens(sub))
    }

    fn revoke_grants(&self, sub: &str) -> PyResult<()> {
        self.with(|server| server.revoke_grants(sub))
    }

    /// Ends `sub`'s sessions and delivers the logout tokens; how many apps accepted one.
    fn end_sessions(&self, py: Python<'_>, sub: String) -> PyResult<usize> {
        let server = self.server()?;
        block_on(py, server.end_sessions(&sub)).map_err(invalid_argument)
    }

    /// Every token request so far: `(grant_type, outcome, refresh_token_sha256, rotated)`.
    fn token_requests(&self) -> PyResult<Vec<PyTokenRequest>> {
        self.with(|server| {
            server
                .token_requests()
                .into_iter()
                .map(|r| (r.grant_type, r.outcome, r.refresh_token_sha256, r.rotated))
                .collect()
        })
    }

    fn reset_token_requests(&self) -> PyResult<()> {
        self.with(MockLogto::reset_token_requests)
    }

    /// Stops the server (waits for its thread, the GIL released; a call still running keeps
    /// it until that call ends).
    fn stop(&self, py: Python<'_>) {
        let server = self.server.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        py.detach(move || drop(server));
    }
}
