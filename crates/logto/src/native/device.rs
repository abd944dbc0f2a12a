//! Sign-in on a device without a browser (OAuth 2.0 Device Authorization Grant, RFC 8628, which
//! Logto serves from 1.38): the tool shows a code and a URL, the user approves on any other
//! device, and the tool polls the token endpoint until they have.

use crate::client::LogtoClient;
use crate::error::{CallbackError, LogtoError, Result, ServerError};
use crate::http::ClientAuth;
use crate::models::TokenResponse;
use std::time::{Duration, Instant};

/// The device-code grant type.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// How long to wait between polls when the server names no interval (Logto sends none).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// The longest wait between polls after failures (the backoff doubles up to it).
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What the user needs to approve a device sign-in: show [`user_code`](Self::user_code) and
/// [`verification_uri`](Self::verification_uri), or
/// [`verification_uri_complete`](Self::verification_uri_complete), which carries the code (as
/// a link or a QR code). The device code itself is kept secret (not in `Debug`).
#[derive(Clone)]
#[non_exhaustive]
pub struct DeviceAuthorization {
    device_code: String,
    /// The code the user types (Logto: `XXXX-XXXX`, case-insensitive).
    pub user_code: String,
    /// Where the user goes to approve (Logto: `{endpoint}/device`).
    pub verification_uri: String,
    /// The same with the code filled in, when the server gives it.
    pub verification_uri_complete: Option<String>,
    /// How long the codes live.
    pub expires_in: Duration,
    /// How long to wait between polls (5 s unless the server says).
    pub interval: Duration,
    issued: Instant,
}

impl std::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

impl DeviceAuthorization {
    /// Whether the codes have expired (the user can no longer approve).
    pub fn is_expired(&self) -> bool {
        self.issued.elapsed() >= self.expires_in
    }
}

#[derive(serde::Deserialize)]
struct DeviceAuthorizationResponse {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    verification_uri_complete: Option<String>,
    #[serde(default)]
    expires_in: Option<f64>,
    #[serde(default)]
    interval: Option<f64>,
}

fn seconds(value: Option<f64>, default: Duration) -> Duration {
    value.filter(|s| s.is_finite() && *s > 0.0).map_or(default, |s| Duration::from_secs_f64(s.min(86_400.0)))
}

impl LogtoClient {
    /// Starts a device sign-in: asks the server for a device code and a user code, for the
    /// configured scopes and resources (a public "Native" app created for the device flow, in
    /// Logto). Show the user [`DeviceAuthorization::user_code`] and where to go, then call
    /// [`finish_device_sign_in`](Self::finish_device_sign_in).
    ///
    /// ```no_run
    /// # async fn run(client: logto::LogtoClient) -> logto::Result<()> {
    /// let device = client.start_device_sign_in().await?;
    /// println!("Open {} and enter {}", device.verification_uri, device.user_code);
    /// client.finish_device_sign_in(&device).await?; // polls until the user has approved
    /// # Ok(()) }
    /// ```
    pub async fn start_device_sign_in(&self) -> Result<DeviceAuthorization> {
        let core = self.oidc_core().await?;
        let endpoint = core.metadata().device_authorization_endpoint().ok_or_else(|| {
            LogtoError::Unsupported(
                "the identity server has no device authorization endpoint (Logto serves one from 1.38)",
            )
        })?;
        let config = self.config();
        let scope = config.effective_scopes().join(" ");
        let resources = config.effective_resources();
        // The client authentication puts `client_id` in the form (a public client) or the header.
        let mut params = vec![("scope", scope.as_str())];
        params.extend(resources.iter().map(|r| ("resource", r.as_str())));
        let auth = ClientAuth::new(&config.app_id, config.app_secret.as_ref());
        let issued = Instant::now();
        let response: DeviceAuthorizationResponse = core.http().post_form(&endpoint, auth, &params).await?;
        tracing::info!(verification_uri = %response.verification_uri, "device sign-in started");
        Ok(DeviceAuthorization {
            device_code: response.device_code,
            user_code: response.user_code,
            verification_uri: response.verification_uri,
            verification_uri_complete: response.verification_uri_complete,
            expires_in: seconds(response.expires_in, Duration::from_secs(600)),
            interval: seconds(response.interval, DEFAULT_INTERVAL),
            issued,
        })
    }

