"""Server-side browser sessions: `ServerSession` (the data of one browser, a dict) and
`SessionManager` (loads it by the cookie's opaque id, saves it back, says what cookie to send).

The cookie carries only a random id (256 bits); the data lives in a `SessionStore`. A new id is
issued when the session is renewed (at sign-in: no session fixation), and the record is deleted
when the session ends or becomes empty. Nothing is written for a visitor who stored nothing.

A save under the id the session was loaded with keeps the stored tokens when they are newer than
the copy's (a concurrent request refreshed meanwhile), and drops them when the stored session is
gone (a concurrent sign-out): see `tokens`. When the refresh token
changes, the session can be saved at once (`persist`): the identity server has consumed the old
token, so the new one must survive a view that fails afterwards.
"""

import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Type

from .flow import WebSession
from .settings import WebSettings
from .store import MemorySessionStore, Record, SessionStore
from .tokens import TOKEN_KEYS, applyTokens, holdsTokens, keepNewerTokens, stampOf

_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")


def newSessionId() -> str:
    """A fresh opaque session id (32 random bytes, base64url)."""
    return secrets.token_urlsafe(32)


def plausibleSessionId(value: Optional[str]) -> bool:
    """Whether a cookie value can be one of our ids (anything else is not looked up)."""
    return value is not None and _ID.match(value) is not None


