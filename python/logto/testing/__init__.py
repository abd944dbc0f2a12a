"""A Logto inside your test suite: `MockLogto`, an identity server that speaks Logto's dialect
of OpenID Connect on a loopback port, started in about a millisecond (no Node, no network).

    from logto.testing import MockLogto

    with MockLogto() as logto:
        app = create_app(endpoint=logto.endpoint, appId=logto.app_id, appSecret=logto.app_secret)
        client = app.test_client()
        logto.sign_in(client)                      # through the app's own /sign-in and /callback
        assert client.get("/protected").status_code == 200

It comes with one traditional web app (`app_id`, `app_secret`, any redirect URI accepted) and
one user (`user_sub`, signed in by default). Installing the package also installs a pytest plugin
with the fixtures `mock_logto`, `logto_user` and `logto_sign_in` (see `logto.testing.pytest_plugin`).
"""

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from .._core import CoreMockLogto

__all__ = ["MockLogto", "TokenRequest", "MANAGEMENT_API_RESOURCE"]


@dataclass(frozen=True)
class TokenRequest:
    """One request the server's token endpoint received."""

    grant_type: str
    """`authorization_code`, `refresh_token` or `client_credentials`."""
    outcome: str
    """`ok`, or the OAuth error it was answered (`invalid_grant`, ...)."""
    refresh_token_sha256: Optional[str]
    """The SHA-256 (hex) of the refresh token it presented."""
    rotated: bool
    """Whether it was answered a refresh token other than the one presented."""


MANAGEMENT_API_RESOURCE = "https://default.logto.app/api"
"""The Management API's resource on an open-source Logto: an M2M app with its `all` scope
(`add_m2m_app(..., api_scopes={MANAGEMENT_API_RESOURCE: ["all"]})`) may call the part of the
Management API the kit serves (an organization's members and their organization roles)."""