    /// Polls the token endpoint until the user has approved the device sign-in, then verifies
    /// the ID token and stores the sign-in, as the browser flow does. `authorization_pending`
    /// waits the interval; `slow_down` adds 5 s to it for good (RFC 8628 §3.5); the user's
    /// refusal is [`CallbackError::Denied`] (`access_denied`); codes that expired are a
    /// [`LogtoError::Server`] with `expired_token`. The device code is sent until the first
    /// answer with tokens and never again (Logto revokes what a second use would get).
    ///
    /// A poll that fails on the way (the network, a timeout, a 5xx while Logto restarts) does
    /// not end the sign-in, which the user may be finishing on their phone: the next poll waits
    /// twice as long each time (RFC 8628 §3.5, up to 60 s) until one is answered or the codes
    /// expire. Dropping the future cancels the sign-in.
    pub async fn finish_device_sign_in(&self, device: &DeviceAuthorization) -> Result<()> {
        let core = self.oidc_core().await?;
        let config = self.config();
        let token_endpoint = core.metadata().token_endpoint.clone();
        let mut interval = device.interval;
        let mut failures: u32 = 0;
        loop {
            if device.is_expired() {
                return Err(expired(&token_endpoint));
            }
            let params = [("grant_type", DEVICE_CODE_GRANT), ("device_code", device.device_code.as_str())];
            let auth = ClientAuth::new(&config.app_id, config.app_secret.as_ref());
            let mut wait = interval;
            match core.http().post_form::<TokenResponse>(&token_endpoint, auth, &params).await {
                // No answer about the device code (the network, a 5xx, an unreadable page): the
                // core's one rule for failures that may pass.
                Err(error) if error.is_upstream_failure() => {
                    failures = failures.saturating_add(1);
                    wait = backoff(interval, failures);
                    tracing::warn!(%error, retry_in = ?wait, "a device sign-in poll failed; polling on");
                }
                Ok(response) => {
                    let response = core.bearer_only(response)?;
                    self.store_sign_in(&core, response).await?;
                    tracing::info!("device sign-in completed");
                    return Ok(());
                }
                Err(LogtoError::Server(server)) => match server.error.as_deref() {
                    Some("authorization_pending") => failures = 0,
                    Some("slow_down") => {
                        failures = 0;
                        interval += Duration::from_secs(5);
                        wait = interval;
                    }
                    Some("access_denied") => {
                        return Err(CallbackError::Denied {
                            error: "access_denied".into(),
                            error_description: server.error_description.clone(),
                        }
                        .into());
                    }
                    _ => return Err(LogtoError::Server(server)),
                },
                Err(error) => return Err(error),
            }
            let left = device.expires_in.saturating_sub(device.issued.elapsed());
            tokio::time::sleep(wait.min(left)).await;
        }
    }
}

/// The wait after `failures` failed polls in a row: the interval doubled that many times, at
/// most [`MAX_BACKOFF`] (and never less than the interval).
fn backoff(interval: Duration, failures: u32) -> Duration {
    interval.saturating_mul(1 << failures.min(16)).min(MAX_BACKOFF.max(interval))
}

fn expired(endpoint: &str) -> LogtoError {
    LogtoError::Server(ServerError {
        endpoint: endpoint.to_owned(),
        status: 400,
        error: Some("expired_token".into()),
        error_description: Some("the device code expired before the user approved the sign-in".into()),
        hint: Some("start the device sign-in again"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_lifetimes_are_sane_whatever_the_server_sent() {
        assert_eq!(seconds(None, DEFAULT_INTERVAL), Duration::from_secs(5));
        assert_eq!(seconds(Some(-3.0), DEFAULT_INTERVAL), Duration::from_secs(5));
        assert_eq!(seconds(Some(f64::NAN), DEFAULT_INTERVAL), Duration::from_secs(5));
        assert_eq!(seconds(Some(2.0), DEFAULT_INTERVAL), Duration::from_secs(2));
        assert_eq!(seconds(Some(1e12), DEFAULT_INTERVAL), Duration::from_secs(86_400));
    }

    #[test]
    fn failed_polls_back_off_exponentially_up_to_a_minute() {
        let five = Duration::from_secs(5);
        assert_eq!(backoff(five, 1), Duration::from_secs(10));
        assert_eq!(backoff(five, 3), Duration::from_secs(40));
        assert_eq!(backoff(five, 4), Duration::from_secs(60));
        assert_eq!(backoff(five, u32::MAX), Duration::from_secs(60));
        assert_eq!(backoff(Duration::from_secs(90), 2), Duration::from_secs(90), "never below the interval");
        assert_eq!(backoff(Duration::from_millis(10), 2), Duration::from_millis(40));
    }
}
