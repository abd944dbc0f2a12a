"""
`logto.sync.LogtoClient`: the Logto client with plain (blocking) methods, for Django's sync
views, Flask without async, scripts and Celery tasks.

The same methods and parameters as `logto.LogtoClient`, without `await`; the same Rust core does
the work, waiting on the calling thread with the GIL released, so no event loop is needed and
many threads may use clients at once. Its storage must have plain (not `async`) methods.

```python
from logto import LogtoConfig
from logto.sync import LogtoClient

client = LogtoClient(LogtoConfig(endpoint="https://tenant.logto.app", appId="...", appSecret="..."))
url = client.signIn(redirectUri="https://your-app.example/callback")
```
"""

import json
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

from . import _core
from ._bridge import AwaitableIdTokenClaims, ClientBase, resourceValue
from .LogtoClient import InteractionMode, LogtoConfig, LogtoContext
from .LogtoException import LogtoConfigError
from .models.oidc import AccessTokenClaims, IdTokenClaims
from .models.response import UserInfoResponse
from .machine import IMPERSONATION_TOKEN_TYPE, _MachineBase
from .models.response import TokenResponse
from .OidcCore import OidcCore
from .Storage import Storage


class LogtoClient(ClientBase):
    """The Logto client with plain methods; see `logto.LogtoClient` for each method."""

    def __init__(self, config: LogtoConfig, storage: Optional[Storage] = None) -> None:
        super().__init__(config, storage)
        if self._asyncStorage:
            raise LogtoConfigError("logto.sync.LogtoClient needs a storage with plain methods, not async ones")

    def getOidcCore(self) -> OidcCore:
        """The OIDC core (provider metadata, keys, token requests)."""
        return OidcCore._fromCore(self._core.oidc_core(blocking=True))

    def signIn(
        self,
        redirectUri: str,
        interactionMode: Optional[InteractionMode] = None,
        firstScreen: Optional[str] = None,
        identifiers: Optional[Sequence[str]] = None,
        directSignIn: Union[str, Mapping[str, str], Tuple[str, str], None] = None,
        extraParams: Optional[Mapping[str, Any]] = None,
        *,
        loginHint: Optional[str] = None,
        organizationId: Optional[str] = None,
        prompt: Union[str, Sequence[str], None] = None,
        oneTimeToken: Optional[str] = None,
    ) -> str:
        """Returns the sign-in URL for the given redirect URI (see `logto.LogtoClient.signIn`)."""
        return self._runBlocking(  # type: ignore[no-any-return]
            self._core.sign_in,
            redirectUri,
            **self._signInOptions(
                interactionMode, firstScreen, identifiers, directSignIn, extraParams, loginHint, organizationId, prompt, oneTimeToken
            ),
        )

    def signOut(self, postLogoutRedirectUri: Optional[str] = None) -> str:
        """Clears the local tokens, revokes the refresh token and returns the sign-out URL."""
        return self._runBlocking(self._core.sign_out, postLogoutRedirectUri)  # type: ignore[no-any-return]

    def handleSignInCallback(self, callbackUri: str) -> None:
        """Handles the sign-in callback (see `logto.LogtoClient.handleSignInCallback`)."""
        self._runBlocking(self._core.handle_sign_in_callback, callbackUri)

    def getAccessToken(self, resource: str = "", *, organizationId: Optional[str] = None) -> Optional[str]:
        """The access token for the resource, refreshed when needed; None when not signed in."""
        resource = resourceValue(resource)
        # Not when back-channel logouts are honoured: the core checks the logout markers first.
        if self._cacheReadable():
            token = _core.CoreClient.cached_access_token(self._get("accessTokenMap"), resource, organizationId)
            if token is not None:
                return token
        return self._runBlocking(self._core.get_access_token, resource, organizationId)  # type: ignore[no-any-return]

    def getOrganizationToken(self, organizationId: str) -> Optional[str]:
        """The organization token, refreshed when needed; None when not signed in."""
        return self._runBlocking(self._core.get_access_token, "", organizationId)  # type: ignore[no-any-return]

    def getAccessTokenClaims(self, resource: str = "", *, organizationId: Optional[str] = None) -> AccessTokenClaims:
        """The claims of the access token for the resource (decoded, not verified)."""
        raw = self._runBlocking(self._core.get_access_token_claims, resourceValue(resource), organizationId)
        return AccessTokenClaims.model_validate_json(raw)

    def getOrganizationTokenClaims(self, organizationId: str) -> AccessTokenClaims:
        """The claims of the organization token (decoded, not verified)."""
        raw = self._runBlocking(self._core.get_access_token_claims, "", organizationId)
        return AccessTokenClaims.model_validate_json(raw)

    def fetchUserInfo(self) -> UserInfoResponse:
        """Fetches the user's claims from the userinfo endpoint."""
        return UserInfoResponse.model_validate_json(self._runBlocking(self._core.fetch_user_info))

    def getSignedInClaims(self) -> Optional[IdTokenClaims]:
        """The signed-in user's claims, or None (see `logto.LogtoClient.getSignedInClaims`)."""
        raw = self._runBlocking(self._core.signed_in_claims)
        return None if raw is None else IdTokenClaims.model_validate_json(raw)

    def getContext(
        self,
        fetchUserInfo: bool = False,
        resource: Optional[str] = None,
        organizationId: Optional[str] = None,
        getOrganizationTokens: bool = False,
    ) -> LogtoContext:
        """The request's view of the session in one call (see `logto.LogtoClient.getContext`)."""
        raw = self._runBlocking(
            self._core.context,
            fetch_user_info=fetchUserInfo,
            resource=None if resource is None else resourceValue(resource),
            organization_id=organizationId,
            organization_tokens=getOrganizationTokens,
        )
        return LogtoContext.model_validate_json(raw)

    def handleBackchannelLogout(self, logoutToken: str) -> Dict[str, Optional[str]]:
        """Handles a back-channel logout token (see `logto.LogtoClient.handleBackchannelLogout`)."""
        return json.loads(self._settle(self._core.handle_backchannel_logout(logoutToken, blocking=True)))  # type: ignore[no-any-return,arg-type]

    def withStorage(self, storage: Storage) -> "LogtoClient":
        """A client for another user's storage (a request's session) sharing this client's core."""
        client = self._bound(storage)
        if client._asyncStorage:
            raise LogtoConfigError("logto.sync.LogtoClient needs a storage with plain methods, not async ones")
        return client  # type: ignore[no-any-return]


