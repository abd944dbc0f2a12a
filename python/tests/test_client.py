"""Every LogtoClient method of the API reference, against the test identity server."""

import asyncio
import hashlib
import json
import threading
from typing import Dict, Optional
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from conftest import API_RESOURCE, DEMO_SUB, config_for
from logto import (
    AccessTokenClaims,
    IdTokenClaims,
    LogtoClient,
    LogtoException,
    MemoryStorage,
    ReservedResource,
    Storage,
    UserInfoResponse,
    UserInfoScope,
)
from logto.LogtoClient import AccessTokenMap, SignInSession
from logto.LogtoException import (
    LogtoCallbackError,
    LogtoConfigError,
    LogtoNotAuthenticated,
    LogtoOrganizationError,
    LogtoOrganizationsScopeMissing,
    LogtoRedirectUriMismatch,
    LogtoReservedParameter,
    LogtoServerError,
    LogtoSignInSessionMissing,
    LogtoStateMismatch,
    LogtoStorageError,
)


def query(url: str) -> Dict[str, list]:
    return parse_qs(urlparse(url).query)


async def sign_in(idp, client: LogtoClient, redirect_uri: str) -> None:
    callback = idp.login(await client.signIn(redirect_uri))
    await client.handleSignInCallback(callback)


def signed_in(idp, redirect_uri, **config) -> LogtoClient:
    client = LogtoClient(config_for(idp, **config))
    asyncio.run(sign_in(idp, client, redirect_uri))
    return client


ALL_SCOPES = [
    UserInfoScope.email,
    "phone",
    UserInfoScope.customData,
    UserInfoScope.identities,
    UserInfoScope.roles,
    "urn:logto:scope:organizations",
    UserInfoScope.organization_roles,
    "read:data",
    "write:data",
    "read:org",
    "write:org",
]


@pytest.fixture
def client(idp, redirect_uri) -> LogtoClient:
    return signed_in(idp, redirect_uri, scopes=ALL_SCOPES, resources=[API_RESOURCE])


def test_sign_in_url_and_session(idp, redirect_uri):
    storage = MemoryStorage()
    client = LogtoClient(
        config_for(idp, scopes=[UserInfoScope.email, "urn:logto:scope:organizations"], resources=[API_RESOURCE]),
        storage=storage,
    )
    url = asyncio.run(
        client.signIn(
            redirectUri=redirect_uri,
            interactionMode="signUp",
            identifiers=["email", "username"],
            directSignIn={"method": "social", "target": "github"},
            extraParams={"ui_locales": "fr", "login_hint": "demo"},
        )
    )
    assert url.startswith(f"{idp.issuer}/auth?")
    params = query(url)
    assert params["client_id"] == ["confidential-app"]
    assert params["redirect_uri"] == [redirect_uri]
    assert params["scope"] == ["openid offline_access profile email urn:logto:scope:organizations"]
    assert params["resource"] == [API_RESOURCE, ReservedResource.organizations.value]
    assert params["prompt"] == ["consent"]
    assert params["interaction_mode"] == ["signUp"]
    assert params["identifier"] == ["email username"]
    assert params["direct_sign_in"] == ["social:github"]
    assert params["ui_locales"] == ["fr"] and params["login_hint"] == ["demo"]
    assert params["code_challenge_method"] == ["S256"]
    session = SignInSession.model_validate_json(storage.get("signInSession"))
    assert session.redirectUri == redirect_uri and session.state == params["state"][0]
    assert not client.isAuthenticated()

    url = asyncio.run(client.signIn(redirect_uri, firstScreen="identifier:register", directSignIn="sso:abc"))
    assert query(url)["first_screen"] == ["identifier:register"]
    assert query(url)["direct_sign_in"] == ["sso:abc"]
    assert "interaction_mode" not in query(url)


def test_sign_in_rejects_bad_arguments(idp, redirect_uri):
    client = LogtoClient(config_for(idp))
    with pytest.raises(LogtoReservedParameter, match="state"):
        asyncio.run(client.signIn(redirect_uri, extraParams={"state": "mine"}))
    # Parameters whose answer the SDK would have to check, or that move or replace the request.
    for name in ["nonce", "max_age", "acr_values", "claims", "response_mode", "request", "request_uri"]:
        with pytest.raises(LogtoReservedParameter, match=name):
            asyncio.run(client.signIn(redirect_uri, extraParams={name: "1"}))
    with pytest.raises(LogtoConfigError, match="interactionMode"):
        asyncio.run(client.signIn(redirect_uri, interactionMode="nope"))
    with pytest.raises(LogtoConfigError, match="firstScreen"):
        asyncio.run(client.signIn(redirect_uri, firstScreen="nope"))
    with pytest.raises(LogtoConfigError):
        LogtoClient(config_for(idp).model_copy(update={"endpoint": "not a url"}))


