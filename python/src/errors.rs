//! Core errors as Python exceptions: `LogtoException` and one subclass per kind of
//! [`logto::LogtoError`], with the core's message and, where the server said why, its OAuth error.

use logto::LogtoError;
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
    ($($name:ident: $doc:literal),* $(,)?) => {
        $(create_exception!(logto.LogtoException, $name, LogtoException, $doc);)*

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
    LogtoNotAuthenticated: "No user is signed in (no ID token or no refresh token is stored).",
    LogtoSignInSessionMissing: "A callback arrived but no sign-in session is stored (never started, or a replay).",
    LogtoRedirectUriMismatch: "The callback URL does not match the redirect URI of the sign-in session.",
    LogtoStateMismatch: "The callback's state is missing or differs from the sign-in session's: forged or stale.",
    LogtoMissingCode: "The callback carries neither `code` nor `error`.",
    LogtoCallbackError: "The identity server redirected back with an error (`error`, `error_description`).",
    LogtoIssuerMismatch: "The callback's `iss` or the discovery document's issuer is not the expected issuer.",
    LogtoInvalidIdToken: "An ID token failed decoding or verification.",
    LogtoInvalidAccessToken: "An access token could not be decoded or failed verification.",
    LogtoUserInfoSubjectMismatch: "The userinfo `sub` does not match the ID token's `sub`.",
    LogtoServerError: "The identity server answered with an error status (`status`, `error`, `error_description`).",
    LogtoNetworkError: "The identity server could not be reached or did not answer in time.",
    LogtoInvalidResponse: "The identity server answered something unreadable.",
    LogtoOrganizationsScopeMissing: "Organization tokens need the organizations scope in the config.",
    LogtoEndSessionUnsupported: "The identity server has no end_session_endpoint.",
    LogtoInvalidCallbackUrl: "The callback URL cannot be parsed.",
    LogtoConfigError: "The configuration (or an argument) is unusable.",
    LogtoReservedParameter: "A sign-in extra parameter would override one the SDK controls.",
    LogtoStorageError: "The storage failed, or a stored value is unreadable.",
}

/// The Python exception of a core error.
pub(crate) fn to_py_err(error: LogtoError) -> PyErr {
    let message = error.to_string();
    let err = match &error {
        LogtoError::NotAuthenticated => LogtoNotAuthenticated::new_err(message),
        LogtoError::SignInSessionMissing => LogtoSignInSessionMissing::new_err(message),
        LogtoError::RedirectUriMismatch { .. } => LogtoRedirectUriMismatch::new_err(message),
        LogtoError::StateMismatch => LogtoStateMismatch::new_err(message),
        LogtoError::MissingCode => LogtoMissingCode::new_err(message),
        LogtoError::Callback { .. } => LogtoCallbackError::new_err(message),
        LogtoError::CallbackIssuerMismatch { .. } | LogtoError::DiscoveryIssuerMismatch { .. } => {
            LogtoIssuerMismatch::new_err(message)
        }
        LogtoError::InvalidIdToken(_) => LogtoInvalidIdToken::new_err(message),
        LogtoError::InvalidAccessToken(_) => LogtoInvalidAccessToken::new_err(message),
        LogtoError::UserInfoSubjectMismatch => LogtoUserInfoSubjectMismatch::new_err(message),
        LogtoError::Server { .. } => LogtoServerError::new_err(message),
        LogtoError::Network { .. } | LogtoError::Timeout { .. } => LogtoNetworkError::new_err(message),
        LogtoError::InvalidResponse { .. } => LogtoInvalidResponse::new_err(message),
        LogtoError::OrganizationsScopeMissing => LogtoOrganizationsScopeMissing::new_err(message),
        LogtoError::EndSessionUnsupported => LogtoEndSessionUnsupported::new_err(message),
        LogtoError::InvalidCallbackUrl(_) => LogtoInvalidCallbackUrl::new_err(message),
        LogtoError::InvalidConfig(_) => LogtoConfigError::new_err(message),
        LogtoError::ReservedParameter(_) => LogtoReservedParameter::new_err(message),
        LogtoError::Storage(_) | LogtoError::CorruptStorage { .. } => LogtoStorageError::new_err(message),
        _ => LogtoException::new_err(message),
    };
    Python::attach(|py| {
        // The attributes are a convenience; a failure to set them must not hide the error.
        let value = err.value(py);
        let _ = value.setattr("oauth_error", error.oauth_error());
        match &error {
            LogtoError::Callback { error, error_description } => {
                let _ = value.setattr("error", error);
                let _ = value.setattr("error_description", error_description);
            }
            LogtoError::Server { status, error, error_description } => {
                let _ = value.setattr("status", status);
                let _ = value.setattr("error", error);
                let _ = value.setattr("error_description", error_description);
            }
            _ => {}
        }
    });
    err
}

/// An invalid argument from Python, as a `LogtoConfigError`.
pub(crate) fn invalid_argument(message: impl Into<String>) -> PyErr {
    LogtoConfigError::new_err(message.into())
}