class MachineClient(_MachineBase):
    """A machine-to-machine app with plain methods (see `logto.machine.MachineClient`)."""

    def getToken(
        self, resource: Optional[str] = None, organizationId: Optional[str] = None, scopes: Optional[Sequence[str]] = None
    ) -> str:
        """An access token for `resource` and/or `organizationId`."""
        return self._core.get_token(resource, organizationId, list(scopes) if scopes else None, blocking=True)  # type: ignore[no-any-return]

    def exchangeToken(
        self,
        subjectToken: str,
        subjectTokenType: str = IMPERSONATION_TOKEN_TYPE,
        resource: Optional[str] = None,
        organizationId: Optional[str] = None,
        scopes: Optional[Sequence[str]] = None,
        actorToken: Optional[str] = None,
        actorTokenType: Optional[str] = None,
    ) -> TokenResponse:
        """Exchanges a subject token for an access token."""
        raw = self._core.exchange_token(
            subjectToken,
            subjectTokenType,
            resource,
            organizationId,
            list(scopes) if scopes else None,
            actorToken,
            actorTokenType,
            blocking=True,
        )
        return TokenResponse.model_validate_json(raw)


__all__ = ["LogtoClient", "LogtoConfig", "LogtoContext", "MachineClient", "AwaitableIdTokenClaims"]