def test_prompt_login(idp, redirect_uri):
    client = LogtoClient(config_for(idp, prompt="login"))
    assert query(asyncio.run(client.signIn(redirect_uri)))["prompt"] == ["login"]


def test_signed_in_state(idp, client: LogtoClient):
    assert client.isAuthenticated() is True
    id_token = client.getIdToken()
    assert id_token and id_token.count(".") == 2
    assert client.getRefreshToken()

    claims = client.getIdTokenClaims()
    assert isinstance(claims, IdTokenClaims)
    assert claims.sub == DEMO_SUB and claims.iss == idp.issuer and claims.aud == "confidential-app"
    assert claims.email == "demo@example.com" and claims.organizations == ["org-acme", "org-globex"]
    assert claims.organization_roles == ["org-acme:admin", "org-globex:member"]
    # Claims the model does not name are kept as extras.
    assert claims.__pydantic_extra__["roles"] == ["admin"]
    # The guide's form: awaiting the claims gives the same claims.
    awaited = asyncio.run(_await(client.getIdTokenClaims()))
    assert awaited == claims and json.loads(awaited.model_dump_json())["sub"] == DEMO_SUB


async def _await(awaitable):
    return await awaitable


def test_unset_claims_are_left_out(idp, redirect_uri):
    client = signed_in(idp, redirect_uri)  # default scopes: no email, no phone
    dumped = json.loads(client.getIdTokenClaims().model_dump_json(exclude_unset=True))
    assert dumped["sub"] == DEMO_SUB and dumped["name"] == "Demo User"
    assert "email" not in dumped and "phone_number" not in dumped and "organizations" not in dumped
    info = json.loads(asyncio.run(client.fetchUserInfo()).model_dump_json(exclude_unset=True))
    assert info["sub"] == DEMO_SUB and "email" not in info and "custom_data" not in info


def test_fetch_user_info(client: LogtoClient):
    info = asyncio.run(client.fetchUserInfo())
    assert isinstance(info, UserInfoResponse)
    assert info.sub == DEMO_SUB and info.phone_number == "+15555550100"
    assert info.custom_data == {"plan": "pro", "preferences": {"theme": "dark"}}
    assert info.identities["github"].userId == "gh-123"
    assert info.organizations == ["org-acme", "org-globex"]
    assert "organization_data" in info.__pydantic_extra__


def test_access_tokens(client: LogtoClient):
    async def scenario():
        opaque = await client.getAccessToken()
        assert opaque and opaque == await client.getAccessToken("")
        api = await client.getAccessToken(API_RESOURCE)
        assert api and api.count(".") == 2
        assert await client.getAccessToken(API_RESOURCE) == api  # cached
        claims = await client.getAccessTokenClaims(API_RESOURCE)
        assert isinstance(claims, AccessTokenClaims)
        assert claims.aud == API_RESOURCE and claims.sub == DEMO_SUB
        assert set(claims.scope.split()) >= {"read:data", "write:data"}
        assert claims.client_id == "confidential-app"
        return api

    asyncio.run(scenario())
    stored = AccessTokenMap.model_validate_json(client._storage.get("accessTokenMap"))
    assert set(stored.x) == {"", API_RESOURCE}


def test_concurrent_refreshes_share_one_storage(client: LogtoClient):
    async def scenario():
        return await asyncio.gather(*(client.getAccessToken(API_RESOURCE) for _ in range(5)))

    tokens = asyncio.run(scenario())
    assert all(tokens) and client.getRefreshToken()


