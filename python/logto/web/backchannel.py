"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): reading the logout token of
every integration's `POST {backchannelLogoutPath}` route (the answer is the core's).

Logto posts a form with a `logout_token` when a user's session ends there (sign-out elsewhere,
an administrator ending it). The core verifies the token and records the ended session in the
coordination store (Redis with `redisUrl`: every instance of the app sees it); the session is
signed out on its next request. The answer is 200 with an empty JSON body, 400 for a refused
token (forged, stale, replayed, missing), or the status of a failure to check or record it
(503 when Logto's keys cannot be fetched or the coordination store is unreachable: the sender
may retry, and a retry is not taken for a replay); never cached.
"""

from typing import Optional
from urllib.parse import parse_qs

FORM_FIELD = "logout_token"
"""The form field of the logout token."""

MAX_BODY = 64 * 1024
"""The largest request body read for a logout token (a token is a few hundred bytes)."""


def logoutTokenOf(contentType: Optional[str], body: bytes) -> Optional[str]:
    """The `logout_token` of a form-encoded body (for frameworks that parse forms only with an
    extra package), or None."""
    if len(body) > MAX_BODY or (contentType or "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return None
    values = parse_qs(body.decode("latin-1"), max_num_fields=20).get(FORM_FIELD)
    return values[0] if values else None


__all__ = ["FORM_FIELD", "MAX_BODY", "logoutTokenOf"]
