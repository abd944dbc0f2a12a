"""`LogtoWeb`: the sign-in, callback and sign-out steps every framework integration runs, on a
browser session, with one shared client per process bound to each request's session.

A framework module only turns requests into these calls and the results into responses. The
session it passes is a mutable mapping with three more methods (`WebSession`): `renew()` (new
session id at sign-in), `setLifetime(seconds | None)` (short while a sign-in is in progress) and
`end()` (sign-out), and optionally `tokensChanged()` (the refresh token rotated: save now).

Whether a request is signed in is the core's decision (`claims` / `claimsAsync`): the ID token's
claims without any I/O while it is fresh; else the core renews an expired ID token with the
refresh token, signs out a session that Logto ended (back-channel logout) or whose grant is gone.
"""

from typing import Any, MutableMapping, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from .. import sync as _sync
from ..LogtoClient import LogtoClient
from ..LogtoException import LogtoException, LogtoSignInSessionMissing
from ..models.oidc import IdTokenClaims
from .backchannel import ACCEPTED, MISSING, NOT_ENABLED, BackchannelAnswer, refused
from .returnto import localPathOr
from .settings import WebSettings
from .storage import PREFIX, PendingSignIns, SessionStorage



class WebSession(MutableMapping[str, Any]):
    """What the flow needs from a framework's session: a mutable mapping with three more methods
    (`ServerSession` is one; the Django integration wraps `request.session`)."""

    def renew(self) -> None: ...

    def setLifetime(self, seconds: Optional[int]) -> None: ...

    def end(self) -> None: ...

    def tokensChanged(self) -> None:
        """The refresh token was rotated (or removed): the identity server consumed the old one.
        A session whose framework may skip its save (an error page) saves itself here."""


