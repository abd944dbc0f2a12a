"""
The Logto client class and the related models.

`LogtoClient` is a thin skin over the Rust core (`logto._core.CoreClient`): each coroutine reads
the user's values from the storage in the caller's thread and context, hands them to the core,
which does the protocol work off the event loop, then writes back what the core changed, in the
caller's context again. A storage over Flask's `session` therefore works in async views.
"""

from enum import Enum
from typing import Any, Awaitable, Callable, Dict, Generator, List, Literal, Mapping, Optional, Sequence, Tuple, Union

from pydantic import BaseModel

from . import _core
from .LogtoException import LogtoException, LogtoStorageError
from .models.oidc import AccessTokenClaims, IdTokenClaims, ReservedResource, UserInfoScope
from .models.response import UserInfoResponse
from .OidcCore import OidcCore
from .Storage import MemoryStorage, PersistKey, Storage


class LogtoConfig(BaseModel):
    """The configuration object for the Logto client."""

    endpoint: str
    """
    The endpoint for the Logto server, you can get it from the integration guide
    or the team settings page of the Logto Console.

    Example:
    https://foo.logto.app
    """

    appId: str
    """
    The client ID of your application, you can get it from the integration guide
    or the application details page of the Logto Console.
    """

    appSecret: Optional[str] = None
    """
    The client secret of your application, you can get it from the integration guide
    or the application details page of the Logto Console.
    """

    prompt: Union[Literal["consent", "login"], str, List[str]] = "consent"
    """
    The prompt parameter for the OpenID Connect authorization request.

    - If the value is `consent`, the user will be able to reuse the existing consent
    without being prompted for sign-in again.
    - If the value is `login`, the user will be prompted for sign-in again anyway. Note
    there will be no Refresh Token returned in this case.
    """

    resources: List[Union[ReservedResource, str]] = []
    """
    The API resources that your application needs to access. You can specify multiple
    resources by providing an array of strings.
    """

    scopes: List[Union[UserInfoScope, str]] = []
    """
    The scopes (permissions) that your application needs to access.
    Scopes that will be added by default: `openid`, `offline_access` and `profile`.

    If resources are specified, scopes will be applied to every resource.
    """


class SignInSession(BaseModel):
    """
    The sign-in session that stores the information for the sign-in callback.
    Should be stored before redirecting the user to Logto.
    """

    redirectUri: str
    """The redirect URI for the current sign-in session."""
    codeVerifier: str
    """The code verifier of Proof Key for Code Exchange (PKCE)."""
    state: str
    """The state for OAuth 2.0 authorization request."""


class AccessToken(BaseModel):
    """The access token class for a resource."""

    token: str
    """The access token string."""
    expiresAt: float
    """
    The timestamp (in seconds) when the access token will expire.
    Note this is not the expiration time of the access token itself, but the
    expiration time of the access token cache.
    """


class AccessTokenMap(BaseModel):
    """
    The access token map that maps the resource to the access token for that resource.

    If resource is an empty string, it means the access token is for UserInfo endpoint
    or the default resource.
    """

    x: Dict[str, AccessToken]


InteractionMode = Literal["signIn", "signUp"]
"""
The interaction mode for the sign-in request. Note this is not a part of the OIDC
specification, but a Logto extension.
"""


class AwaitableIdTokenClaims(IdTokenClaims):
    """
    The ID token claims returned by `getIdTokenClaims()`: an `IdTokenClaims` that can also be
    awaited (and then yields itself), so both `client.getIdTokenClaims()` (the API reference)
    and `await client.getIdTokenClaims()` (the guide) work.
    """

    def __await__(self) -> Generator[Any, None, IdTokenClaims]:
        return self
        yield  # pragma: no cover - makes this a generator


_Changes = Sequence[Tuple[PersistKey, Optional[str]]]

# The order in which the core's changes are written back (see `_apply`).
_WRITE_ORDER: Dict[str, int] = {"refreshToken": 0, "accessTokenMap": 1, "signInSession": 2, "idToken": 3}


def _names(values: Sequence[Union[Enum, str]]) -> List[str]:
    return [value.value if isinstance(value, Enum) else str(value) for value in values]


def _resource(resource: Union[Enum, str]) -> str:
    return resource.value if isinstance(resource, Enum) else resource


def _prompt(prompt: Union[str, Sequence[str]]) -> List[str]:
    return prompt.split() if isinstance(prompt, str) else _names(prompt)


