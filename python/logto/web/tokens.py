"""The tokens of a browser session and the stamp that orders their writes.

Two requests of one browser each load the session at their start. When the first refreshes,
Logto rotates the refresh token and consumes the old one; when the second then saves its copy
for another reason, a plain save writes the consumed token back, and the next refresh presents
it: Logto revokes the whole grant and the user is signed out. So every write (or removal) of the
refresh token is stamped with its time (`SessionStorage` does it), and a save keeps the stored
tokens when their stamp is newer than the copy's (`keepNewerTokens`); the copy's other values
are saved as they are. Likewise a session that ended meanwhile (a sign-out in another request
deleted it) does not come back signed in from a stale copy: its tokens are dropped.
"""

import time
from typing import Any, Dict, Mapping, MutableMapping, Optional

PREFIX = "logto."
"""The prefix of the session keys the client's values live under (`logto.idToken`, ...)."""

REFRESH_TOKEN_STAMP = PREFIX + "refreshTokenAt"
"""The session key of the refresh token's last write (milliseconds since the epoch)."""

TOKEN_KEYS = (PREFIX + "refreshToken", PREFIX + "idToken", PREFIX + "accessTokenMap", REFRESH_TOKEN_STAMP)
"""The session keys that travel together with the refresh token."""


def stampRefreshToken(session: MutableMapping[str, Any]) -> None:
    """Records that the refresh token was written (or removed) now."""
    session[REFRESH_TOKEN_STAMP] = time.time_ns() // 1_000_000


def stampOf(data: Optional[Mapping[str, Any]]) -> Optional[int]:
    """The refresh token's stamp in `data`, if any."""
    stamp = None if data is None else data.get(REFRESH_TOKEN_STAMP)
    return stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else None


def holdsTokens(data: Mapping[str, Any]) -> bool:
    """Whether a save of `data` must be checked against the stored copy: it has a stamp, or a
    refresh token written before stamps existed."""
    return REFRESH_TOKEN_STAMP in data or PREFIX + "refreshToken" in data


def newerTokens(saving: Mapping[str, Any], stored: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """What to save instead of the token entries of `saving`, a copy of a stored session that
    holds tokens (`holdsTokens`), given the stored session now (None or empty: it is gone):
    the stored entries (`None` for an absent key) when they were written after the copy's, no
    tokens at all when the session is gone, else None (save the copy's). A copy without a stamp
    is older than any stamped one."""
    if not stored:
        return {key: None for key in TOKEN_KEYS}
    storedStamp = stampOf(stored)
    if storedStamp is None or storedStamp <= (stampOf(saving) or 0):
        return None
    return {key: stored.get(key) for key in TOKEN_KEYS}


def applyTokens(data: MutableMapping[str, Any], tokens: Mapping[str, Any]) -> None:
    """Puts `tokens` (from `newerTokens`) into `data`."""
    for key, value in tokens.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value


def keepNewerTokens(saving: Dict[str, Any], stored: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """`saving` with the stored tokens instead of its own when the stored ones are newer."""
    tokens = newerTokens(saving, stored)
    if tokens is None:
        return saving
    merged = dict(saving)
    applyTokens(merged, tokens)
    return merged


__all__ = [
    "PREFIX",
    "REFRESH_TOKEN_STAMP",
    "TOKEN_KEYS",
    "stampRefreshToken",
    "stampOf",
    "holdsTokens",
    "newerTokens",
    "applyTokens",
    "keepNewerTokens",
]
