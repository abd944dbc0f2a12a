"""
Logto's Management API and Account API, typed: every operation of Logto's OpenAPI document as a
method of its area, with pydantic models, lists as pages or as an async iterator of every item,
Logto's error codes (`LogtoApiError`), retries on 429 and 503, and the tokens handled by the
Rust core.

```python
from logto.management import ManagementClient, CreateOrganizationBody

logto = ManagementClient("https://tenant.logto.app", "m2m-app-id", "m2m-app-secret")
acme = await logto.organizations.create_organization(CreateOrganizationBody(name="Acme"))
page = await logto.users.list_users(page_size=20)
async for user in logto.users.list_users_all():
    print(user.id, user.primary_email)
```

`logto.management.sync` has the same clients with plain (blocking) methods.
"""

from __future__ import annotations

from typing import Any, Optional

from .._core import LogtoApiError
from ._api import Api, Page, TokenSource, anonymous_core, management_core
from ._areas import ACCOUNT_AREAS, AREAS, AccountAreas, Areas
from ._models import *  # noqa: F403
from ._models import SOURCE, Model


def management_resource(endpoint: str) -> str:
    """The Management API's resource indicator for the tenant at `endpoint`: Logto Cloud's
    `https://<tenant>.logto.app/api` for a `<tenant>.logto.app` endpoint, else the open-source
    Logto's `https://default.logto.app/api` (a Cloud tenant behind a custom domain passes
    `resource=` to the client)."""
    host = endpoint.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    tenant = host[: -len(".logto.app")] if host.endswith(".logto.app") else ""
    if tenant and "." not in tenant:
        return f"https://{tenant}.logto.app/api"
    return "https://default.logto.app/api"


class ManagementClient(Areas):
    """Logto's Management API with a machine-to-machine app (a role with the Management API's
    `all` permission). Every area is an attribute (`users`, `organizations`, `roles`, ...); every
    operation a method of its area (`ListUsers` → `users.list_users`). The app secret never
    appears in `repr`."""

    def __init__(
        self, endpoint: str, appId: str, appSecret: str, *, resource: Optional[str] = None, apiEndpoint: Optional[str] = None
    ) -> None:
        self.endpoint = endpoint
        self.appId = appId
        self.resource = resource or management_resource(endpoint)
        self.api = Api(management_core(endpoint, appId, appSecret, self.resource, apiEndpoint))
        super().__init__(self.api)

    def __repr__(self) -> str:
        return f"ManagementClient(endpoint={self.endpoint!r}, appId={self.appId!r})"


class AccountClient(AccountAreas):
    """Logto's Account API for one signed-in user (`my_account`, `verifications`), with their
    access token: a string, a callable giving it, or `AccountClient.forClient(logtoClient)`.
    Sensitive changes need a verification record first: `withVerification(id)`."""

    def __init__(self, endpoint: str, accessToken: TokenSource, *, _api: Optional[Api] = None) -> None:
        self.endpoint = endpoint
        self._accessToken = accessToken
        self.api = _api or Api(anonymous_core(endpoint), accessToken)
        super().__init__(self.api)

    @classmethod
    def forClient(cls, client: Any) -> "AccountClient":
        """The account of the user signed in to `client` (a `logto.LogtoClient`): its access
        token without a resource, which is what the Account API takes."""
        return cls(client.config.endpoint, lambda: client.getAccessToken())

    def withVerification(self, verificationId: str) -> "AccountClient":
        """The same account, with every request carrying the verification record (Logto's
        `logto-verification-id` header) that changing an email, phone, password or MFA needs."""
        return AccountClient(self.endpoint, self._accessToken, _api=self.api.with_verification(verificationId))

    def __repr__(self) -> str:
        return f"AccountClient(endpoint={self.endpoint!r})"


__all__ = [
    "ManagementClient",
    "AccountClient",
    "LogtoApiError",
    "Page",
    "Model",
    "management_resource",
    "AREAS",
    "ACCOUNT_AREAS",
    "SOURCE",
]