def _directSignIn(value: Union[str, Mapping[str, str], Tuple[str, str], None]) -> Optional[Tuple[str, str]]:
    """`"social:google"`, `{"method": "social", "target": "google"}` or `("social", "google")`."""
    if value is None:
        return None
    if isinstance(value, str):
        method, _, target = value.partition(":")
        return (method, target)
    if isinstance(value, Mapping):
        return (str(value["method"]), str(value["target"]))
    method, target = value
    return (str(method), str(target))


class LogtoClient:
    """
    The main class of the Logto client. You should create an instance of this class
    and use it to sign in, sign out, get access token, etc.
    """

    def __init__(self, config: LogtoConfig, storage: Optional[Storage] = None) -> None:
        self.config = config
        # A new MemoryStorage per client: a default instance is never shared between clients.
        self._storage: Storage = storage if storage is not None else MemoryStorage()
        self._core = _core.CoreClient(
            config.endpoint,
            config.appId,
            config.appSecret,
            _names(config.scopes),
            _names(config.resources),
            _prompt(config.prompt),
        )

    # -- storage, in the caller's context ------------------------------------------------------

    def _get(self, key: PersistKey) -> Optional[str]:
        try:
            return self._storage.get(key)
        except LogtoException:
            raise
        except Exception as error:
            raise LogtoStorageError(f"storage.get({key!r}) failed: {error}") from error

    def _snapshot(self) -> Tuple[Optional[str], Optional[str], Optional[str], Optional[str]]:
        """The four values, in the core's order (`PersistKey::ALL`)."""
        get = self._storage.get
        try:
            return (get("idToken"), get("refreshToken"), get("accessTokenMap"), get("signInSession"))
        except LogtoException:
            raise
        except Exception as error:
            raise LogtoStorageError(f"storage.get failed: {error}") from error

    def _apply(self, changes: _Changes) -> None:
        """Writes the core's changes: a rotated refresh token first, the ID token last (as the
        core does), and every key even when one write fails; the first failure is raised."""
        failure: Optional[BaseException] = None
        for key, value in sorted(changes, key=lambda change: _WRITE_ORDER.get(change[0], len(_WRITE_ORDER))):
            try:
                if value is None:
                    self._storage.delete(key)
                else:
                    self._storage.set(key, value)
            except LogtoException as error:
                failure = failure or error
            except Exception as error:
                if failure is None:
                    failure = LogtoStorageError(f"storage write of {key!r} failed: {error}")
                    failure.__cause__ = error
        if failure is not None:
            raise failure

    def _begin(self, call: Callable[..., Any], *args: Any) -> Tuple[bool, Any]:
        """Starts a core call over a snapshot of the storage: `(False, result)` when the core
        answered at once (no I/O: a cached token, a sign-in URL), else `(True, awaitable)`."""
        try:
            outcome = call(self._snapshot(), *args)
        except LogtoException as error:
            self._apply(getattr(error, "_logto_storage_changes", ()))
            raise
        if type(outcome) is tuple:
            result, changes = outcome
            if changes:
                self._apply(changes)
            return False, result
        return True, self._finish(outcome)

    async def _finish(self, pending: Awaitable[Tuple[Any, _Changes]]) -> Any:
        try:
            result, changes = await pending
        except LogtoException as error:
            self._apply(getattr(error, "_logto_storage_changes", ()))
            raise
        self._apply(changes)
        return result

    async def _run(self, call: Callable[..., Any], *args: Any) -> Any:
        waits, value = self._begin(call, *args)
        return await value if waits else value

    # -- the official API ----------------------------------------------------------------------

    async def getOidcCore(self) -> OidcCore:
        """
        Get the OIDC core object. You can use it to get the provider metadata, verify
        the ID token, fetch tokens by code or refresh token, etc.
        """
        return OidcCore._fromCore(await self._core.oidc_core())

    async def signIn(
        self,
        redirectUri: str,
        interactionMode: Optional[InteractionMode] = None,
        firstScreen: Optional[str] = None,
        identifiers: Optional[Sequence[str]] = None,
        directSignIn: Union[str, Mapping[str, str], Tuple[str, str], None] = None,
        extraParams: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """
        Returns the sign-in URL for the given redirect URI. You should redirect the user
        to the returned URL to sign in.

        By specifying the interaction mode, you can control whether the user will be
        prompted for sign-in or sign-up on the first screen. If the interaction mode is
        not specified, the default one will be used.

        `firstScreen` (`sign_in`, `register`, `reset_password`, `identifier:sign_in`,
        `identifier:register`, `single_sign_on`), `identifiers` (`email`, `phone`, `username`),
        `directSignIn` (`"social:<target>"`, `"sso:<id>"` or `{"method", "target"}`) and
        `extraParams` (more query parameters) are Logto extensions too.

        Example:
          ```python
          return redirect(await client.signIn('https://example.com/callback'))
          ```
        """
        params = None
        if extraParams:
            params = [(str(name), str(value.value if isinstance(value, Enum) else value)) for name, value in extraParams.items() if value is not None]
        return await self._run(
            self._core.sign_in,
            redirectUri,
            interactionMode,
            firstScreen,
            None if identifiers is None else _names(identifiers),
            _directSignIn(directSignIn),
            params,
        )

    async def signOut(self, postLogoutRedirectUri: Optional[str] = None) -> str:
        """
        Returns the sign-out URL for the given post-logout redirect URI. You should
        redirect the user to the returned URL to sign out.

        If the post-logout redirect URI is not provided, the Logto default post-logout
        redirect URI will be used.

        The local tokens are cleared and the refresh token is revoked.

        Example:
          ```python
          return redirect(await client.signOut('https://example.com'))
          ```
        """
        return await self._run(self._core.sign_out, postLogoutRedirectUri)

    async def handleSignInCallback(self, callbackUri: str) -> None:
        """
        Handle the sign-in callback from the Logto server. This method should be called
        in the callback route handler of your application.
        """
        await self._run(self._core.handle_sign_in_callback, callbackUri)

    async def getAccessToken(self, resource: str = "") -> Optional[str]:
        """
        Get the access token for the given resource. If the access token is expired,
        it will be refreshed automatically. If no refresh token is found, None will
        be returned.
        """
        # The hot path of every request: kept free of extra coroutine frames.
        waits, value = self._begin(self._core.get_access_token, _resource(resource))
        return await value if waits else value

    async def getOrganizationToken(self, organizationId: str) -> Optional[str]:
        """
        Get the access token for the given organization ID. If the access token is expired,
        it will be refreshed automatically. If no refresh token is found, None will
        be returned.
        """
        return await self._run(self._core.get_organization_token, organizationId)

    async def getAccessTokenClaims(self, resource: str = "") -> AccessTokenClaims:
        """
        Get the claims in the access token for the given resource. If the access token
        is expired, it will be refreshed automatically. If it's unable to refresh the
        access token, an exception will be thrown.
        """
        raw = await self._run(self._core.get_access_token_claims, _resource(resource))
        return AccessTokenClaims.model_validate_json(raw)

    async def getOrganizationTokenClaims(self, organizationId: str) -> AccessTokenClaims:
        """
        Get the claims in the access token for the given organization ID. If the access token
        is expired, it will be refreshed automatically. If it's unable to refresh the
        access token, an exception will be thrown.
        """
        raw = await self._run(self._core.get_organization_token_claims, organizationId)
        return AccessTokenClaims.model_validate_json(raw)

    def getIdToken(self) -> Optional[str]:
        """
        Get the ID Token string. If you need to get the claims in the ID Token, use
        `getIdTokenClaims` instead.
        """
        return self._get("idToken")

    def getIdTokenClaims(self) -> AwaitableIdTokenClaims:
        """
        Get the claims in the ID Token. If the ID Token does not exist, an exception
        will be thrown.

        The result may also be awaited (`await client.getIdTokenClaims()`).
        """
        return AwaitableIdTokenClaims.model_validate_json(self._core.id_token_claims(self._get("idToken")))

    def getRefreshToken(self) -> Optional[str]:
        """Get the refresh token string."""
        return self._get("refreshToken")

    def isAuthenticated(self) -> bool:
        """Check if the user is authenticated by checking if the ID Token exists."""
        return self._core.is_authenticated(self._get("idToken"))

    async def fetchUserInfo(self) -> UserInfoResponse:
        """
        Fetch the user information from the UserInfo endpoint. If the access token
        is expired, it will be refreshed automatically.
        """
        return UserInfoResponse.model_validate_json(await self._run(self._core.fetch_user_info))


__all__ = [
    "LogtoConfig",
    "SignInSession",
    "AccessToken",
    "AccessTokenMap",
    "InteractionMode",
    "LogtoClient",
    "AwaitableIdTokenClaims",
]
