"""The backend features from Python, against the test identity server: API protection
(`AccessTokenVerifier`), machine-to-machine tokens and token exchange (`MachineClient`, async and
sync), back-channel logout, and the request context."""

import asyncio
import base64
import http.server
import json
import threading
from urllib.parse import parse_qs

import pytest
import requests

from conftest import API_RESOURCE, CONFIDENTIAL_ID, CONFIDENTIAL_SECRET, DEMO_SUB, config_for
from logto import AccessTokenVerifier, LogtoClient, MachineClient, MemoryStorage
from logto import sync as logto_sync
from logto.LogtoException import LogtoBearerError, LogtoGrantNotAllowed, LogtoInvalidLogoutToken, LogtoOrganizationError
from logto.machine import IMPERSONATION_TOKEN_TYPE, PERSONAL_ACCESS_TOKEN_TYPE
from logto.OidcCore import OidcCore

M2M_ID, M2M_SECRET = "m2m-app", "m2m-secret"


def signed_in(idp, redirect_uri, **config) -> LogtoClient:
    client = LogtoClient(config_for(idp, **config), storage=MemoryStorage())
    asyncio.run(client.handleSignInCallback(idp.login(asyncio.run(client.signIn(redirect_uri)))))
    return client


def test_an_api_verifies_bearer_tokens(idp, redirect_uri):
    client = signed_in(idp, redirect_uri, scopes=["read:data"], resources=[API_RESOURCE])
    token = asyncio.run(client.getAccessToken(API_RESOURCE))
    verifier = AccessTokenVerifier(idp.endpoint, API_RESOURCE, requiredScopes=["read:data"])
    claims = verifier.verifyHeader(f"Bearer {token}")
    assert claims.sub == DEMO_SUB and "read:data" in (claims.scope or "")
    assert asyncio.run(verifier.verifyAsync(token)).sub == DEMO_SUB

    with pytest.raises(LogtoBearerError) as missing:
        verifier.verifyHeader(None)
    assert missing.value.status == 401 and missing.value.error is None and missing.value.www_authenticate == "Bearer"
    with pytest.raises(LogtoBearerError) as forged:
        verifier.verify(token[:-4] + "AAAA")
    assert forged.value.status == 401 and forged.value.error == "invalid_token"
    strict = AccessTokenVerifier(idp.endpoint, API_RESOURCE, requiredScopes=["read:data", "write:data"])
    with pytest.raises(LogtoBearerError) as scope:
        asyncio.run(strict.verifyHeaderAsync(f"Bearer {token}"))
    assert scope.value.status == 403 and scope.value.error == "insufficient_scope"
    # RFC 6750 §3: the scope the resource requires, all of it; and what the token lacked.
    assert scope.value.scope == "read:data write:data" and scope.value.missing_scopes == ["write:data"]
    assert 'scope="read:data write:data"' in scope.value.www_authenticate
    # RFC 6750 §3.1: a malformed request is 400 invalid_request (a header that frameworks joined
    # from two `Authorization` headers is malformed too).
    for header in ["Bearer a b", "Bearer", f"Bearer {token}, Bearer {token}"]:
        with pytest.raises(LogtoBearerError) as malformed:
            verifier.verifyHeader(header)
        assert malformed.value.status == 400 and malformed.value.error == "invalid_request", header
    other_api = AccessTokenVerifier(idp.endpoint, "https://other.example.com")
    with pytest.raises(LogtoBearerError, match="another audience"):
        other_api.verify(token)


