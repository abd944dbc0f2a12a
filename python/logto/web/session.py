"""Server-side browser sessions: `ServerSession` (the data of one browser, a dict) and
`SessionManager` (loads it by the cookie's opaque id, saves it back, says what cookie to send).

The cookie carries only a random id (256 bits); the data lives in a `SessionStore`. A new id is
issued when the session is renewed (at sign-in: no session fixation), and the record is deleted
when the session ends or becomes empty. Nothing is written for a visitor who stored nothing.
"""

import re
import secrets
from dataclasses import dataclass
from typing import Any, Dict, Optional, Type

from .settings import WebSettings
from .store import Record, SessionStore

_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")


def newSessionId() -> str:
    """A fresh opaque session id (32 random bytes, base64url)."""
    return secrets.token_urlsafe(32)


def plausibleSessionId(value: Optional[str]) -> bool:
    """Whether a cookie value can be one of our ids (anything else is not looked up)."""
    return value is not None and _ID.match(value) is not None


class ServerSession(Dict[str, Any]):
    """The data of one browser session: a dict that knows whether it changed, plus the three
    operations the sign-in flow needs (`renew`, `setLifetime`, `end`)."""

    def __init__(self, sessionId: Optional[str] = None, data: Optional[Dict[str, Any]] = None, lifetime: Optional[int] = None):
        super().__init__(data or {})
        self.sessionId = sessionId
        """The id the browser presented (None for a new session)."""
        self.lifetime = lifetime
        """Seconds the record lives after a change; None: the settings' session lifetime."""
        self.modified = False
        self.renewed = False
        self.ended = False

    @property
    def new(self) -> bool:
        return self.sessionId is None

    def renew(self) -> None:
        """Moves the data to a new id when saved (the old record is deleted)."""
        self.renewed = True
        self.modified = True

    def setLifetime(self, seconds: Optional[int]) -> None:
        """How long the record lives after each change (None: the full session lifetime)."""
        if self.lifetime != seconds:
            self.lifetime = seconds
            self.modified = True

    def end(self) -> None:
        """Forgets everything: the record is deleted and the cookie removed."""
        super().clear()
        self.ended = True
        self.modified = True

    # Every mutation marks the session modified.
    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.modified = True

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.modified = True

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def popitem(self) -> Any:
        self.modified = True
        return super().popitem()

    def clear(self) -> None:
        self.modified = True
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self.modified = True
        super().update(*args, **kwargs)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.modified = True
        return super().setdefault(key, default)

    def __repr__(self) -> str:
        # Values are tokens: never print them.
        return f"<ServerSession keys={sorted(self.keys())!r}>"


@dataclass
class CookieUpdate:
    """What to do with the session cookie after a request: set `value` for `maxAge` seconds,
    or delete the cookie (`value` None)."""

    value: Optional[str]
    maxAge: int = 0


class SessionManager:
    """Loads and saves `ServerSession`s in a `SessionStore` for the settings' cookie."""

    sessionClass: Type[ServerSession] = ServerSession
    """The class of the sessions `open` returns (a framework may add its own mixin)."""

    def __init__(self, store: SessionStore, settings: WebSettings) -> None:
        self.store = store
        self.settings = settings

    def cookieAttributes(self) -> Dict[str, Any]:
        """The cookie's attributes: HttpOnly, SameSite=Lax, Secure per the settings."""
        return {
            "httponly": True,
            "samesite": "Lax",
            "secure": bool(self.settings.cookieSecure),
            "domain": self.settings.cookieDomain,
            "path": self.settings.cookiePath,
        }

    def open(self, cookie: Optional[str]) -> ServerSession:
        if not plausibleSessionId(cookie):
            return self.sessionClass()
        return self._session(cookie, self.store.load(cookie))  # type: ignore[arg-type]

    async def openAsync(self, cookie: Optional[str]) -> ServerSession:
        if not plausibleSessionId(cookie):
            return self.sessionClass()
        return self._session(cookie, await self.store.loadAsync(cookie))  # type: ignore[arg-type]

    def save(self, session: ServerSession, hadCookie: bool) -> Optional[CookieUpdate]:
        plan = self._plan(session, hadCookie)
        if plan.deleteId:
            self.store.delete(plan.deleteId)
        if plan.record is not None:
            self.store.save(plan.newId, plan.record, plan.ttl)  # type: ignore[arg-type]
        return plan.cookie

    async def saveAsync(self, session: ServerSession, hadCookie: bool) -> Optional[CookieUpdate]:
        plan = self._plan(session, hadCookie)
        if plan.deleteId:
            await self.store.deleteAsync(plan.deleteId)
        if plan.record is not None:
            await self.store.saveAsync(plan.newId, plan.record, plan.ttl)  # type: ignore[arg-type]
        return plan.cookie

    def _session(self, cookie: str, record: Optional[Record]) -> ServerSession:
        if record is None or not isinstance(record.get("d"), dict):
            # Unknown or expired: a new session (the stale cookie is replaced or removed).
            return self.sessionClass()
        lifetime = record.get("t")
        return self.sessionClass(cookie, record["d"], lifetime if isinstance(lifetime, int) else None)

    def _plan(self, session: ServerSession, hadCookie: bool) -> "_Plan":
        plan = _Plan()
        if not session.modified:
            # A stale or forged cookie the store did not know: remove it.
            if hadCookie and session.new:
                plan.cookie = CookieUpdate(None)
            return plan
        if session.ended or not session:
            plan.deleteId = session.sessionId
            if hadCookie or session.sessionId:
                plan.cookie = CookieUpdate(None)
            return plan
        if session.new or session.renewed:
            plan.deleteId = session.sessionId
            plan.newId = newSessionId()
        else:
            plan.newId = session.sessionId
        plan.ttl = session.lifetime or self.settings.sessionLifetime
        plan.record = {"d": dict(session), "t": session.lifetime}
        plan.cookie = CookieUpdate(plan.newId, plan.ttl)
        return plan


class _Plan:
    deleteId: Optional[str] = None
    newId: Optional[str] = None
    record: Optional[Record] = None
    ttl: int = 0
    cookie: Optional[CookieUpdate] = None


__all__ = ["ServerSession", "SessionManager", "CookieUpdate", "newSessionId", "plausibleSessionId"]
