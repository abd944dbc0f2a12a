"""Errors as HTTP answers, decided in one place for every integration.

The status is the exception's own `http_status` (chosen by the core: 400 for a refused callback,
401 when the user must sign in, 403 for a denied sign-in, 502/504 when Logto failed, 500 for the
app's own failures). Client-caused failures keep their helpful text; server-side failures show a
generic page and keep the details in the log (they may name internal hosts).
"""

import html
import logging
import threading
import time
from dataclasses import dataclass

from ..LogtoException import LogtoException

logger = logging.getLogger("logto.web")

SIGNED_OUT_KINDS = frozenset({"not_authenticated", "sign_in_required"})

_TITLES = {
    400: "Sign-in could not be completed",
    401: "Please sign in again",
    403: "Access was denied",
    502: "The identity server is unavailable",
    504: "The identity server is unavailable",
}


def isSignedOut(error: BaseException) -> bool:
    """Whether `error` means "nobody is signed in (any more)": answer as for a signed-out
    visitor (redirect to sign-in, or 401), never as a failure."""
    return isinstance(error, LogtoException) and getattr(error, "kind", None) in SIGNED_OUT_KINDS


def statusOf(error: BaseException) -> int:
    status = getattr(error, "http_status", 500)
    return status if isinstance(status, int) and 400 <= status <= 599 else 500


@dataclass
class ErrorPage:
    """A failure as an answer: `status`, a `title`, a `message` safe to show, and the `html` page."""

    status: int
    title: str
    message: str

    @property
    def html(self) -> str:
        return (
            '<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            '<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">'
            '<h1>{title}</h1><p id="auth-error">{message}</p>'
            '<p><a href="/">Back to the app</a></p></body></html>'
        ).format(title=html.escape(self.title), message=html.escape(self.message))


def errorPage(error: BaseException) -> ErrorPage:
    """The answer to a failure of the sign-in flow; logs it (client errors rate-limited)."""
    status = statusOf(error)
    title = _TITLES.get(status, "Something went wrong")
    if status >= 500:
        logger.error("logto: authentication failed (%s): %s", status, error)
        return ErrorPage(status, title, "Please try again in a moment. The details are in the application's log.")
    _logClientError(error, status)
    return ErrorPage(status, title, str(error))


_BURST, _WINDOW = 20, 10.0
_window = {"started": 0.0, "logged": 0, "suppressed": 0}
_windowLock = threading.Lock()


def _logClientError(error: BaseException, status: int) -> None:
    # Anyone can send forged callbacks: log a burst, then count, so the log cannot be flooded.
    now = time.monotonic()
    with _windowLock:
        if now - _window["started"] >= _WINDOW:
            if _window["suppressed"]:
                logger.info("logto: %d similar authentication failures were not logged", _window["suppressed"])
            _window.update(started=now, logged=0, suppressed=0)
        if _window["logged"] >= _BURST:
            _window["suppressed"] += 1
            return
        _window["logged"] += 1
    logger.info("logto: authentication refused (%s): %s", status, error)


__all__ = ["ErrorPage", "errorPage", "isSignedOut", "statusOf", "SIGNED_OUT_KINDS"]
