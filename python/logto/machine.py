"""
Machine to machine: `MachineClient` gets access tokens as the app itself (Logto's
client-credentials grant) for an API resource or an organization, cached until shortly before
they expire with one request in flight per target, and exchanges tokens (Logto's token exchange:
impersonation tokens, personal access tokens, access tokens, with an optional actor).

```python
from logto.machine import MachineClient

machine = MachineClient("https://tenant.logto.app", "m2m-app-id", "m2m-app-secret")
token = await machine.getToken(resource="https://api.example.com", scopes=["read:data"])
```

`logto.sync.MachineClient` has the same methods as plain calls (scripts, Celery tasks).
"""

from typing import Any, Optional, Sequence

from . import _core
from .models.response import TokenResponse

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
PERSONAL_ACCESS_TOKEN_TYPE = "urn:logto:token-type:personal_access_token"
IMPERSONATION_TOKEN_TYPE = "urn:logto:token-type:impersonation_token"


class _MachineBase:
    def __init__(self, endpoint: str, appId: str, appSecret: str) -> None:
        self.endpoint = endpoint
        self.appId = appId
        self._core = _core.CoreMachine(endpoint, appId, appSecret)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r}, appId={self.appId!r})"


class MachineClient(_MachineBase):
    """A machine-to-machine app (its app secret never appears in `repr`)."""

    async def getToken(
        self, resource: Optional[str] = None, organizationId: Optional[str] = None, scopes: Optional[Sequence[str]] = None
    ) -> str:
        """An access token for `resource` and/or `organizationId` (`LogtoOrganizationError` when
        the app is not a member of the organization)."""
        return await _settled(self._core.get_token(resource, organizationId, list(scopes) if scopes else None))  # type: ignore[no-any-return]

    async def exchangeToken(
        self,
        subjectToken: str,
        subjectTokenType: str = IMPERSONATION_TOKEN_TYPE,
        resource: Optional[str] = None,
        organizationId: Optional[str] = None,
        scopes: Optional[Sequence[str]] = None,
        actorToken: Optional[str] = None,
        actorTokenType: Optional[str] = None,
    ) -> TokenResponse:
        """Exchanges a subject token for an access token (`LogtoGrantNotAllowed` when the app does
        not have token exchange enabled)."""
        raw = await _settled(
            self._core.exchange_token(
                subjectToken, subjectTokenType, resource, organizationId, list(scopes) if scopes else None, actorToken, actorTokenType
            )
        )
        return TokenResponse.model_validate_json(raw)


async def _settled(pending: Any) -> Any:
    return pending if isinstance(pending, str) else await pending


__all__ = ["MachineClient", "ACCESS_TOKEN_TYPE", "PERSONAL_ACCESS_TOKEN_TYPE", "IMPERSONATION_TOKEN_TYPE"]