class ServerSession(Dict[str, Any], WebSession):
    """The data of one browser session: a dict that knows whether it changed, plus the
    operations the sign-in flow needs of a `WebSession` (`renew`, `setLifetime`, `end`,
    `tokensChanged`). The dict's own methods come first: `WebSession` adds only the type."""

    def __init__(self, sessionId: Optional[str] = None, data: Optional[Dict[str, Any]] = None, lifetime: Optional[int] = None):
        super().__init__(data or {})
        self.sessionId = sessionId
        """The id the browser presented (None for a new session)."""
        self.lifetime = lifetime
        """Seconds the record lives after a change; None: the settings' session lifetime."""
        self.modified = False
        self.renewed = False
        self.ended = False
        self.tokensDirty = False
        """The refresh token changed since the session was last saved."""
        self.whenTokensChange: Optional[Callable[[], None]] = None
        """Called when the refresh token changes (a sync integration saves the session there)."""

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

    def tokensChanged(self) -> None:
        """The refresh token was written or removed (`SessionStorage` calls this)."""
        self.tokensDirty = True
        if self.whenTokensChange is not None:
            self.whenTokensChange()

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

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def popitem(self) -> Any:
        self.modified = True
        return super().popitem()

    def clear(self) -> None:
        self.modified = True
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
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
        if not isinstance(store, MemorySessionStore) and not settings.redisUrl:
            logging.getLogger("logto").warning(
                "logto: sessions are in a shared store but refreshes are coordinated in this process only: "
                "two workers may refresh one session at once, and Logto revokes a grant whose rotated refresh "
                "token comes back after its grace; set redisUrl so every worker refreshes a session once"
            )

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
        if cookie is None or not plausibleSessionId(cookie):
            return self.sessionClass()
        return self._session(cookie, self.store.load(cookie))

    async def openAsync(self, cookie: Optional[str]) -> ServerSession:
        if cookie is None or not plausibleSessionId(cookie):
            return self.sessionClass()
        return self._session(cookie, await self.store.loadAsync(cookie))

    def save(self, session: ServerSession, hadCookie: bool) -> Optional[CookieUpdate]:
        """Saves `session` at the end of a request; returns what to do with the cookie."""
        # Cleared before the copy is taken: tokens written while it is saved stay to be saved.
        session.tokensDirty = False
        plan = self._plan(session, hadCookie)
        if plan.deleteId:
            self.store.delete(plan.deleteId)
        write = plan.write
        if write is not None:
            record = self._merged(write.record, self.store.load(write.sessionId)) if plan.guarded else write.record
            self.store.save(write.sessionId, record, write.ttl)
        return plan.cookie

    async def saveAsync(self, session: ServerSession, hadCookie: bool) -> Optional[CookieUpdate]:
        """`save` for ASGI apps."""
        session.tokensDirty = False
        plan = self._plan(session, hadCookie)
        if plan.deleteId:
            await self.store.deleteAsync(plan.deleteId)
        write = plan.write
        if write is not None:
            record = self._merged(write.record, await self.store.loadAsync(write.sessionId)) if plan.guarded else write.record
            await self.store.saveAsync(write.sessionId, record, write.ttl)
        return plan.cookie

    def persist(self, session: ServerSession) -> None:
        """Saves `session` now, in the middle of its request, under the id it was loaded with
        (the end of the request saves it again, with the cookie). A session without an id yet,
        renewed or ended is left to the end of its request: its id is not settled; so is one
        whose record is gone (another request ended it)."""
        write = self._persistWrite(session)
        if write is None:
            return
        session.tokensDirty = False
        stored = self.store.load(write.sessionId)
        if stored is not None:  # else ended meanwhile: the end of the request drops the tokens
            self.store.save(write.sessionId, self._merged(write.record, stored), write.ttl)

    async def persistAsync(self, session: ServerSession) -> None:
        """`persist` for ASGI apps."""
        write = self._persistWrite(session)
        if write is None:
            return
        session.tokensDirty = False
        stored = await self.store.loadAsync(write.sessionId)
        if stored is not None:
            await self.store.saveAsync(write.sessionId, self._merged(write.record, stored), write.ttl)

    async def persistTokensAsync(self, session: ServerSession) -> None:
        """Saves only the tokens of `session` onto its stored record, when they are newer: for
        tokens written after the session's request was answered (a core call the route gave up
        on), whose copy of the app's own data may be older than the store's by now."""
        if session.sessionId is None or session.renewed or session.ended:
            return
        session.tokensDirty = False
        stored = await self.store.loadAsync(session.sessionId)
        data = stored.get("d") if stored is not None else None
        if stored is None or not isinstance(data, dict) or (stampOf(data) or 0) >= (stampOf(session) or 0):
            return  # gone (signed out), or the store holds these tokens or newer ones
        merged = dict(data)
        applyTokens(merged, {key: session.get(key) for key in TOKEN_KEYS})
        lifetime = stored.get("t")
        ttl = lifetime if isinstance(lifetime, int) else self.settings.sessionLifetime
        await self.store.saveAsync(session.sessionId, {**stored, "d": merged}, ttl)

    def _persistWrite(self, session: ServerSession) -> Optional["_Write"]:
        if session.sessionId is None or session.renewed or session.ended or not session:
            return None
        return self._write(session, session.sessionId)

    def _write(self, session: ServerSession, sessionId: str) -> "_Write":
        record = {"d": dict(session), "t": session.lifetime}
        return _Write(sessionId, record, session.lifetime or self.settings.sessionLifetime)

    @staticmethod
    def _merged(record: Record, stored: Optional[Record]) -> Record:
        data = stored.get("d") if stored is not None else None
        merged = keepNewerTokens(record["d"], data if isinstance(data, dict) else None)
        return record if merged is record["d"] else {**record, "d": merged}

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
        if session.sessionId is None or session.renewed:
            plan.deleteId = session.sessionId
            sessionId = newSessionId()
        else:
            sessionId = session.sessionId
            # Another request may have rotated the refresh token since this copy was loaded.
            plan.guarded = holdsTokens(session)
        plan.write = self._write(session, sessionId)
        plan.cookie = CookieUpdate(sessionId, plan.write.ttl)
        return plan


@dataclass
class _Write:
    """A record to store under `sessionId` for `ttl` seconds."""

    sessionId: str
    record: Record
    ttl: int


@dataclass
class _Plan:
    """What saving a session does: delete the record of `deleteId`, store `write` (first
    taking the stored tokens when they are newer, if `guarded`), and answer `cookie`."""

    deleteId: Optional[str] = None
    write: Optional[_Write] = None
    guarded: bool = False
    cookie: Optional[CookieUpdate] = None


__all__ = ["ServerSession", "SessionManager", "CookieUpdate", "newSessionId", "plausibleSessionId"]
