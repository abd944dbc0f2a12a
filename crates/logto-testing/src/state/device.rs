//! The device authorization grant as Logto serves it (1.38+): `/oidc/device/auth` for native
//! apps, user codes `XXXX-XXXX` of Logto's 20 consonants, 600 s, no `interval` (poll every 5 s),
//! polls answered `authorization_pending` until a test approves or denies, `expired_token`
//! after, and a device code used twice revokes what it issued.

use super::{Grant, State, random_token};
use crate::directory::AppKind;
use crate::oauth_error::OAuthError;
use serde_json::{Value, json};

/// Logto's user-code alphabet.
const USER_CODE_LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
const DEVICE_CODE_TTL: u64 = 600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved(String),
    Denied,
    /// Tokens were issued for it, from this grant.
    Used(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub(crate) user_code: String,
    pub(crate) client_id: String,
    scopes: Vec<String>,
    resources: Vec<String>,
    expires_at: u64,
    pub(crate) status: DeviceStatus,
}

fn user_code() -> String {
    let random = random_token(16);
    let letters: Vec<char> = random
        .bytes()
        .map(|b| USER_CODE_LETTERS[usize::from(b) % USER_CODE_LETTERS.len()] as char)
        .take(8)
        .collect();
    format!("{}-{}", letters[..4].iter().collect::<String>(), letters[4..].iter().collect::<String>())
}

fn normalized(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphabetic()).map(|c| c.to_ascii_uppercase()).collect()
}

impl State {
    /// `POST /oidc/device/auth`.
    pub(crate) fn device_authorization(
        &mut self,
        client_id: &str,
        scope: &str,
        resources: Vec<String>,
    ) -> Result<Value, OAuthError> {
        let app = self.apps.get(client_id).ok_or_else(OAuthError::invalid_client)?;
        if app.kind != AppKind::Native {
            return Err(OAuthError::invalid_request("the device flow is for native apps created for it"));
        }
        let device_code = random_token(32);
        let user_code = user_code();
        let expires_at = self.now() + DEVICE_CODE_TTL;
        self.devices.insert(
            device_code.clone(),
            Device {
                user_code: user_code.clone(),
                client_id: client_id.to_owned(),
                scopes: scope.split_whitespace().map(str::to_owned).collect(),
                resources,
                expires_at,
                status: DeviceStatus::Pending,
            },
        );
        let verification_uri = format!("{}/device", self.endpoint);
        Ok(json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": format!("{verification_uri}?user_code={user_code}"),
            "expires_in": DEVICE_CODE_TTL,
        }))
    }

    /// The test's answer to the user code: approved for `sub`, or denied (`None`). Whether a
    /// pending device sign-in had that code.
    pub(crate) fn answer_device(&mut self, user_code: &str, sub: Option<&str>) -> bool {
        if sub.is_some_and(|sub| !self.users.contains_key(sub)) {
            return false;
        }
        let wanted = normalized(user_code);
        let now = self.now();
        match self.devices.values_mut().find(|d| normalized(&d.user_code) == wanted) {
            Some(device) if device.status == DeviceStatus::Pending && device.expires_at >= now => {
                device.status = match sub {
                    Some(sub) => DeviceStatus::Approved(sub.to_owned()),
                    None => DeviceStatus::Denied,
                };
                true
            }
            _ => false,
        }
    }

    /// The user codes of the device sign-ins waiting for an answer.
    pub(crate) fn pending_user_codes(&self) -> Vec<String> {
        let now = self.now();
        self.devices
            .values()
            .filter(|d| d.status == DeviceStatus::Pending && d.expires_at >= now)
            .map(|d| d.user_code.clone())
            .collect()
    }

    /// `grant_type=urn:ietf:params:oauth:grant-type:device_code`.
    pub(crate) fn exchange_device_code(
        &mut self,
        client_id: &str,
        device_code: &str,
    ) -> Result<Value, OAuthError> {
        let now = self.now();
        let Some(device) = self.devices.get(device_code).cloned() else {
            return Err(OAuthError::invalid_grant("device code not found"));
        };
        if device.client_id != client_id {
            return Err(OAuthError::invalid_grant("device code not found"));
        }
        match device.status {
            DeviceStatus::Used(grant) => {
                // Used again after its tokens were issued: Logto revokes what it issued.
                self.revoke_grant(&grant);
                Err(OAuthError::invalid_grant("device code already used"))
            }
            _ if device.expires_at < now => {
                Err(OAuthError::new(400, "expired_token", "device code is expired"))
            }
            DeviceStatus::Pending => {
                Err(OAuthError::new(400, "authorization_pending", "authorization request is still pending"))
            }
            DeviceStatus::Denied => {
                Err(OAuthError::new(400, "access_denied", "end-user aborted interaction"))
            }
            DeviceStatus::Approved(sub) => {
                let grant_id = random_token(16);
                self.grants.insert(
                    grant_id.clone(),
                    Grant {
                        client_id: device.client_id.clone(),
                        sub,
                        sid: random_token(16),
                        scopes: device.scopes.clone(),
                        resources: device.resources.clone(),
                        nonce: None,
                        revoked: false,
                    },
                );
                if let Some(stored) = self.devices.get_mut(device_code) {
                    stored.status = DeviceStatus::Used(grant_id.clone());
                }
                self.issue(&grant_id, None)
            }
        }
    }
}