def test_organization_tokens(client: LogtoClient):
    async def scenario():
        token = await client.getOrganizationToken("org-acme")
        assert token and token.count(".") == 2
        claims = await client.getOrganizationTokenClaims("org-acme")
        assert claims.aud == "urn:logto:organization:org-acme"
        # As in Logto: an organization token names its organization in `aud` alone.
        assert "organization_id" not in (claims.__pydantic_extra__ or {})
        assert set(claims.scope.split()) == {"read:org", "write:org"}
        globex = await client.getOrganizationTokenClaims("org-globex")
        assert globex.scope == "read:org"
        with pytest.raises(LogtoOrganizationError) as denied:
            await client.getOrganizationToken("org-initech")
        assert denied.value.reason == "not_member" and denied.value.organization_id == "org-initech"
        assert denied.value.oauth_error == "access_denied" and denied.value.http_status == 403
        assert isinstance(denied.value, LogtoException)

    asyncio.run(scenario())


def test_organization_token_needs_the_scope(idp, redirect_uri):
    client = signed_in(idp, redirect_uri)
    with pytest.raises(LogtoOrganizationsScopeMissing):
        asyncio.run(client.getOrganizationToken("org-acme"))


def test_not_signed_in(idp):
    client = LogtoClient(config_for(idp, scopes=[UserInfoScope.organizations]))
    assert client.isAuthenticated() is False
    assert client.getIdToken() is None and client.getRefreshToken() is None
    with pytest.raises(LogtoNotAuthenticated):
        client.getIdTokenClaims()
    assert asyncio.run(client.getAccessToken()) is None
    assert asyncio.run(client.getAccessToken(API_RESOURCE)) is None
    assert asyncio.run(client.getOrganizationToken("org-acme")) is None
    for call in (client.getAccessTokenClaims(), client.getOrganizationTokenClaims("org-acme"), client.fetchUserInfo()):
        with pytest.raises(LogtoNotAuthenticated):
            asyncio.run(call)


def test_public_client(idp, redirect_uri):
    client = signed_in(idp, redirect_uri, appSecret=None, resources=[API_RESOURCE])
    assert client.getIdTokenClaims().aud == "public-app"
    assert asyncio.run(client.getAccessTokenClaims(API_RESOURCE)).client_id == "public-app"


def test_sign_out(idp, client: LogtoClient):
    refresh_token = client.getRefreshToken()
    id_token = client.getIdToken()
    post_logout = "http://127.0.0.1:5999/"
    url = asyncio.run(client.signOut(postLogoutRedirectUri=post_logout))
    params = query(url)
    assert url.startswith(f"{idp.issuer}/session/end?")
    assert params["client_id"] == ["confidential-app"] and params["post_logout_redirect_uri"] == [post_logout]
    # RP-Initiated Logout §2: the ID token as a hint; the server below accepts it.
    assert params["id_token_hint"] == [id_token]
    assert client.isAuthenticated() is False
    assert client.getRefreshToken() is None and client._storage.get("accessTokenMap") is None
    assert idp.logout(url) == post_logout

    async def refresh_with_the_revoked_token():
        core = await client.getOidcCore()
        await core.fetchTokenByRefreshToken("confidential-app", "confidential-secret", refresh_token)

    with pytest.raises(LogtoServerError, match="invalid_grant"):
        asyncio.run(refresh_with_the_revoked_token())
    signed_out = query(asyncio.run(client.signOut()))
    assert "post_logout_redirect_uri" not in signed_out and "id_token_hint" not in signed_out


# -- callback errors ---------------------------------------------------------------------------


def started(idp, redirect_uri):
    storage = MemoryStorage()
    client = LogtoClient(config_for(idp), storage=storage)
    url = asyncio.run(client.signIn(redirect_uri))
    return client, storage, query(url)["state"][0]


def test_forged_state(idp, redirect_uri):
    client, storage, state = started(idp, redirect_uri)
    with pytest.raises(LogtoStateMismatch, match="state"):
        asyncio.run(client.handleSignInCallback(f"{redirect_uri}?code=abc&state=forged&iss={idp.issuer}"))
    assert storage.get("signInSession") is not None  # the genuine callback can still arrive
    assert client.isAuthenticated() is False


def test_access_denied(idp, redirect_uri):
    client, storage, state = started(idp, redirect_uri)
    callback = f"{redirect_uri}?" + urlencode(
        {"error": "access_denied", "error_description": "the user said no", "state": state, "iss": idp.issuer}
    )
    with pytest.raises(LogtoCallbackError) as error:
        asyncio.run(client.handleSignInCallback(callback))
    assert error.value.error == "access_denied" and error.value.error_description == "the user said no"
    assert "access_denied" in str(error.value)
    # The attempt is over: the core ended the sign-in session and the wrapper applied that.
    assert storage.get("signInSession") is None


