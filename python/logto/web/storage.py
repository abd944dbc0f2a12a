"""`SessionStorage`: the client's `Storage` over a browser session (any mutable mapping: our
`ServerSession`, Django's `request.session`).

The tokens live under `logto.<key>`. Sign-ins in progress live apart, one per `state`, under
`logto.signIns`: the core keeps one `signInSession` per storage, and a browser with two tabs
signing in at once would otherwise lose the first tab's sign-in when the second one starts. The
storage is bound to the `state` of the callback it serves; a new sign-in's session is held back
until `PendingSignIns.keep` files it under the state of its sign-in URL.

Every write of the refresh token (and its removal) is stamped under `logto.refreshTokenAt`: the
identity server consumed the previous token, so a stale copy of this session saved later by
another request must not bring it back (see `tokens.keepNewerTokens`); and the session is told
(`WebSession.tokensChanged`), so it can be saved at once where the framework may skip its save.
"""

import time
from typing import Any, Dict, MutableMapping, Optional

from ..Storage import PersistKey, Storage
from .tokens import PREFIX, stampRefreshToken

SIGN_INS = "logto.signIns"
MAX_PENDING_SIGN_INS = 5
"""Sign-ins a browser may have in progress at once; the oldest beyond that are dropped."""


class SessionStorage(Storage):
    """The Logto storage of one browser session, bound to the sign-in of `state` (if any)."""

    def __init__(self, session: MutableMapping[str, Any], state: Optional[str] = None, signInLifetime: int = 600) -> None:
        self.session = session
        self.state = state
        self.signInLifetime = signInLifetime
        self.newSignIn: Optional[str] = None
        """The sign-in session the core wrote during `signIn`, until it is filed by state."""

    def get(self, key: PersistKey) -> Optional[str]:
        if key == "signInSession":
            if self.newSignIn is not None:
                return self.newSignIn
            entry = PendingSignIns.entry(self.session, self.state, self.signInLifetime)
            return None if entry is None else entry.get("s")
        return self.session.get(PREFIX + key)

    def set(self, key: PersistKey, value: Optional[str]) -> None:
        if value is None:
            self.delete(key)
        elif key == "signInSession":
            self.newSignIn = value
        elif self.session.get(PREFIX + key) != value:
            self.session[PREFIX + key] = value
            if key == "refreshToken":
                self._refreshTokenChanged()

    def delete(self, key: PersistKey) -> None:
        if key == "signInSession":
            self.newSignIn = None
            PendingSignIns.drop(self.session, self.state)
        elif PREFIX + key in self.session:
            del self.session[PREFIX + key]
            if key == "refreshToken":
                self._refreshTokenChanged()

    def _refreshTokenChanged(self) -> None:
        stampRefreshToken(self.session)
        # A sign-in's callback (a storage bound to its `state`) writes into a session about to
        # get a new id: saved now, its tokens would stay under the id the browser had before
        # signing in. The callback route saves it under the new id.
        if self.state is None:
            notify = getattr(self.session, "tokensChanged", None)
            if notify is not None:
                notify()


class PendingSignIns:
    """The sign-ins in progress of a session: `{state: {"s": signInSession, "r": returnTo, "t": started}}`.
    Always written as a new dict, so sessions that track changes by assignment notice."""

    @staticmethod
    def entry(session: MutableMapping[str, Any], state: Optional[str], lifetime: int) -> Optional[Dict[str, Any]]:
        """The sign-in of `state`, unless unknown or older than `lifetime` seconds."""
        if not state:
            return None
        entries = session.get(SIGN_INS)
        entry = entries.get(state) if isinstance(entries, dict) else None
        if not isinstance(entry, dict) or time.time() - float(entry.get("t", 0)) >= lifetime:
            return None
        return entry

    @staticmethod
    def keep(session: MutableMapping[str, Any], state: str, signInSession: str, returnTo: Optional[str], lifetime: int) -> None:
        now = time.time()
        entries = session.get(SIGN_INS)
        kept = {
            key: value
            for key, value in (entries.items() if isinstance(entries, dict) else ())
            if isinstance(value, dict) and now - float(value.get("t", 0)) < lifetime
        }
        kept[state] = {"s": signInSession, "r": returnTo, "t": now}
        while len(kept) > MAX_PENDING_SIGN_INS:
            del kept[min(kept, key=lambda key: kept[key]["t"])]
        session[SIGN_INS] = kept

    @staticmethod
    def drop(session: MutableMapping[str, Any], state: Optional[str]) -> None:
        entries = session.get(SIGN_INS)
        if not state or not isinstance(entries, dict) or state not in entries:
            return
        kept = {key: value for key, value in entries.items() if key != state}
        if kept:
            session[SIGN_INS] = kept
        else:
            del session[SIGN_INS]


__all__ = ["SessionStorage", "PendingSignIns", "PREFIX", "SIGN_INS", "MAX_PENDING_SIGN_INS"]
