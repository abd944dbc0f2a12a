"""`logto.django` and Django's session framework: a rotated refresh token is never lost.

Logto rotates the refresh token at each refresh and consumes the old one; presenting a consumed
token later revokes the whole grant. Two things in Django's sessions could bring one back:

- `SessionMiddleware` does not save the session of a 5xx answer. A view that refreshed and then
  failed would leave the consumed token in the store. So the session is saved at once when the
  refresh token changes (`DjangoSession.tokensChanged`, sync code), and `LogtoMiddleware` saves
  it before a 5xx answer leaves (`settleSession`; async views, and a database transaction of the
  request that rolled the first save back).
- Two requests of one browser load the session at their start; the first refreshes, the second
  saves its copy later for another reason and writes the consumed token back. Every refresh-token
  write is stamped (`logto.web.tokens`); before `SessionMiddleware` saves a changed session,
  `LogtoMiddleware` takes the stored tokens instead of the copy's when the stored ones are newer
  (and drops them when the stored session is gone: a sign-out meanwhile is not undone).

This works with every session engine (cache, db, cached_db, file) and asks nothing of the
project's settings: it lives in `LogtoMiddleware`, which runs inside `SessionMiddleware`.
"""

import asyncio
import logging
from importlib import import_module
from typing import Any, Optional

from ..web.tokens import applyTokens, holdsTokens, newerTokens

logger = logging.getLogger("logto.django")

TOKENS_CHANGED = "_logto_tokens_changed"
"""The attribute set on `request.session` when the refresh token changed during the request."""


def inEventLoop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def markTokensChanged(session: Any) -> None:
    """Called when the refresh token was written or removed: saved at once in sync code (an
    async view's session is saved by `LogtoMiddleware` when Django would not save it)."""
    from django.contrib.sessions.backends.base import UpdateError

    setattr(session, TOKENS_CHANGED, True)
    # Not when another request ended the session meanwhile (a sign-out): saving would bring it
    # back; the response path drops the tokens of such a copy.
    if session.session_key is not None and not inEventLoop() and session.exists(session.session_key):
        try:
            session.save()
        except UpdateError:
            logger.info("logto: the session ended while its refresh token was rotated")


def _storedCopy(session: Any) -> Optional[Any]:
    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)


def _needsCheck(session: Any) -> bool:
    return bool(session.session_key) and session.modified and holdsTokens(session)


def settleSession(request: Any, response: Any) -> None:
    """Before `SessionMiddleware` answers: saves a 5xx answer's session whose refresh token
    changed, and keeps the stored tokens of a changed session when they are newer."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if response.status_code >= 500:
        if getattr(session, TOKENS_CHANGED, False) and session.session_key and session.exists(session.session_key):
            session.save()
        return
    if _needsCheck(session):
        stored = _storedCopy(session)
        _keepNewer(session, stored.load() if stored is not None else None)


async def settleSessionAsync(request: Any, response: Any) -> None:
    """`settleSession` for the async middleware path."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if response.status_code >= 500:
        if getattr(session, TOKENS_CHANGED, False) and session.session_key and await session.aexists(session.session_key):
            await session.asave()
        return
    if _needsCheck(session):
        stored = _storedCopy(session)
        _keepNewer(session, await stored.aload() if stored is not None else None)


def _keepNewer(session: Any, stored: Optional[Any]) -> None:
    tokens = newerTokens(session, stored)
    if tokens is not None:
        logger.debug("logto: keeping the newer refresh token of the stored session over a stale copy")
        applyTokens(session, tokens)


__all__ = ["markTokensChanged", "settleSession", "settleSessionAsync", "TOKENS_CHANGED"]
