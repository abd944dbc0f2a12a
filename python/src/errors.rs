//! Core errors as Python exceptions: `LogtoException` and one subclass per kind of
//! [`logto::LogtoError`], with the core's message, its [`logto::ErrorKind`] (`kind`), the HTTP
//! status a web app should answer (`http_status`) and, where the server said why, its OAuth error.
//! This is the one place where core errors become exceptions; the framework integrations read
//! `kind` and `http_status` instead of deciding again.

use logto::verifier::BearerError;
use logto::{CallbackError, ErrorKind, LogtoError, OrganizationError};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    logto.LogtoException,
    LogtoException,
    PyException,
    "The exception class to identify the exceptions from the Logto client."
);

macro_rules! kinds {
    ($($name:ident($base:ident): $doc:literal),* $(,)?) => {
        $(create_exception!(logto.LogtoException, $name, $base, $doc);)*

        /// Adds every exception class to the module.
        pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
            let py = module.py();
            module.add("LogtoException", py.get_type::<LogtoException>())?;
            $(module.add(stringify!($name), py.get_type::<$name>())?;)*
            Ok(())
        }
    };
}

kinds! {
    LogtoNotAuthenticated(LogtoException): "No user is signed in (no ID token or no refresh token is stored).",
    LogtoSignInRequired(LogtoNotAuthenticated): "The session ended at the identity server (the refresh token was refused); its tokens were cleared: sign in again.",
    LogtoCallbackRefused(LogtoException): "The sign-in callback was refused (every callback failure is a subclass).",
    LogtoSignInSessionMissing(LogtoCallbackRefused): "A callback arrived but no sign-in session is stored (never started, expired, or a replay).",
    LogtoRedirectUriMismatch(LogtoCallbackRefused): "The callback arrived on another path (or, with the strict origin check, origin) than the sign-in's redirect URI.",
    LogtoStateMismatch(LogtoCallbackRefused): "The callback's state is missing or differs from the sign-in session's: forged or stale.",
    LogtoMissingCode(LogtoCallbackRefused): "The callback carries neither `code` nor `error`.",
    LogtoCallbackError(LogtoCallbackRefused): "The identity server redirected back with an error (`error`, `error_description`).",
    LogtoInvalidCallbackUrl(LogtoCallbackRefused): "The callback URL cannot be read.",
    LogtoIssuerMismatch(LogtoException): "The callback's `iss` or the discovery document's issuer is not the expected issuer.",
    LogtoInvalidIdToken(LogtoException): "An ID token failed decoding or verification.",
    LogtoInvalidAccessToken(LogtoException): "An access token could not be decoded or failed verification.",
    LogtoUserInfoSubjectMismatch(LogtoException): "The userinfo `sub` does not match the ID token's `sub`.",
    LogtoOrganizationError(LogtoException): "No token for the organization (`organization_id`, `reason`: `not_member`, `app_not_in_organization`, `insufficient_scope`, `scope_not_configured`).",
    LogtoOrganizationsScopeMissing(LogtoOrganizationError): "Organization tokens need the organizations scope in the config.",
    LogtoServerError(LogtoException): "The identity server answered with an error status (`status`, `error`, `error_description`, `endpoint`).",
    LogtoNetworkError(LogtoException): "The identity server could not be reached or did not answer in time.",
    LogtoInvalidResponse(LogtoException): "The identity server answered something unreadable.",
    LogtoEndSessionUnsupported(LogtoException): "The identity server does not support what was asked (no end_session_endpoint).",
    LogtoConfigError(LogtoException): "The configuration (or an argument) is unusable.",
    LogtoReservedParameter(LogtoConfigError): "A sign-in extra parameter would override one the SDK controls.",
    LogtoStorageError(LogtoException): "The storage failed, or a stored value is unreadable.",
    LogtoApiError(LogtoException): "Logto's Management API or Account API refused a request (HTTP 4xx or 5xx after the retries for 429 and 503); `status`, `code` (Logto's, e.g. `user.username_already_in_use`), `data` and `operation` say which and why.",
    LogtoBearerError(LogtoException): "An API request's bearer token was refused (`status` 400/401/403/503, `error`, `error_description`, `www_authenticate`, `scope`, `missing_scopes`).",
    LogtoInvalidLogoutToken(LogtoException): "A back-channel logout token was refused (forged, stale, replayed): answer 400.",
    LogtoGrantNotAllowed(LogtoConfigError): "The app may not use this grant (for example token exchange is not enabled for it).",
    LogtoCoordinationError(LogtoException): "The refresh coordination store (Redis) failed or was too slow; no token request was made.",
}

/// The snake-case name of an error kind (the `kind` attribute of every exception).
fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotAuthenticated => "not_authenticated",
        ErrorKind::SignInRequired => "sign_in_required",
        ErrorKind::Callback => "callback",
        ErrorKind::InvalidToken => "invalid_token",
        ErrorKind::Organization => "organization",
        ErrorKind::Server => "server",
        ErrorKind::Network => "network",
        ErrorKind::InvalidResponse => "invalid_response",
        ErrorKind::Config => "config",
        ErrorKind::Storage => "storage",
        ErrorKind::Coordination => "coordination",
        _ => "internal",
    }
}

fn organization_reason(reason: OrganizationError) -> &'static str {
    match reason {
        OrganizationError::NotMember => "not_member",
        OrganizationError::AppNotInOrganization => "app_not_in_organization",
        OrganizationError::InsufficientScope => "insufficient_scope",
        _ => "scope_not_configured",
    }
}

