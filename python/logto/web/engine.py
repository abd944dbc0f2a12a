"""`LogtoWeb`: the core's web session engine for the framework integrations.

Every rule about the browser session (what it holds, how it is saved, what each route answers)
is the Rust core's (`logto::session`); a framework face only turns a request into these steps
and the answers into its responses. Each step is one call into the core, run to completion
(`blocking`, for sync views) or awaited (for async views): `Drive` and `AsyncDrive` below are the
two small drivers, and every step is written once.

A request's session is a `RequestSession`: the core's handle (`native`, also the storage of the
request's `LogtoClient`) and `app`, the app's own values (what the framework's `session` shows),
saved with the session when the request finishes.
"""

import inspect
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Type

from .. import _core
from .. import sync as _sync
from .._bridge import NativeStorage, coreFor
from ..LogtoClient import LogtoClient
from ..models.oidc import IdTokenClaims
from .settings import WebSettings


@dataclass
class Answer:
    """An HTTP answer the core decided: `status`, `headers` (lowercase names) and `body`."""

    status: int
    headers: List[Tuple[str, str]]
    body: str

    @classmethod
    def of(cls, raw: Tuple[int, List[Tuple[str, str]], str]) -> "Answer":
        return cls(raw[0], list(raw[1]), raw[2])

    def header(self, name: str) -> Optional[str]:
        return next((value for key, value in self.headers if key == name), None)

    @property
    def contentType(self) -> str:
        return self.header("content-type") or "text/plain; charset=utf-8"


class AppSession(Dict[str, Any]):
    """The app's own values of a browser session (a framework's `session`): a dict that knows
    whether it changed. Values must be JSON (the session is stored as JSON, never pickled)."""

    modified = False

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.modified = True

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.modified = True

    def pop(self, key: str, *default: Any) -> Any:
        self.modified = self.modified or key in self
        return super().pop(key, *default)

    def popitem(self) -> Any:
        self.modified = True
        return super().popitem()

    def clear(self) -> None:
        self.modified = self.modified or bool(self)
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.modified = True
        super().update(*args, **kwargs)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.modified = self.modified or key not in self
        return super().setdefault(key, default)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} keys={sorted(self.keys())!r}>"


class RequestSession:
    """One request's session: the core's handle and the app's values. A request without a
    session cookie gets its handle from the core only when something uses it (an API call
    that never touches the session costs no call into the core)."""

    def __init__(self, native: Optional["_core.CoreWebSession"], app: AppSession, hadCookie: bool, core: Any = None) -> None:
        self._native = native
        self._core = core
        self.app = app
        self.hadCookie = hadCookie

    @property
    def opened(self) -> bool:
        """Whether the core holds this request's session (else nothing of it is to be saved)."""
        return self._native is not None

    @property
    def native(self) -> "_core.CoreWebSession":
        if self._native is None:
            # A new, empty session: the core answers at once (no store to ask).
            self._native, _ = self._core.open(None, blocking=True)
        return self._native

    @property
    def storage(self) -> NativeStorage:
        """The request's `LogtoClient` storage."""
        return NativeStorage(self.native)

    def _appValues(self) -> Optional[str]:
        return json.dumps(dict(self.app), separators=(",", ":")) if self.app.modified else None

    def __repr__(self) -> str:
        return "<RequestSession>"


class LogtoWeb:
    """The framework-agnostic half of an integration: the settings, the process's clients and
    the core's sessions and routes."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        config = settings.logtoConfig()
        self.client = LogtoClient(config)
        """The process's async client (its own storage is nobody's: use `clientFor`)."""
        self.syncClient = _sync.LogtoClient(config)
        """The process's plain client (shares the core with `client`)."""
        self.core = _core.CoreSessions(
            coreFor(config),
            settings.baseUrl,
            sign_in_path=settings.signInPath,
            sign_up_path=settings.signUpPath,
            callback_path=settings.callbackPath,
            sign_out_path=settings.signOutPath,
            backchannel_logout_path=settings.backchannelLogoutPath,
            post_sign_in_redirect=settings.postSignInRedirect,
            post_sign_out_redirect=settings.postSignOutRedirect,
            sign_out_on_get=settings.signOutOnGet,
            cookie_name=settings.cookieName,
            cookie_secure=bool(settings.cookieSecure),
            cookie_domain=settings.cookieDomain,
            cookie_path=settings.cookiePath,
            session_lifetime=settings.sessionLifetime,
            sign_in_lifetime=settings.signInLifetime,
            redis_url=settings.redisUrl,
        )
        if not settings.redisUrl:
            import logging

            logging.getLogger("logto").warning(
                "logto: sessions are kept in this process's memory (development only): they are lost on "
                "restart and not shared between workers; set redisUrl for production"
            )
        self.drive = Drive(self)
        """The steps for sync views."""
        self.driveAsync = AsyncDrive(self)
        """The steps for async views."""

    def clientFor(self, session: RequestSession) -> LogtoClient:
        """The async client bound to the request's session."""
        return self.client._bound(session.storage)  # type: ignore[no-any-return]

    def syncClientFor(self, session: RequestSession) -> _sync.LogtoClient:
        """The plain client bound to the request's session."""
        return self.syncClient._bound(session.storage)  # type: ignore[no-any-return]

    def signInRedirect(self, returnTo: str) -> Answer:
        """The answer to a page that needs a user when nobody is signed in."""
        return Answer.of(self.core.redirect_to_sign_in(returnTo))

    @staticmethod
    def notAuthenticated() -> Answer:
        """`401 {"error": "Not authenticated"}`, for a JSON endpoint."""
        return Answer.of(_core.CoreSessions.not_authenticated())


