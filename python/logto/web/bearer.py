"""API protection for the framework integrations: one `AccessTokenVerifier` per audience and
scope set (shared by every request, so verified tokens and signing keys are cached once), and a
refused token as an answer (the status, the RFC 6750 `WWW-Authenticate` challenge, a JSON body)."""

import threading
from dataclasses import dataclass
from typing import Dict, Sequence, Tuple

from ..api import AccessTokenVerifier

_VERIFIERS: Dict[Tuple[str, str, Tuple[str, ...]], AccessTokenVerifier] = {}
_LOCK = threading.Lock()


def verifierFor(endpoint: str, audience: str, scopes: Sequence[str] = ()) -> AccessTokenVerifier:
    """The process's verifier of `audience` tokens carrying `scopes`."""
    key = (endpoint, audience, tuple(scopes))
    verifier = _VERIFIERS.get(key)
    if verifier is None:
        with _LOCK:
            verifier = _VERIFIERS.get(key)
            if verifier is None:
                verifier = _VERIFIERS[key] = AccessTokenVerifier(endpoint, audience, list(scopes))
    return verifier


@dataclass
class BearerRefusal:
    """A refused bearer token as an answer."""

    status: int
    body: Dict[str, str]
    headers: Dict[str, str]


def bearerRefusal(error: BaseException) -> BearerRefusal:
    """The answer to a `LogtoBearerError`: its status (400, 401, 403, 503), its RFC 6750 challenge
    and `{"error", "error_description"}` (no `error` when the request carried no token)."""
    status = getattr(error, "status", None) or getattr(error, "http_status", None) or 500
    body: Dict[str, str] = {}
    code = getattr(error, "error", None)
    if code:
        body["error"] = code
    body["error_description"] = getattr(error, "error_description", None) or str(error)
    challenge = getattr(error, "www_authenticate", None)
    return BearerRefusal(int(status), body, {"WWW-Authenticate": challenge} if challenge else {})


__all__ = ["verifierFor", "bearerRefusal", "BearerRefusal"]