def test_wrong_redirect_uri(idp, redirect_uri):
    client, _, state = started(idp, redirect_uri)
    with pytest.raises(LogtoRedirectUriMismatch, match="`/other/callback`.*`/callback`") as refused:
        asyncio.run(client.handleSignInCallback(f"http://127.0.0.1:1/other/callback?code=a&state={state}"))
    assert refused.value.kind == "callback" and refused.value.http_status == 400


@pytest.mark.parametrize("seen_as", ["http://app:8000/callback", "http://localhost/callback", "/callback"])
def test_callback_seen_at_another_origin_completes(idp, redirect_uri, seen_as):
    """Behind a reverse proxy or under a test client the app sees another origin: the path and
    `state`, PKCE and `iss` are what count, as with the official SDK."""
    client = LogtoClient(config_for(idp))
    callback = idp.login(asyncio.run(client.signIn(redirect_uri))).replace(redirect_uri, seen_as)
    asyncio.run(client.handleSignInCallback(callback))
    assert client.isAuthenticated()


def test_strict_callback_origin(idp, redirect_uri):
    client = LogtoClient(config_for(idp, strictCallbackOrigin=True))
    callback = idp.login(asyncio.run(client.signIn(redirect_uri)))
    with pytest.raises(LogtoRedirectUriMismatch, match="origin"):
        asyncio.run(client.handleSignInCallback(callback.replace(redirect_uri, "http://app:8000/callback")))
    asyncio.run(client.handleSignInCallback(callback))
    assert client.isAuthenticated()


def test_no_session_and_replay(idp, redirect_uri):
    client = LogtoClient(config_for(idp))
    with pytest.raises(LogtoSignInSessionMissing):
        asyncio.run(client.handleSignInCallback(f"{redirect_uri}?code=a&state=b"))
    callback = idp.login(asyncio.run(client.signIn(redirect_uri)))
    asyncio.run(client.handleSignInCallback(callback))
    with pytest.raises(LogtoSignInSessionMissing):
        asyncio.run(client.handleSignInCallback(callback))
    assert client.isAuthenticated()


def test_a_failed_code_exchange_ends_the_sign_in(idp, redirect_uri):
    """RFC 6749 §4.1.2: a code is sent once. The sign-in session is consumed before the token
    request, and the bridge writes that back on failure too: after the server refused the code,
    the same callback (or the genuine one) cannot send a code of this sign-in again."""
    storage = MemoryStorage()
    client = LogtoClient(config_for(idp), storage=storage)
    callback = idp.login(asyncio.run(client.signIn(redirect_uri)))
    code = query(callback)["code"][0]
    bogus = callback.replace(f"code={code}", "code=not-the-code")
    with pytest.raises(LogtoServerError, match="invalid_grant"):
        asyncio.run(client.handleSignInCallback(bogus))
    assert storage.get("signInSession") is None
    for again in (bogus, callback):
        with pytest.raises(LogtoSignInSessionMissing):
            asyncio.run(client.handleSignInCallback(again))
    assert not client.isAuthenticated()


# -- storage -----------------------------------------------------------------------------------


class GetSetStorage(Storage):
    """A storage like the reference's: only get and set; deletion is set(key, None)."""

    def __init__(self) -> None:
        self.values: Dict[str, Optional[str]] = {}
        self.threads = set()

    def get(self, key):
        self.threads.add(threading.get_ident())
        return self.values.get(key)

    def set(self, key, value):
        self.threads.add(threading.get_ident())
        self.values[key] = value


def test_storage_is_called_on_the_callers_thread_only(idp, redirect_uri):
    storage = GetSetStorage()
    client = LogtoClient(config_for(idp, resources=[API_RESOURCE]), storage=storage)

    async def scenario():
        await sign_in(idp, client, redirect_uri)
        await client.getAccessToken(API_RESOURCE)
        await client.fetchUserInfo()
        await client.signOut()

    asyncio.run(scenario())
    assert storage.threads == {threading.get_ident()}
    assert storage.values["idToken"] is None and storage.values["signInSession"] is None