/// The Python exception of a core error.
pub(crate) fn to_py_err(error: LogtoError) -> PyErr {
    let message = error.to_string();
    let err = match &error {
        LogtoError::NotAuthenticated => LogtoNotAuthenticated::new_err(message),
        LogtoError::SignInRequired { .. } => LogtoSignInRequired::new_err(message),
        LogtoError::Callback(callback) => match callback {
            CallbackError::SessionMissing => LogtoSignInSessionMissing::new_err(message),
            CallbackError::PathMismatch { .. } | CallbackError::OriginMismatch { .. } => {
                LogtoRedirectUriMismatch::new_err(message)
            }
            CallbackError::StateMismatch => LogtoStateMismatch::new_err(message),
            CallbackError::MissingCode => LogtoMissingCode::new_err(message),
            CallbackError::Denied { .. } => LogtoCallbackError::new_err(message),
            CallbackError::IssuerMismatch { .. } => LogtoIssuerMismatch::new_err(message),
            _ => LogtoInvalidCallbackUrl::new_err(message),
        },
        LogtoError::DiscoveryIssuerMismatch { .. } => LogtoIssuerMismatch::new_err(message),
        LogtoError::InvalidIdToken(_) => LogtoInvalidIdToken::new_err(message),
        LogtoError::InvalidAccessToken(_) => LogtoInvalidAccessToken::new_err(message),
        LogtoError::InvalidLogoutToken(_) => LogtoInvalidLogoutToken::new_err(message),
        LogtoError::GrantNotAllowed { .. } => LogtoGrantNotAllowed::new_err(message),
        LogtoError::Coordination(_) => LogtoCoordinationError::new_err(message),
        LogtoError::UserInfoSubjectMismatch => LogtoUserInfoSubjectMismatch::new_err(message),
        LogtoError::Organization { reason: OrganizationError::ScopeNotConfigured, .. } => {
            LogtoOrganizationsScopeMissing::new_err(message)
        }
        LogtoError::Organization { .. } => LogtoOrganizationError::new_err(message),
        LogtoError::Server(_) => LogtoServerError::new_err(message),
        LogtoError::Network { .. } | LogtoError::Timeout { .. } => LogtoNetworkError::new_err(message),
        LogtoError::InvalidResponse { .. } => LogtoInvalidResponse::new_err(message),
        LogtoError::Unsupported(_) => LogtoEndSessionUnsupported::new_err(message),
        LogtoError::InvalidConfig(_) => LogtoConfigError::new_err(message),
        LogtoError::ReservedParameter(_) => LogtoReservedParameter::new_err(message),
        LogtoError::Storage(_) | LogtoError::CorruptStorage { .. } => LogtoStorageError::new_err(message),
        _ => LogtoException::new_err(message),
    };
    crate::runtime::attach_unless_exiting(|py| {
        // The attributes are a convenience; a failure to set them must not hide the error.
        let value = err.value(py);
        let _ = value.setattr("kind", kind_name(error.kind()));
        let _ = value.setattr("http_status", error.http_status());
        let _ = value.setattr("oauth_error", error.oauth_error());
        match &error {
            LogtoError::Callback(CallbackError::Denied { error, error_description }) => {
                let _ = value.setattr("error", error);
                let _ = value.setattr("error_description", error_description);
            }
            LogtoError::Server(server) => {
                let _ = value.setattr("status", server.status);
                let _ = value.setattr("endpoint", &server.endpoint);
                let _ = value.setattr("error", &server.error);
                let _ = value.setattr("error_description", &server.error_description);
            }
            LogtoError::Organization { organization_id, reason } => {
                let _ = value.setattr("organization_id", organization_id);
                let _ = value.setattr("reason", organization_reason(*reason));
            }
            _ => {}
        }
    });
    err
}

/// An invalid argument from Python, as a `LogtoConfigError`.
pub(crate) fn invalid_argument(message: impl Into<String>) -> PyErr {
    let err = LogtoConfigError::new_err(message.into());
    crate::runtime::attach_unless_exiting(|py| {
        let value = err.value(py);
        let _ = value.setattr("kind", "config");
        let _ = value.setattr("http_status", 500u16);
    });
    err
}

/// A refused bearer token as a `LogtoBearerError`, with what an API answers: the status, the
/// RFC 6750 challenge (without realm: the integration adds its own) and a fixed description.
pub(crate) fn bearer_error(error: BearerError) -> PyErr {
    let description = error.description().into_owned();
    let err = LogtoBearerError::new_err(description.clone());
    crate::runtime::attach_unless_exiting(|py| {
        let value = err.value(py);
        let _ = value.setattr("kind", "invalid_token");
        let _ = value.setattr("status", error.status());
        let _ = value.setattr("http_status", error.status());
        let _ = value.setattr("error", error.error_code());
        let _ = value.setattr("oauth_error", error.error_code());
        let _ = value.setattr("error_description", description);
        let _ = value.setattr("www_authenticate", error.www_authenticate(None));
        // RFC 6750 §3: `scope` is what the resource requires (all of it, as in the challenge);
        // `missing_scopes` what the token lacked.
        let (scope, missing) = match &error {
            BearerError::InsufficientScope { required, missing } => {
                (Some(required.join(" ")), missing.clone())
            }
            _ => (None, Vec::new()),
        };
        let _ = value.setattr("scope", scope);
        let _ = value.setattr("missing_scopes", missing);
    });
    err
}
