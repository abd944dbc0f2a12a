"""
The Logto client class and the related models.

`LogtoClient` is a thin skin over the Rust core (`logto._core.CoreClient`): each coroutine reads
the user's values from the storage in the caller's thread and context into a typed snapshot,
hands it to the core, which does the protocol work off the event loop, then applies the core's
change log to the storage, in the caller's context again and in the core's order. A storage over
Flask's `session` therefore works in async views. `logto.sync.LogtoClient` is the same client
with plain (blocking) methods.
"""

from typing import Any, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, Union

from pydantic import BaseModel, Field

import json

from . import _core
from ._bridge import AwaitableIdTokenClaims, ClientBase, resourceValue
from ._redact import redactedReprArgs
from .models.oidc import AccessTokenClaims, IdTokenClaims, ReservedResource, UserInfoScope
from .models.response import UserInfoResponse
from .OidcCore import OidcCore
from .Storage import Storage

_ReprArgs = Iterable[Tuple[Optional[str], Any]]  # what pydantic's __repr_args__ yields


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

    strictCallbackOrigin: bool = False
    """
    Also require the sign-in callback to arrive at the redirect URI's origin (scheme, host,
    port), not only its path. Off by default, like the official SDK: behind a reverse proxy or
    under a framework's test client the app sees another origin than the public one, and the
    callback is bound to the browser by `state`, PKCE and `iss` anyway.
    """

    timeout: Optional[float] = None
    """The timeout of each request to Logto in seconds (default 10)."""

    backchannelLogout: bool = False
    """
    Honour Logto's back-channel logouts: a session ended at Logto (its `sid`, or all of a user's
    sessions) is signed out on its next request (`getContext`, `getSignedInClaims`, the framework
    integrations). Register the integration's back-channel logout URI in Logto.
    """

    leeway: Optional[float] = None
    """
    The clock leeway in seconds of the token time checks (`exp`, `iat`, `nbf`); default 60, at
    most 300. An ID token within the leeway past its expiry still counts as fresh.
    """

    redisUrl: Optional[str] = None
    """
    A Redis URL (`redis://host:6379/0`) shared by every instance of the app: refreshes of one
    session's refresh token are then coordinated across the instances (one token request per
    rotation; Logto revokes the whole grant when a rotated refresh token comes back). Without it,
    refreshes are coordinated within this process only.
    """

    def __repr_args__(self) -> "_ReprArgs":
        return redactedReprArgs(self, ("appSecret", "redisUrl"))


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

    def __repr_args__(self) -> "_ReprArgs":
        return redactedReprArgs(self, ("codeVerifier", "state"))


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

    def __repr_args__(self) -> "_ReprArgs":
        return redactedReprArgs(self, ("token",))


class AccessTokenMap(BaseModel):
    """
    The access token map that maps the resource to the access token for that resource.

    If resource is an empty string, it means the access token is for UserInfo endpoint
    or the default resource.
    """

    x: Dict[str, AccessToken]


class LogtoContext(BaseModel):
    """A request's view of the session (`getContext`); `repr` shows no token."""

    isAuthenticated: bool = False
    """Whether a user is signed in (not ended by a back-channel logout, ID token fresh)."""
    claims: Optional[IdTokenClaims] = None
    """The ID token's claims."""
    accessToken: Optional[str] = Field(default=None, repr=False)
    """The access token asked for."""
    scopes: List[str] = []
    """Its scopes (empty for an opaque token)."""
    userInfo: Optional[UserInfoResponse] = None
    """The userinfo claims, when asked for."""
    organizationTokens: Dict[str, str] = Field(default={}, repr=False)
    """A token per organization of the user, when asked for."""


InteractionMode = Literal["signIn", "signUp"]
"""
The interaction mode for the sign-in request. Note this is not a part of the OIDC
specification, but a Logto extension.
"""