class LogtoWeb:
    """The framework-agnostic half of an integration: settings, the shared clients, the steps."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        config = settings.logtoConfig()
        self.client = LogtoClient(config)
        """The process's async client (its own storage is nobody's: use `clientFor`)."""
        self.syncClient = _sync.LogtoClient(config)
        """The process's plain client (shares the core with `client`)."""

    # -- per-request clients ------------------------------------------------------------------

    def storageFor(self, session: MutableMapping[str, Any], state: Optional[str] = None) -> SessionStorage:
        return SessionStorage(session, state, self.settings.signInLifetime)

    def clientFor(self, session: MutableMapping[str, Any]) -> LogtoClient:
        """The async client bound to `session` (shares the HTTP pool, discovery, keys)."""
        return self.client.withStorage(self.storageFor(session))

    def syncClientFor(self, session: MutableMapping[str, Any]) -> _sync.LogtoClient:
        """The plain client bound to `session`."""
        return self.syncClient.withStorage(self.storageFor(session))

    def isAuthenticated(self, session: MutableMapping[str, Any]) -> bool:
        """Whether the session holds an ID token (no network). Not a sign-in check: the ID
        token may have expired, or Logto may have ended the session; gate pages on `claims`."""
        return self.client._core.is_authenticated(session.get(PREFIX + "idToken"))

    def _freshClaims(self, session: MutableMapping[str, Any]) -> Tuple[bool, Optional[IdTokenClaims]]:
        """(answered, claims): the answer when it needs no I/O (nobody signed in, or a fresh ID
        token while back-channel logouts are not honoured)."""
        idToken = session.get(PREFIX + "idToken")
        if not isinstance(idToken, str) or not idToken:
            return True, None
        raw = self.client._core.claims_without_io(idToken)
        return (False, None) if raw is None else (True, IdTokenClaims.model_validate_json(raw))

    def claims(self, session: MutableMapping[str, Any]) -> Optional[IdTokenClaims]:
        """The signed-in user's ID-token claims, or None: a session Logto ended (back-channel
        logout) or whose grant is gone is signed out; an expired ID token is renewed (network
        only then). Raises on failures of Logto (502/504): answer them as errors."""
        answered, claims = self._freshClaims(session)
        if answered:
            return claims
        return self.syncClientFor(session).getSignedInClaims()

    async def claimsAsync(self, session: MutableMapping[str, Any]) -> Optional[IdTokenClaims]:
        """`claims` for async views."""
        answered, claims = self._freshClaims(session)
        if answered:
            return claims
        return await self.clientFor(session).getSignedInClaims()

    # -- back-channel logout ------------------------------------------------------------------

    async def backchannelLogout(self, logoutToken: Optional[str]) -> BackchannelAnswer:
        """Handles Logto's back-channel logout request (its `logout_token` form field): the
        answer to send (200, 400 for a refused token, 404 when the setting is off)."""
        if not self.settings.backchannelLogout:
            return NOT_ENABLED
        if not logoutToken:
            return MISSING
        try:
            await self.client.handleBackchannelLogout(logoutToken)
        except LogtoException as error:
            return refused(error)
        return ACCEPTED

    def backchannelLogoutSync(self, logoutToken: Optional[str]) -> BackchannelAnswer:
        """`backchannelLogout` for sync views."""
        if not self.settings.backchannelLogout:
            return NOT_ENABLED
        if not logoutToken:
            return MISSING
        try:
            self.syncClient.handleBackchannelLogout(logoutToken)
        except LogtoException as error:
            return refused(error)
        return ACCEPTED

    # -- sign-in ------------------------------------------------------------------------------

    def _keepSignIn(self, session: WebSession, storage: SessionStorage, url: str, returnTo: Optional[str]) -> None:
        state = parse_qs(urlsplit(url).query).get("state", [""])[0]
        if storage.newSignIn is None or not state:  # pragma: no cover - the core always writes both
            raise RuntimeError("the sign-in wrote no sign-in session")
        target = localPathOr(returnTo, "") or None
        PendingSignIns.keep(session, state, storage.newSignIn, target, self.settings.signInLifetime)
        if not self.isAuthenticated(session):
            # Until the callback completes, the session holds nothing worth keeping long.
            session.setLifetime(self.settings.signInLifetime)

    async def startSignIn(self, session: WebSession, returnTo: Optional[str] = None, firstScreen: Optional[str] = None) -> str:
        """Starts a sign-in and returns the Logto URL to redirect to. `returnTo` (a local path,
        anything else is ignored) is where the callback sends the browser afterwards."""
        storage = self.storageFor(session)
        url = await self.client.withStorage(storage).signIn(self.settings.redirectUri, firstScreen=firstScreen)
        self._keepSignIn(session, storage, url, returnTo)
        return url

    def startSignInSync(self, session: WebSession, returnTo: Optional[str] = None, firstScreen: Optional[str] = None) -> str:
        """`startSignIn` for sync views."""
        storage = self.storageFor(session)
        url = self.syncClient.withStorage(storage).signIn(self.settings.redirectUri, firstScreen=firstScreen)
        self._keepSignIn(session, storage, url, returnTo)
        return url

    # -- callback -----------------------------------------------------------------------------

    def _callback(self, session: WebSession, query: str) -> Tuple[SessionStorage, str, str]:
        state = parse_qs(query).get("state", [""])[0]
        storage = self.storageFor(session, state)
        entry = PendingSignIns.entry(session, state, self.settings.signInLifetime)
        target = localPathOr(entry.get("r") if entry else None, self.settings.postSignInRedirect)
        # The router reached the callback route, so where the callback arrived is decided; the
        # URL is built from the settings so that a proxy's rewrites of host, scheme or path
        # prefix cannot make it differ from the redirect URI. The core checks the parameters.
        return storage, self.settings.redirectUri + ("?" + query if query else ""), target

    def _afterCallback(self, session: WebSession) -> None:
        session.renew()
        session.setLifetime(None)

    async def finishSignIn(self, session: WebSession, query: str) -> str:
        """Completes the sign-in from the callback's query string; returns where to send the
        browser. The session id is renewed. A callback whose sign-in is unknown while the user
        is signed in (a second tab, a reload) just goes on to its target."""
        storage, url, target = self._callback(session, query)
        try:
            await self.client.withStorage(storage).handleSignInCallback(url)
        except LogtoSignInSessionMissing:
            if self.isAuthenticated(session):
                return target
            raise
        self._afterCallback(session)
        return target

    def finishSignInSync(self, session: WebSession, query: str) -> str:
        """`finishSignIn` for sync views."""
        storage, url, target = self._callback(session, query)
        try:
            self.syncClient.withStorage(storage).handleSignInCallback(url)
        except LogtoSignInSessionMissing:
            if self.isAuthenticated(session):
                return target
            raise
        self._afterCallback(session)
        return target

    # -- sign-out -----------------------------------------------------------------------------

    async def signOut(self, session: WebSession) -> str:
        """Signs out (local tokens cleared, refresh token revoked, session ended); returns
        Logto's end-session URL to redirect to."""
        try:
            return await self.clientFor(session).signOut(self.settings.absolute(self.settings.postSignOutRedirect))
        finally:
            session.end()

    def signOutSync(self, session: WebSession) -> str:
        """`signOut` for sync views."""
        try:
            return self.syncClientFor(session).signOut(self.settings.absolute(self.settings.postSignOutRedirect))
        finally:
            session.end()

    def sameOrigin(self, origin: Optional[str], secFetchSite: Optional[str]) -> bool:
        """Whether a state-changing request comes from this site: its `Origin` (or, without
        one, `Sec-Fetch-Site`) must not name another site. The cookie is `SameSite=Lax`, so a
        cross-site POST does not carry it anyway; this refuses it outright."""
        if origin:
            return origin.lower() == self.settings.origin
        if secFetchSite:
            return secFetchSite in ("same-origin", "none")
        return True

    def signInTarget(self, returnTo: Optional[str]) -> str:
        """The sign-in route's URL with `return_to` (for redirects of protected pages)."""
        from urllib.parse import quote

        path = self.settings.signInPath
        return f"{path}?return_to={quote(returnTo, safe='/')}" if returnTo and localPathOr(returnTo, "") else path


__all__ = ["LogtoWeb", "WebSession"]
