"""
Protecting an API with Logto access tokens: `AccessTokenVerifier` checks the bearer token of each
request with the Rust core (signature against the JWKS, cached and rotated; `iss`, `aud`, `exp`,
`iat`, `nbf`, the `at+jwt` type and the required scopes), remembering verified tokens until they
expire. A refused token raises `LogtoBearerError` with the status to answer (400 for a malformed
`Authorization` header, 401, 403, or 503 when the keys cannot be fetched) and the RFC 6750
`WWW-Authenticate` challenge.

```python
from logto.api import AccessTokenVerifier

verifier = AccessTokenVerifier("https://tenant.logto.app", "https://api.example.com", requiredScopes=["read:data"])
claims = verifier.verifyHeader(request.headers.get("Authorization"))   # or: await verifier.verifyHeaderAsync(...)
print(claims.sub, claims.scope)
```

The Flask, Django and FastAPI integrations wrap it in a decorator or a dependency.
"""

from typing import Optional, Sequence

from . import _core
from .models.oidc import AccessTokenClaims
from .utilities import buildOrganizationUrn


class AccessTokenVerifier:
    """Verifies the access tokens of one API (its resource indicator, or an organization's URN)."""

    def __init__(
        self, endpoint: str, audience: str, requiredScopes: Sequence[str] = (), cacheCapacity: Optional[int] = None
    ) -> None:
        """`cacheCapacity`: how many verified tokens to remember until their `exp` (default
        10 000; 0 verifies every signature)."""
        self.endpoint = endpoint
        self.audience = audience
        self.requiredScopes = list(requiredScopes)
        self._core = _core.CoreVerifier(endpoint, audience, self.requiredScopes, cacheCapacity)

    @classmethod
    def forOrganization(cls, endpoint: str, organizationId: str, requiredScopes: Sequence[str] = ()) -> "AccessTokenVerifier":
        """A verifier of one organization's tokens (`aud` = `urn:logto:organization:<id>`)."""
        return cls(endpoint, buildOrganizationUrn(organizationId), requiredScopes)

    def verify(self, token: Optional[str]) -> AccessTokenClaims:
        """The claims of a valid token, else `LogtoBearerError`. Waits (off the GIL) only for the
        first discovery and key fetch; afterwards it never blocks."""
        return AccessTokenClaims.model_validate_json(self._core.verify(token, blocking=True))

    def verifyHeader(self, authorization: Optional[str]) -> AccessTokenClaims:
        """`verify` for an `Authorization: Bearer <token>` header value (missing: 401 without
        error code, as RFC 6750 §3.1 asks)."""
        return AccessTokenClaims.model_validate_json(self._core.verify(authorization, from_header=True, blocking=True))

    async def verifyAsync(self, token: Optional[str]) -> AccessTokenClaims:
        """`verify` that never blocks the event loop."""
        pending = self._core.verify(token)
        return AccessTokenClaims.model_validate_json(pending if isinstance(pending, str) else await pending)

    async def verifyHeaderAsync(self, authorization: Optional[str]) -> AccessTokenClaims:
        """`verifyHeader` that never blocks the event loop."""
        pending = self._core.verify(authorization, from_header=True)
        return AccessTokenClaims.model_validate_json(pending if isinstance(pending, str) else await pending)

    def prepare(self) -> None:
        """Fetches the discovery document and the keys now (at start-up)."""
        self._core.prepare(blocking=True)

    async def prepareAsync(self) -> None:
        """`prepare` that never blocks the event loop."""
        pending = self._core.prepare()
        if pending is not None:
            await pending

    def __repr__(self) -> str:
        return f"AccessTokenVerifier(endpoint={self.endpoint!r}, audience={self.audience!r}, requiredScopes={self.requiredScopes!r})"


__all__ = ["AccessTokenVerifier"]
