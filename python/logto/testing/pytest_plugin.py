"""The pytest plugin of `logto.testing`, registered as an entry point: installing the package is
enough. Its fixtures:

- `mock_logto`: a fresh `MockLogto` for the test (its default app and user included);
- `logto_user`: adds a user and makes them the one who signs in: `logto_user("u_1", email=...)`;
- `logto_sign_in`: signs a user in through the app's routes: `logto_sign_in(client)`.
"""

from typing import Any, Callable, Iterator, Optional

import pytest

from . import MockLogto

__all__ = ["mock_logto", "logto_user", "logto_sign_in"]


@pytest.fixture
def mock_logto() -> Iterator[MockLogto]:
    """A Logto-compatible server for this test."""
    with MockLogto() as server:
        yield server


@pytest.fixture
def logto_user(mock_logto: MockLogto) -> Callable[..., str]:
    """`logto_user(sub, **claims)`: adds a user (see `MockLogto.add_user`), makes them the one
    who signs in, and returns their `sub`."""

    def make(sub: str, **claims: Any) -> str:
        mock_logto.add_user(sub, **claims)
        mock_logto.sign_in_as(sub)
        return sub

    return make


@pytest.fixture
def logto_sign_in(mock_logto: MockLogto) -> Callable[..., Any]:
    """`logto_sign_in(client, sub=None, path="/sign-in")`: signs a user in through the app's own
    routes with its framework's test client (see `MockLogto.sign_in`)."""

    def sign_in(client: Any, sub: Optional[str] = None, path: str = "/sign-in") -> Any:
        return mock_logto.sign_in(client, sub=sub, path=path)

    return sign_in
