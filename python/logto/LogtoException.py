"""The exceptions of the Logto client: `LogtoException` and one subclass per kind of failure.

The classes are defined by the Rust core (`logto._core`), which raises them; catching
`LogtoException` catches every failure of the SDK. Every exception carries:

- `kind`: the coarse class of the failure (`not_authenticated`, `sign_in_required`, `callback`,
  `invalid_token`, `organization`, `server`, `network`, `invalid_response`, `config`, `storage`,
  `internal`);
- `http_status`: the status a web app should answer (400 for a refused callback, 401 when the
  user must sign in, 403 for a denied sign-in or organization, 502/504 when Logto failed, 500
  for the app's own failures);
- `oauth_error`: the OAuth error code the server sent, if any.

`LogtoCallbackError` and `LogtoServerError` carry `error` and `error_description` (and `status`
and `endpoint` for the latter); `LogtoOrganizationError` carries `organization_id` and `reason`;
`LogtoApiError` (Logto's Management or Account API refused a request, kind `api`) carries
`operation`, `status`, `code` (Logto's, e.g. `user.username_already_in_use`), `logto_message`
and `data`.
Every callback failure is a `LogtoCallbackRefused`; `LogtoSignInRequired` (the session ended at
Logto) is a `LogtoNotAuthenticated`.
"""

from ._core import (
    LogtoCoordinationError,
    LogtoGrantNotAllowed,
    LogtoInvalidLogoutToken,
    LogtoBearerError,
    LogtoCallbackError,
    LogtoCallbackRefused,
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
    LogtoOrganizationError,
    LogtoOrganizationsScopeMissing,
    LogtoRedirectUriMismatch,
    LogtoReservedParameter,
    LogtoServerError,
    LogtoSignInRequired,
    LogtoSignInSessionMissing,
    LogtoStateMismatch,
    LogtoStorageError,
    LogtoApiError,
    LogtoUserInfoSubjectMismatch,
)

__all__ = [
    "LogtoCoordinationError",
    "LogtoGrantNotAllowed",
    "LogtoInvalidLogoutToken",
    "LogtoBearerError",
    "LogtoException",
    "LogtoCallbackError",
    "LogtoCallbackRefused",
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
    "LogtoOrganizationError",
    "LogtoOrganizationsScopeMissing",
    "LogtoRedirectUriMismatch",
    "LogtoReservedParameter",
    "LogtoServerError",
    "LogtoSignInRequired",
    "LogtoSignInSessionMissing",
    "LogtoStateMismatch",
    "LogtoStorageError",
    "LogtoApiError",
    "LogtoUserInfoSubjectMismatch",
]