def test_machine_tokens_and_token_exchange(idp, redirect_uri):
    machine = MachineClient(idp.endpoint, M2M_ID, M2M_SECRET)
    assert "m2m-secret" not in repr(machine)
    token = asyncio.run(machine.getToken(resource=API_RESOURCE, scopes=["read:data"]))
    claims = OidcCore.decodeAccessToken(token)
    assert claims.sub == M2M_ID and claims.aud == API_RESOURCE
    assert logto_sync.MachineClient(idp.endpoint, M2M_ID, M2M_SECRET).getToken(organizationId="org-acme")
    with pytest.raises(LogtoOrganizationError) as refused:
        asyncio.run(machine.getToken(organizationId="org-globex"))
    assert refused.value.reason == "app_not_in_organization" and "app is not associated" in str(refused.value)

    subject = requests.post(f"{idp.endpoint}/__test/subject-tokens", json={"userId": DEMO_SUB}, timeout=10).json()
    exchanger = MachineClient(idp.endpoint, CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)
    response = asyncio.run(exchanger.exchangeToken(subject["subjectToken"], IMPERSONATION_TOKEN_TYPE, resource=API_RESOURCE))
    assert OidcCore.decodeAccessToken(response.access_token).sub == DEMO_SUB
    pat = requests.post(f"{idp.endpoint}/__test/personal-access-tokens", json={}, timeout=10).json()["value"]
    sync_exchanger = logto_sync.MachineClient(idp.endpoint, CONFIDENTIAL_ID, CONFIDENTIAL_SECRET)
    assert sync_exchanger.exchangeToken(pat, PERSONAL_ACCESS_TOKEN_TYPE).access_token
    with pytest.raises(LogtoGrantNotAllowed):
        asyncio.run(machine.exchangeToken(pat, PERSONAL_ACCESS_TOKEN_TYPE))


class _Receiver(http.server.BaseHTTPRequestHandler):
    tokens: list = []

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self.tokens.extend(parse_qs(body).get("logout_token", []))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


# Logto 1.42+ signs logout tokens with a 120 s `exp`; every release before, without one.
@pytest.mark.parametrize("exp", [True, False], ids=["logto-1.42", "logto-before-1.42"])
def test_backchannel_logout_and_the_request_context(idp, redirect_uri, exp):
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    requests.post(f"{idp.endpoint}/__test/logout-tokens", json={"exp": exp}, timeout=10).raise_for_status()
    requests.post(
        f"{idp.endpoint}/__test/backchannel-logout",
        json={"client_id": CONFIDENTIAL_ID, "backchannel_logout_uri": f"http://127.0.0.1:{receiver.server_port}/bcl"},
        timeout=10,
    ).raise_for_status()
    try:
        client = signed_in(idp, redirect_uri, backchannelLogout=True, scopes=["read:data"], resources=[API_RESOURCE])
        context = asyncio.run(client.getContext(fetchUserInfo=True, resource=API_RESOURCE))
        assert context.isAuthenticated and context.claims.sub == DEMO_SUB and context.userInfo.sub == DEMO_SUB
        assert "read:data" in context.scopes and context.accessToken
        assert context.accessToken not in repr(context)

        requests.post(f"{idp.endpoint}/__test/end-sessions", params={"sub": DEMO_SUB}, timeout=10).raise_for_status()
        assert _Receiver.tokens, "Logto posted a logout token"
        payload = _Receiver.tokens[-1].split(".")[1]
        assert ("exp" in json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))) == exp
        ended = asyncio.run(client.handleBackchannelLogout(_Receiver.tokens[-1]))
        assert ended["sub"] == DEMO_SUB and ended["sid"]
        assert asyncio.run(client.getSignedInClaims()) is None, "signed out on the next request"
        assert not asyncio.run(client.getContext()).isAuthenticated
        with pytest.raises(LogtoInvalidLogoutToken) as replay:
            asyncio.run(client.handleBackchannelLogout(_Receiver.tokens[-1]))
        assert replay.value.http_status == 400
    finally:
        requests.post(
            f"{idp.endpoint}/__test/backchannel-logout",
            json={"client_id": CONFIDENTIAL_ID, "backchannel_logout_uri": None},
            timeout=10,
        )
        requests.post(f"{idp.endpoint}/__test/logout-tokens", json={"exp": True}, timeout=10)
        receiver.shutdown()


def test_the_scopes_logto_added_are_requested(idp, redirect_uri):
    from logto import UserInfoScope

    client = LogtoClient(config_for(idp, scopes=[UserInfoScope.address, UserInfoScope.sessions]), storage=MemoryStorage())
    url = asyncio.run(client.signIn(redirect_uri))
    assert "address" in url and "urn%3Alogto%3Ascope%3Asessions" in url
    asyncio.run(client.handleSignInCallback(idp.login(url)))
    assert asyncio.run(client.fetchUserInfo()).__pydantic_extra__.get("address"), "the address claim"