def cookieFrom(headers: Any, name: str) -> Optional[str]:
    """The session cookie's value in a request's `Cookie` header(s) (a string or several): the
    first one, as every face reads it (a second cookie of the same name, planted for another path
    or by a sibling domain, does not win)."""
    values = [headers] if isinstance(headers, str) else list(headers or ())
    prefix = name + "="
    for header in values:
        for part in str(header).split(";"):
            part = part.strip()
            if part.startswith(prefix):
                return part[len(prefix) :].strip('"')
    return None


async def _settled(value: Any) -> Any:
    """A core step's result: the core answers at once what needs no I/O, else an awaitable."""
    return await value if inspect.isawaitable(value) else value


def _claims(raw: Optional[str]) -> Optional[IdTokenClaims]:
    return None if raw is None else IdTokenClaims.model_validate_json(raw)


class Drive:
    """The steps, run to completion on the calling thread (for sync views)."""

    def __init__(self, web: LogtoWeb) -> None:
        self.core = web.core

    def open(self, cookie: Optional[str], appClass: Type[AppSession] = AppSession) -> RequestSession:
        """The session the cookie names (a new one for none or an unknown one); `app` is an
        `appClass` (a framework's session class)."""
        if cookie is None:
            return RequestSession(None, appClass(), False, self.core)
        native, values = self.core.open(cookie, blocking=True)
        return RequestSession(native, appClass(json.loads(values)), True, self.core)

    def finish(self, session: RequestSession) -> Optional[str]:
        """Saves the session; the `Set-Cookie` header value, if the cookie changes."""
        if not session.opened and not session.app.modified:
            return None
        return self.core.finish(session.native, session._appValues(), blocking=True)  # type: ignore[no-any-return]

    def signIn(self, session: RequestSession, returnTo: Optional[str], firstScreen: Optional[str] = None) -> Answer:
        return Answer.of(self.core.sign_in(session.native, returnTo, firstScreen, blocking=True))

    def callback(self, session: RequestSession, query: str) -> Answer:
        return Answer.of(self.core.callback(session.native, query, blocking=True))

    def signOut(self, session: RequestSession, method: str, origin: Optional[str], secFetchSite: Optional[str]) -> Answer:
        return Answer.of(self.core.sign_out(session.native, method, origin, secFetchSite, blocking=True))

    def backchannelLogout(self, logoutToken: Optional[str]) -> Answer:
        return Answer.of(self.core.backchannel_logout(logoutToken, blocking=True))

    def claims(self, session: RequestSession) -> Optional[IdTokenClaims]:
        """The signed-in user's claims, or None (the core's decision: an expired ID token is
        renewed, a session Logto ended or whose grant is gone is signed out)."""
        if not session.opened:
            return None  # a request without a session holds no user
        return _claims(self.core.signed_in_claims(session.native, blocking=True))


class AsyncDrive:
    """The steps, awaited (for async views)."""

    def __init__(self, web: LogtoWeb) -> None:
        self.core = web.core

    async def open(self, cookie: Optional[str], appClass: Type[AppSession] = AppSession) -> RequestSession:
        if cookie is None:
            return RequestSession(None, appClass(), False, self.core)
        native, values = await _settled(self.core.open(cookie))
        return RequestSession(native, appClass(json.loads(values)), True, self.core)

    async def finish(self, session: RequestSession) -> Optional[str]:
        if not session.opened and not session.app.modified:
            return None
        return await _settled(self.core.finish(session.native, session._appValues()))  # type: ignore[no-any-return]

    async def signIn(self, session: RequestSession, returnTo: Optional[str], firstScreen: Optional[str] = None) -> Answer:
        return Answer.of(await _settled(self.core.sign_in(session.native, returnTo, firstScreen)))

    async def callback(self, session: RequestSession, query: str) -> Answer:
        return Answer.of(await _settled(self.core.callback(session.native, query)))

    async def signOut(self, session: RequestSession, method: str, origin: Optional[str], secFetchSite: Optional[str]) -> Answer:
        return Answer.of(await _settled(self.core.sign_out(session.native, method, origin, secFetchSite)))

    async def backchannelLogout(self, logoutToken: Optional[str]) -> Answer:
        return Answer.of(await _settled(self.core.backchannel_logout(logoutToken)))

    async def claims(self, session: RequestSession) -> Optional[IdTokenClaims]:
        if not session.opened:
            return None
        return _claims(await _settled(self.core.signed_in_claims(session.native)))


__all__ = ["LogtoWeb", "Answer", "AppSession", "RequestSession", "Drive", "AsyncDrive", "cookieFrom"]
