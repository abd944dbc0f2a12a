"""
`logto.management.sync`: the Management API and Account API clients with plain (blocking)
methods, for Django's sync views, scripts and Celery tasks. The same areas, methods and models as
`logto.management`, without `await`; `*_all` methods return plain iterators.

```python
from logto.management.sync import ManagementClient

logto = ManagementClient("https://tenant.logto.app", "m2m-app-id", "m2m-app-secret")
for user in logto.users.list_users_all():
    print(user.id)
```
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

from .._core import LogtoApiError
from . import management_resource
from ._api import Page, SyncApi, anonymous_core, management_core
from ._areas import SyncAccountAreas, SyncAreas


class ManagementClient(SyncAreas):
    """`logto.management.ManagementClient` with plain methods."""

    def __init__(
        self, endpoint: str, appId: str, appSecret: str, *, resource: Optional[str] = None, apiEndpoint: Optional[str] = None
    ) -> None:
        self.endpoint = endpoint
        self.appId = appId
        self.resource = resource or management_resource(endpoint)
        self.api = SyncApi(management_core(endpoint, appId, appSecret, self.resource, apiEndpoint))
        super().__init__(self.api)

    def __repr__(self) -> str:
        return f"ManagementClient(endpoint={self.endpoint!r}, appId={self.appId!r})"


class AccountClient(SyncAccountAreas):
    """`logto.management.AccountClient` with plain methods; its token source returns a string."""

    def __init__(self, endpoint: str, accessToken: Union[str, Callable[[], str]], *, _api: Optional[SyncApi] = None) -> None:
        self.endpoint = endpoint
        self._accessToken = accessToken
        self.api = _api or SyncApi(anonymous_core(endpoint), accessToken)
        super().__init__(self.api)

    @classmethod
    def forClient(cls, client: Any) -> "AccountClient":
        """The account of the user signed in to `client` (a `logto.sync.LogtoClient`)."""
        return cls(client.config.endpoint, lambda: client.getAccessToken())

    def withVerification(self, verificationId: str) -> "AccountClient":
        """The same account with Logto's `logto-verification-id` header on every request."""
        return AccountClient(self.endpoint, self._accessToken, _api=self.api.with_verification(verificationId))

    def __repr__(self) -> str:
        return f"AccountClient(endpoint={self.endpoint!r})"


__all__ = ["ManagementClient", "AccountClient", "LogtoApiError", "Page"]