class LogtoClient(ClientBase):
    """
    The main class of the Logto client. You should create an instance of this class
    and use it to sign in, sign out, get access token, etc.

    Clients with the same configuration share one core (connection pool, discovery document,
    signing keys, refresh coordination), so creating one per request is cheap; `withStorage`
    makes that explicit.
    """

    def __init__(self, config: LogtoConfig, storage: Optional[Storage] = None) -> None:
        super().__init__(config, storage)

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
        *,
        loginHint: Optional[str] = None,
        organizationId: Optional[str] = None,
        prompt: Union[str, Sequence[str], None] = None,
        oneTimeToken: Optional[str] = None,
    ) -> str:
        """
        Returns the sign-in URL for the given redirect URI. You should redirect the user
        to the returned URL to sign in.

        By specifying the interaction mode, you can control whether the user will be
        prompted for sign-in or sign-up on the first screen. If the interaction mode is
        not specified, the default one will be used.

        Logto extensions: `firstScreen` (`sign_in`, `register`, `reset_password`,
        `identifier:sign_in`, `identifier:register`, `single_sign_on`), `identifiers` (`email`,
        `phone`, `username`), `directSignIn` (`"social:<target>"`, `"sso:<id>"` or
        `{"method", "target"}`), `extraParams` (more query parameters), `loginHint`,
        `organizationId`, `prompt` for this sign-in (`none`, `login`, `consent`) and
        `oneTimeToken` (a magic link's token, with `loginHint` set to its email).

        Example:
          ```python
          return redirect(await client.signIn('https://example.com/callback'))
          ```
        """
        return await self._run(  # type: ignore[no-any-return]
            self._core.sign_in,
            redirectUri,
            **self._signInOptions(
                interactionMode, firstScreen, identifiers, directSignIn, extraParams, loginHint, organizationId, prompt, oneTimeToken
            ),
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
        return await self._run(self._core.sign_out, postLogoutRedirectUri)  # type: ignore[no-any-return]

    async def handleSignInCallback(self, callbackUri: str) -> None:
        """
        Handle the sign-in callback from the Logto server. This method should be called
        in the callback route handler of your application.

        The callback's path must be the redirect URI's path; its origin may differ (a reverse
        proxy, a test client), unless `LogtoConfig.strictCallbackOrigin` is set.
        """
        await self._run(self._core.handle_sign_in_callback, callbackUri)

    async def getAccessToken(self, resource: str = "", *, organizationId: Optional[str] = None) -> Optional[str]:
        """
        Get the access token for the given resource. If the access token is expired,
        it will be refreshed automatically. If no refresh token is found, None will
        be returned.

        With `organizationId`, the token is for the resource in that organization (or, with
        no resource, an organization token).
        """
        resource = resourceValue(resource)
        # The hot path of every request: a valid cached token, read from the one stored value.
        # Not when back-channel logouts are honoured: the core checks the session's logout
        # markers before it serves a cached token.
        if self._cacheReadable():
            token = _core.CoreClient.cached_access_token(self._get("accessTokenMap"), resource, organizationId)
            if token is not None:
                return token
        return await self._run(self._core.get_access_token, resource, organizationId)  # type: ignore[no-any-return]

    async def getOrganizationToken(self, organizationId: str) -> Optional[str]:
        """
        Get the access token for the given organization ID. If the access token is expired,
        it will be refreshed automatically. If no refresh token is found, None will
        be returned.
        """
        return await self._run(self._core.get_access_token, "", organizationId)  # type: ignore[no-any-return]

    async def getAccessTokenClaims(self, resource: str = "", *, organizationId: Optional[str] = None) -> AccessTokenClaims:
        """
        Get the claims in the access token for the given resource. If the access token
        is expired, it will be refreshed automatically. If it's unable to refresh the
        access token, an exception will be thrown.

        The claims are decoded, not verified: the token came straight from Logto. An API that
        receives the token must verify it.
        """
        raw = await self._run(self._core.get_access_token_claims, resourceValue(resource), organizationId)
        return AccessTokenClaims.model_validate_json(raw)

    async def getOrganizationTokenClaims(self, organizationId: str) -> AccessTokenClaims:
        """
        Get the claims in the access token for the given organization ID. If the access token
        is expired, it will be refreshed automatically. If it's unable to refresh the
        access token, an exception will be thrown.
        """
        raw = await self._run(self._core.get_access_token_claims, "", organizationId)
        return AccessTokenClaims.model_validate_json(raw)

    async def fetchUserInfo(self) -> UserInfoResponse:
        """
        Fetch the user information from the UserInfo endpoint. If the access token
        is expired, it will be refreshed automatically.
        """
        return UserInfoResponse.model_validate_json(await self._run(self._core.fetch_user_info))

    async def getSignedInClaims(self) -> Optional[IdTokenClaims]:
        """
        The signed-in user's ID-token claims, or None. Unlike `isAuthenticated()` (an ID token is
        stored), this is what a page should check: a session ended by a back-channel logout, or
        whose grant is gone, is signed out; an expired ID token is renewed.
        """
        raw = await self._run(self._core.signed_in_claims)
        return None if raw is None else IdTokenClaims.model_validate_json(raw)

    async def getContext(
        self,
        fetchUserInfo: bool = False,
        resource: Optional[str] = None,
        organizationId: Optional[str] = None,
        getOrganizationTokens: bool = False,
    ) -> LogtoContext:
        """
        The request's view of the session in one call (like Logto's Node SDK `getContext`): the
        sign-in state and claims (as `getSignedInClaims`), and optionally an access token for
        `resource`/`organizationId` with its scopes, the user info, and a token per organization.
        Nobody signed in is not an error: `isAuthenticated` is False.
        """
        raw = await self._run(
            self._core.context,
            fetch_user_info=fetchUserInfo,
            resource=None if resource is None else resourceValue(resource),
            organization_id=organizationId,
            organization_tokens=getOrganizationTokens,
        )
        return LogtoContext.model_validate_json(raw)

    async def handleBackchannelLogout(self, logoutToken: str) -> Dict[str, Optional[str]]:
        """
        Handles the `logout_token` Logto posted to the back-channel logout URI: verified (signature,
        issuer, audience, age, event; a replay is refused), the session it names is signed out on
        its next request. Returns its `sub` and `sid`. Answer 200, or 400 on `LogtoInvalidLogoutToken`.
        """
        pending = self._core.handle_backchannel_logout(logoutToken)
        outcome = pending if type(pending) is _core.Outcome else await pending
        return json.loads(self._settle(outcome))  # type: ignore[no-any-return]

    def withStorage(self, storage: Storage) -> "LogtoClient":
        """A client for another user's storage (a request's session) sharing this client's core."""
        return self._bound(storage)  # type: ignore[no-any-return]


__all__ = [
    "LogtoConfig",
    "SignInSession",
    "AccessToken",
    "AccessTokenMap",
    "InteractionMode",
    "LogtoClient",
    "LogtoContext",
    "AwaitableIdTokenClaims",
]
