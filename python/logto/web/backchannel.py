"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0) as an HTTP answer, for every
integration's `POST {backchannelLogoutPath}` route.

Logto posts a form with a `logout_token` when a user's session ends there (sign-out elsewhere,
an administrator ending it). The core verifies the token and records the ended session in the
coordination store (Redis with `redisUrl`: every instance of the app sees it); the session is
signed out on its next request. The answer is 200 with an empty JSON body, 400 for a refused
token (forged, stale, replayed, missing), or the status of a failure to check or record it
(503 when Logto's keys cannot be fetched or the coordination store is unreachable: the sender
may retry, and a retry is not taken for a replay); never cached.
"""

from dataclasses import dataclass, field
from typing import Dict, Optional
from urllib.parse import parse_qs

from ..LogtoException import LogtoException
from .errors import errorPage

FORM_FIELD = "logout_token"
"""The form field of the logout token."""

MAX_BODY = 64 * 1024
"""The largest request body read for a logout token (a token is a few hundred bytes)."""

NO_STORE = {"Cache-Control": "no-store"}


@dataclass
class BackchannelAnswer:
    """The answer to a back-channel logout request: `status`, a JSON `body`, `headers`."""

    status: int
    body: Dict[str, str] = field(default_factory=dict)
    headers: Dict[str, str] = field(default_factory=lambda: dict(NO_STORE))


ACCEPTED = BackchannelAnswer(200)
NOT_ENABLED = BackchannelAnswer(404, {"error": "not_found", "error_description": "back-channel logout is not enabled"})
MISSING = BackchannelAnswer(400, {"error": "invalid_request", "error_description": "the logout_token form field is missing"})


def refused(error: LogtoException) -> BackchannelAnswer:
    """A token the core refused (400, `LogtoInvalidLogoutToken`) or could not check; logged
    (refusals rate-limited: anyone can post forged tokens)."""
    page = errorPage(error)
    code = "invalid_request" if page.status == 400 else "server_error"
    return BackchannelAnswer(page.status, {"error": code, "error_description": page.message})


def logoutTokenOf(contentType: Optional[str], body: bytes) -> Optional[str]:
    """The `logout_token` of a form-encoded body (for frameworks that parse forms only with an
    extra package), or None."""
    if len(body) > MAX_BODY or (contentType or "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return None
    values = parse_qs(body.decode("latin-1"), max_num_fields=20).get(FORM_FIELD)
    return values[0] if values else None


__all__ = ["BackchannelAnswer", "FORM_FIELD", "MAX_BODY", "refused", "logoutTokenOf", "ACCEPTED", "NOT_ENABLED", "MISSING"]