class MockLogto:
    """A Logto-compatible test server. Use it as a context manager, or call `close()`.

    Lifetimes are in seconds; `refresh_token_reuse_interval` is how long a rotated refresh token
    still works (Logto: 3 s) before presenting it revokes the whole grant.
    """

    app_id = "test-app"
    app_secret = "test-app-secret"
    user_sub = "u_test"

    def __init__(
        self,
        *,
        defaults: bool = True,
        access_token_ttl: float = 3600,
        id_token_ttl: float = 3600,
        refresh_token_ttl: float = 14 * 24 * 3600,
        refresh_token_reuse_interval: float = 3,
    ) -> None:
        self._core = CoreMockLogto.start(access_token_ttl, id_token_ttl, refresh_token_ttl, refresh_token_reuse_interval)
        if defaults:
            self.add_app(self.app_id, self.app_secret)
            self.add_user(self.user_sub, username="test-user", name="Test User", email="test-user@example.com")

    # -- the server ------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The Logto endpoint to configure the app with (`http://127.0.0.1:<port>`)."""
        return self._core.endpoint

    @property
    def issuer(self) -> str:
        """`<endpoint>/oidc`."""
        return self.endpoint + "/oidc"

    def close(self) -> None:
        """Stops the server."""
        self._core.stop()

    def __enter__(self) -> "MockLogto":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MockLogto(endpoint={self.endpoint!r})"

    # -- what it knows ---------------------------------------------------------------------

    def add_app(
        self,
        app_id: str,
        app_secret: Optional[str] = None,
        *,
        kind: str = "traditional",
        redirect_uris: Sequence[str] = (),
        post_logout_redirect_uris: Sequence[str] = (),
        backchannel_logout_uri: Optional[str] = None,
        api_scopes: Optional[Mapping[str, Sequence[str]]] = None,
        organizations: Optional[Mapping[str, Sequence[str]]] = None,
        token_exchange: bool = False,
    ) -> "MockLogto":
        """Registers an app. `kind`: `traditional` (confidential), `spa` (public: no secret,
        rotating refresh tokens), `native` (public, a command-line tool: the device flow, and
        loopback redirect URIs on any port) or `machine_to_machine` (with the `api_scopes` and the
        `organizations` scopes its roles grant). Without `redirect_uris`, any redirect URI is
        accepted (a test client's origin varies); with them, they are compared exactly, as Logto
        does. `token_exchange`: the app may exchange subject tokens (`mint_subject_token`)."""
        self._core.add_app(
            kind,
            app_id,
            app_secret,
            list(redirect_uris),
            list(post_logout_redirect_uris),
            backchannel_logout_uri,
            not redirect_uris,
            json.dumps({k: list(v) for k, v in (api_scopes or {}).items()}),
            json.dumps({k: list(v) for k, v in (organizations or {}).items()}),
            token_exchange,
        )
        return self

    def add_m2m_app(
        self,
        app_id: str = "test-m2m",
        app_secret: str = "test-m2m-secret",
        *,
        api_scopes: Optional[Mapping[str, Sequence[str]]] = None,
        organizations: Optional[Mapping[str, Sequence[str]]] = None,
    ) -> Tuple[str, str]:
        """Registers a machine-to-machine app; returns its `(app_id, app_secret)`."""
        self.add_app(app_id, app_secret, kind="machine_to_machine", api_scopes=api_scopes, organizations=organizations)
        return app_id, app_secret

    def add_user(
        self,
        sub: str,
        *,
        username: Optional[str] = None,
        name: Optional[str] = None,
        email: Optional[str] = None,
        phone: Optional[str] = None,
        picture: Optional[str] = None,
        custom_data: Optional[Mapping[str, Any]] = None,
        roles: Iterable[str] = (),
        api_scopes: Optional[Mapping[str, Sequence[str]]] = None,
        organizations: Optional[Mapping[str, Tuple[Sequence[str], Sequence[str]]]] = None,
        **claims: Any,
    ) -> "MockLogto":
        """Adds a user with Logto's claims. `api_scopes`: the scopes of each API resource the
        user's roles grant; `organizations`: `{id: (roles, scopes)}`; `claims`: any other claim."""
        values: Dict[str, Any] = dict(claims)
        for key, value in (("username", username), ("name", name), ("picture", picture)):
            if value is not None:
                values[key] = value
        if email is not None:
            values.update(email=email, email_verified=True)
        if phone is not None:
            values.update(phone_number=phone, phone_number_verified=True)
        self._core.add_user(
            sub,
            json.dumps(values),
            json.dumps(dict(custom_data or {})),
            list(roles),
            json.dumps({k: list(v) for k, v in (api_scopes or {}).items()}),
            json.dumps({k: [list(r), list(s)] for k, (r, s) in (organizations or {}).items()}),
        )
        return self

    def sign_in_as(self, sub: str) -> "MockLogto":
        """Who the next sign-ins sign in."""
        self._core.sign_in_as(sub)
        return self

    # -- signing in ------------------------------------------------------------------------

    def set_login_page(self, on: bool = True) -> "MockLogto":
        """Serves a login page at the authorization endpoint (a button per user, and Cancel,
        which answers `access_denied`) instead of signing the chosen user in at once: for tests in
        a real browser (Playwright, Selenium)."""
        self._core.set_login_page(on)
        return self

    def callback_for(self, sign_in_url: str) -> str:
        """The URL the browser lands on after `sign_in_url`: the app's callback with `code`,
        `state` and `iss` (or with `error`)."""
        return self._core.callback_for(sign_in_url)

    def sign_in(self, client: Any, *, sub: Optional[str] = None, path: str = "/sign-in") -> Any:
        """Signs a user in through the app's own routes with a framework's test client (Flask's
        `test_client()`, Django's `Client`, Starlette's or FastAPI's `TestClient`), so the
        app's real session code runs; returns the callback's response. The client keeps the
        session cookie."""
        if sub is not None:
            self.sign_in_as(sub)
        start = _get(client, path)
        location = _location(start)
        if location is None or not location.startswith(self.issuer + "/auth"):
            raise AssertionError(
                f"GET {path} answered {start.status_code} without a redirect to {self.issuer}/auth: "
                "is the app configured with this server's endpoint?"
            )
        callback = urlsplit(self.callback_for(location))
        answer = _get(client, callback.path + ("?" + callback.query if callback.query else ""))
        if answer.status_code >= 400:
            raise AssertionError(f"the app's callback answered {answer.status_code}")
        return answer

    # -- tokens ----------------------------------------------------------------------------

    def mint_access_token(self, audience: str, scopes: Iterable[str] = (), sub: Optional[str] = None) -> str:
        """A signed access token for `audience` (an API resource, or
        `urn:logto:organization:<id>`) with `scopes`, about `sub` (default: the default user):
        what a route protected by `requireAccessToken` accepts."""
        return self._core.mint_access_token(audience, list(scopes), sub or self.user_sub)

    def mint_subject_token(self, sub: Optional[str] = None) -> str:
        """A subject token for token exchange (`sub_…`, 600 s), as Logto's
        `POST /api/subject-tokens` gives; exchange it as `urn:logto:token-type:impersonation_token`
        with an app added with `token_exchange=True`."""
        return self._core.mint_subject_token(sub or self.user_sub)

    def advance_clock(self, seconds: float) -> None:
        """Moves the server's clock on: codes, refresh tokens and the reuse grace expire sooner;
        tokens issued afterwards carry the later `iat` and `exp`."""
        self._core.advance_clock(seconds)

    def set_token_delay(self, seconds: float) -> None:
        """Makes the token endpoint wait this long before answering (0: no wait)."""
        self._core.set_token_delay(seconds)

    def rotate_signing_key(self) -> None:
        """A new key signs from now on; the old ones stay published."""
        self._core.rotate_signing_key()

    def retire_old_keys(self) -> None:
        """Only the current signing key stays published."""
        self._core.retire_old_keys()

    # -- faults and sessions ---------------------------------------------------------------

    def fail_next_token_requests(self, count: int = 1, status: int = 500, error: str = "server_error") -> None:
        """The next `count` token requests are answered `status` with the OAuth `error`."""
        self._core.fail_next_token_requests(count, status, error)

    def set_down(self, down: bool = True) -> None:
        """Every route answers 503 (or, with `False`, the server is back)."""
        self._core.set_down(down)

    def approve_device(self, user_code: str, sub: Optional[str] = None) -> bool:
        """Approves the device sign-in showing `user_code` for `sub` (default: the default user),
        as the user would on Logto's device page; whether one was waiting with that code."""
        return bool(self._core.approve_device(user_code, sub or self.user_sub))

    def deny_device(self, user_code: str) -> bool:
        """Denies the device sign-in showing `user_code` (its next poll: `access_denied`)."""
        return bool(self._core.deny_device(user_code))

    def pending_device_codes(self) -> List[str]:
        """The user codes of the device sign-ins waiting for the user."""
        return list(self._core.pending_device_codes())

    def is_refresh_token_active(self, refresh_token: str) -> bool:
        """Whether the server would still accept `refresh_token` (revoked by a sign-out, or not)."""
        return bool(self._core.is_refresh_token_active(refresh_token))

    def active_refresh_tokens(self, sub: str) -> int:
        """How many refresh tokens of the user `sub` the server would still accept (none once
        the user's only sign-in was signed out, even when the test cannot see the token)."""
        return int(self._core.active_refresh_tokens(sub))

    def revoke_grants(self, sub: Optional[str] = None) -> None:
        """Revokes the user's grants: their refresh tokens stop working."""
        self._core.revoke_grants(sub or self.user_sub)

    def end_sessions(self, sub: Optional[str] = None) -> int:
        """Ends the user's sessions: delivers a back-channel logout token (Logto's shape) to every
        app they signed in to that has a `backchannel_logout_uri`; returns how many accepted it.
        As in Logto, refresh tokens keep working (an app that ignores the logout token stays
        signed in); `revoke_grants` revokes them too."""
        return self._core.end_sessions(sub or self.user_sub)

    # -- assertions ------------------------------------------------------------------------

    def token_requests(self) -> List[TokenRequest]:
        """Every token request so far."""
        return [TokenRequest(*request) for request in self._core.token_requests()]

    def count_token_requests(self, grant_type: str, outcome: Optional[str] = None) -> int:
        """How many token requests had `grant_type` (and `outcome`, when given)."""
        return sum(1 for r in self.token_requests() if r.grant_type == grant_type and outcome in (None, r.outcome))

    def reset_token_requests(self) -> None:
        """Forgets the token requests counted so far."""
        self._core.reset_token_requests()


def _get(client: Any, path: str) -> Any:
    """A GET that does not follow redirects, with any of the frameworks' test clients."""
    if type(client).__module__.startswith("django."):
        return client.get(path)
    return client.get(path, follow_redirects=False)


def _location(response: Any) -> Optional[str]:
    if response.status_code not in (301, 302, 303, 307, 308):
        return None
    location: Optional[str] = response.headers.get("Location")
    return location
