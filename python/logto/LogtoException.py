"""The exceptions of the Logto client: `LogtoException` and one subclass per kind of failure.

The classes are defined by the Rust core (`logto._core`), which raises them; catching
`LogtoException` catches every failure of the SDK. `LogtoCallbackError` and `LogtoServerError`
carry `error` and `error_description` (and `status` for the latter) as the server sent them.
"""

from ._core import (
    LogtoCallbackError,
    LogtoConfigError,
    LogtoEndSessionUnsupported,
    LogtoException,
    LogtoInvalidAccessToken,
    LogtoInvalidCallbackUrl,
    LogtoInvalidIdToken,
    LogtoInvalidResponse,
    LogtoIssuerMismatch,
    LogtoMissingCode,
    LogtoNetworkError,
    LogtoNotAuthenticated,
    LogtoOrganizationsScopeMissing,
    LogtoRedirectUriMismatch,
    LogtoReservedParameter,
    LogtoServerError,
    LogtoSignInSessionMissing,
    LogtoStateMismatch,
    LogtoStorageError,
    LogtoUserInfoSubjectMismatch,
)

__all__ = [
    "LogtoException",
    "LogtoCallbackError",
    "LogtoConfigError",
    "LogtoEndSessionUnsupported",
    "LogtoInvalidAccessToken",
    "LogtoInvalidCallbackUrl",
    "LogtoInvalidIdToken",
    "LogtoInvalidResponse",
    "LogtoIssuerMismatch",
    "LogtoMissingCode",
    "LogtoNetworkError",
    "LogtoNotAuthenticated",
    "LogtoOrganizationsScopeMissing",
    "LogtoRedirectUriMismatch",
    "LogtoReservedParameter",
    "LogtoServerError",
    "LogtoSignInSessionMissing",
    "LogtoStateMismatch",
    "LogtoStorageError",
    "LogtoUserInfoSubjectMismatch",
]