def test_storage_failures_are_logto_exceptions(idp, redirect_uri):
    class Broken(GetSetStorage):
        def get(self, key):
            raise OSError("disk on fire")

    client = LogtoClient(config_for(idp), storage=Broken())
    with pytest.raises(LogtoStorageError, match="disk on fire"):
        asyncio.run(client.signIn(redirect_uri))
    with pytest.raises(LogtoException):
        client.isAuthenticated()


def test_default_storage_is_per_client_and_silent(idp, redirect_uri, capsys):
    first = signed_in(idp, redirect_uri)
    second = LogtoClient(config_for(idp))
    assert first.isAuthenticated() and not second.isAuthenticated()
    assert capsys.readouterr().out == ""


def test_rs256_server(redirect_uri):
    from conftest import TestIdp

    server = TestIdp(alg="RS256")
    try:
        client = signed_in(server, redirect_uri)
        assert client.getIdTokenClaims().sub == DEMO_SUB
    finally:
        server.stop()


def test_write_back_keeps_the_rotated_refresh_token_when_a_write_fails(idp, redirect_uri):
    """The core's change log is applied in its order, every write tried: a failing write of the
    access-token cache neither loses the rotated refresh token nor skips the ID token."""

    class FlakyStorage(MemoryStorage):
        def __init__(self) -> None:
            super().__init__()
            self.failing = False
            self.writes: list = []

        def set(self, key, value):
            self.writes.append(key)
            if self.failing and key == "accessTokenMap":
                raise RuntimeError("disk full")
            super().set(key, value)

    storage = FlakyStorage()
    config = config_for(idp, appSecret=None, resources=[API_RESOURCE], scopes=["read:data"])
    client = LogtoClient(config, storage=storage)
    asyncio.run(sign_in(idp, client, redirect_uri))
    before = storage.get("refreshToken")
    storage.failing, storage.writes = True, []
    with pytest.raises(LogtoStorageError, match="disk full"):
        asyncio.run(client.getAccessToken(API_RESOURCE))
    assert storage.writes == ["refreshToken", "idToken", "accessTokenMap"], storage.writes
    assert storage.get("refreshToken") not in (None, before), "the public client's rotated token is kept"
    storage.failing = False
    assert asyncio.run(client.getAccessToken(API_RESOURCE)), "the session still works"


class AsyncMemoryStorage(Storage):
    """An async storage whose writes yield to the event loop (where a cancellation can land)."""

    def __init__(self) -> None:
        self.values: Dict[str, str] = {}

    async def get(self, key):  # type: ignore[override]
        return self.values.get(key)

    async def set(self, key, value):  # type: ignore[override]
        await asyncio.sleep(0.01)
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value

    async def delete(self, key):  # type: ignore[override]
        await asyncio.sleep(0.01)
        self.values.pop(key, None)


@pytest.mark.parametrize("storage_kind", ["sync", "async"])
def test_a_cancelled_call_keeps_the_rotated_refresh_token(idp, redirect_uri, storage_kind):
    """A caller cancelled while its refresh is at the identity server (a client that hung up, a
    timeout) must not lose the refresh token the server has rotated: the previous one is consumed."""
    storage: Storage = MemoryStorage() if storage_kind == "sync" else AsyncMemoryStorage()
    config = config_for(idp, appSecret=None, resources=[API_RESOURCE], scopes=["read:data"])
    client = LogtoClient(config, storage=storage)

    async def read(key: str) -> Optional[str]:
        value = storage.get(key)
        return await value if asyncio.iscoroutine(value) else value  # type: ignore[misc]

    async def scenario() -> None:
        await sign_in(idp, client, redirect_uri)
        before = await read("refreshToken")
        idp.reset_token_requests()
        idp.set_token_delay(600)
        try:
            call = asyncio.ensure_future(client.getAccessToken(API_RESOURCE))
            while idp.token_requests()["total"] == 0:  # the rotation is made; its answer is held
                await asyncio.sleep(0.02)
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            assert await read("refreshToken") == before, "cancelled before the answer came"
            await asyncio.sleep(1.5)
        finally:
            idp.set_token_delay(0)
        after = await read("refreshToken")
        issued = idp.token_requests()["refresh_requests"][-1]["issued_refresh_token_sha256"]
        assert after is not None and after != before
        assert hashlib.sha256(after.encode()).hexdigest() == issued, "the token the server issued is kept"
        assert await client.getAccessToken(API_RESOURCE), "the session still works"

    asyncio.run(scenario())
