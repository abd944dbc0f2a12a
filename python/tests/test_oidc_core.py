"""OidcCore, the models, the utilities and the official module layout."""

import asyncio
import base64
import importlib
import json
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import CONFIDENTIAL_ID, CONFIDENTIAL_SECRET, DEMO_SUB, config_for
from logto import LogtoClient, MemoryStorage, OidcProviderMetadata, TokenResponse, UserInfoResponse
from logto.OidcCore import OidcCore
from logto.LogtoClient import SignInSession
from logto.LogtoException import LogtoException, LogtoInvalidAccessToken, LogtoInvalidIdToken, LogtoIssuerMismatch
from logto.utilities import OrganizationUrnPrefix, buildOrganizationUrn, removeFalsyKeys, urlsafeEncode


def test_official_layout():
    import logto

    for name in [
        "LogtoClient", "LogtoConfig", "LogtoException", "Storage", "PersistKey", "MemoryStorage",
        "InteractionMode", "AccessToken", "Scope", "UserInfoScope", "ReservedResource", "IdTokenClaims",
        "AccessTokenClaims", "OidcProviderMetadata", "TokenResponse", "UserInfoResponse", "UserIdentity",
    ]:
        assert hasattr(logto, name), name
    modules = {
        "logto.LogtoClient": ["LogtoClient", "LogtoConfig", "SignInSession", "AccessToken", "AccessTokenMap", "InteractionMode"],
        "logto.LogtoException": ["LogtoException"],
        "logto.OidcCore": ["OidcCore"],
        "logto.Storage": ["Storage", "MemoryStorage", "PersistKey"],
        "logto.models.oidc": ["OidcProviderMetadata", "Scope", "UserInfoScope", "IdTokenClaims", "ReservedResource", "AccessTokenClaims"],
        "logto.models.response": ["TokenResponse", "UserIdentity", "UserInfoResponse"],
        "logto.utilities": ["urlsafeEncode", "removeFalsyKeys", "OrganizationUrnPrefix", "buildOrganizationUrn"],
    }
    for module, names in modules.items():
        imported = importlib.import_module(module)
        for name in names:
            assert hasattr(imported, name), f"{module}.{name}"
    assert issubclass(logto.UserInfoScope, logto.Scope)
    assert logto.LogtoException.__module__ == "logto.LogtoException"


def test_utilities():
    assert urlsafeEncode(b"\xfb\xff\xfe") == "-__-"
    assert urlsafeEncode(b"a") == "YQ"
    assert removeFalsyKeys({"a": 1, "b": None, "c": "", "d": [], "e": "x"}) == {"a": 1, "e": "x"}
    assert OrganizationUrnPrefix == "urn:logto:organization:"
    assert buildOrganizationUrn("1") == "urn:logto:organization:1"


def test_static_helpers():
    state, verifier = OidcCore.generateState(), OidcCore.generateCodeVerifier()
    assert len(state) == 43 and len(verifier) == 43 and state != OidcCore.generateState()
    assert OidcCore.generateCodeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_decode_tokens():
    claims = {"iss": "https://t/oidc", "sub": "u1", "aud": "app", "exp": 2, "iat": 1, "at_hash": "h", "extra_claim": "x"}
    token = f"{b64({'alg': 'ES384'})}.{b64(claims)}.c2ln"
    decoded = OidcCore.decodeIdToken(token)
    assert decoded.sub == "u1" and decoded.at_hash == "h" and decoded.__pydantic_extra__ == {"extra_claim": "x"}
    assert json.loads(decoded.model_dump_json(exclude_unset=True)) == claims
    access = OidcCore.decodeAccessToken(f"{b64({'alg': 'ES384'})}.{b64({**claims, 'scope': 'a b'})}.c2ln")
    assert access.scope == "a b"
    with pytest.raises(LogtoInvalidIdToken):
        OidcCore.decodeIdToken("not-a-jwt")
    with pytest.raises(LogtoInvalidAccessToken):
        OidcCore.decodeAccessToken("opaque")


def test_provider_metadata(idp):
    metadata = asyncio.run(OidcCore.getProviderMetadata(idp.discovery_url))
    assert isinstance(metadata, OidcProviderMetadata)
    assert metadata.issuer == idp.issuer and metadata.token_endpoint == f"{idp.issuer}/token"
    assert metadata.end_session_endpoint == f"{idp.issuer}/session/end"
    assert metadata.userinfo_endpoint and "S256" in metadata.code_challenge_methods_supported
    with pytest.raises(LogtoException):
        asyncio.run(OidcCore.getProviderMetadata("http://127.0.0.1:1/oidc/.well-known/openid-configuration"))


def test_discovery_issuer_is_checked(idp):
    with pytest.raises(LogtoIssuerMismatch):
        asyncio.run(OidcCore.getProviderMetadata(f"http://localhost:{urlparse(idp.endpoint).port}/oidc/.well-known/openid-configuration"))


def test_core_flow_by_hand(idp, redirect_uri):
    """fetchTokenByCode, verifyIdToken, fetchTokenByRefreshToken and fetchUserInfo on an OidcCore
    built from metadata, as the reference describes."""
    storage = MemoryStorage()
    client = LogtoClient(config_for(idp), storage=storage)
    callback = idp.login(asyncio.run(client.signIn(redirect_uri)))
    session = SignInSession.model_validate_json(storage.get("signInSession"))
    code = parse_qs(urlparse(callback).query)["code"][0]

    async def scenario():
        core = OidcCore(await OidcCore.getProviderMetadata(idp.discovery_url))
        tokens = await core.fetchTokenByCode(CONFIDENTIAL_ID, CONFIDENTIAL_SECRET, redirect_uri, code, session.codeVerifier)
        assert isinstance(tokens, TokenResponse) and tokens.token_type == "Bearer" and tokens.expires_in > 0
        core.verifyIdToken(tokens.id_token, CONFIDENTIAL_ID)
        with pytest.raises(LogtoInvalidIdToken, match="audience"):
            core.verifyIdToken(tokens.id_token, "someone-else")
        header, payload, signature = tokens.id_token.split(".")
        forged = json.loads(base64.urlsafe_b64decode(payload + "==").decode())
        forged["sub"] = "attacker"
        with pytest.raises(LogtoInvalidIdToken, match="signature"):
            core.verifyIdToken(f"{header}.{b64(forged)}.{signature}", CONFIDENTIAL_ID)
        info = await core.fetchUserInfo(tokens.access_token)
        assert isinstance(info, UserInfoResponse) and info.sub == DEMO_SUB
        refreshed = await core.fetchTokenByRefreshToken(CONFIDENTIAL_ID, CONFIDENTIAL_SECRET, tokens.refresh_token)
        assert refreshed.access_token and refreshed.access_token != tokens.access_token
        with pytest.raises(LogtoException, match="invalid_grant"):
            await core.fetchTokenByCode(CONFIDENTIAL_ID, CONFIDENTIAL_SECRET, redirect_uri, code, session.codeVerifier)

    asyncio.run(scenario())


def test_client_oidc_core(idp):
    client = LogtoClient(config_for(idp))
    core = asyncio.run(client.getOidcCore())
    assert isinstance(core, OidcCore) and core.metadata.issuer == idp.issuer
    assert core.metadata.authorization_response_iss_parameter_supported is True


# -- a lying or slow server --------------------------------------------------------------------

# A P-384 public key (the verification below fails on the signature, which is the point: the
# key must be found, and found without waiting).
JWK = {
    "kty": "EC", "crv": "P-384", "kid": "k1", "use": "sig", "alg": "ES384",
    "x": "RgICNyTX-cxJj6wvuKwwHuGdU7Afu3gq6IGUQuMo_0ESmCnxU14Hc7dRF4cNccvn",
    "y": "_TWyUCmO704yN04HMIovBSqoSPVnqMQTB82XQoR_GJ1juLkMBHo_DMrZvMOybhhH",
}


@pytest.fixture
def scripted_server():
    """A local server whose answers a test scripts: path -> (delay seconds, status, JSON body)."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    routes = {}
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            path = self.path.split("?")[0]
            hits.append(path)
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            delay, status, body = routes.get(path, (0, 404, {"error": "not_found"}))
            time.sleep(delay)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = answer  # noqa: N815 - http.server's names
        do_POST = answer  # noqa: N815

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield base, routes, hits
    finally:
        server.shutdown()


def metadata_for(base: str) -> OidcProviderMetadata:
    return OidcProviderMetadata(
        issuer=f"{base}/oidc",
        authorization_endpoint=f"{base}/oidc/auth",
        token_endpoint=f"{base}/oidc/token",
        userinfo_endpoint=f"{base}/oidc/me",
        jwks_uri=f"{base}/oidc/jwks",
        id_token_signing_alg_values_supported=["ES384"],
    )


def test_token_type_must_be_bearer_through_the_python_core(scripted_server):
    """OpenID Connect Core §3.1.3.3: the core refuses a token response that is not Bearer; the
    Python `OidcCore` passes the refusal on instead of a `TokenResponse`."""
    base, routes, _ = scripted_server
    core = OidcCore(metadata_for(base))
    for token_type, accepted in [("DPoP", False), ("mac", False), (None, False), ("bearer", True)]:
        body = {"access_token": "a", "expires_in": 60}
        if token_type:
            body["token_type"] = token_type
        routes["/oidc/token"] = (0, 200, body)
        call = core.fetchTokenByCode("app", None, "http://127.0.0.1:1/cb", "code", "verifier")
        if accepted:
            assert asyncio.run(call).token_type == "bearer"
        else:
            with pytest.raises(LogtoException) as raised:
                asyncio.run(call)
            assert raised.value.kind == "invalid_response", token_type


def test_verify_id_token_does_not_wait_for_keys(scripted_server):
    """`verifyIdToken` is a plain (blocking) call, as in the official SDK; the keys are fetched in
    the background from the moment the `OidcCore` exists, so in an async app the call finds them
    cached and never holds the event loop for a network round trip."""
    import time

    base, routes, hits = scripted_server
    routes["/oidc/jwks"] = (1.0, 200, {"keys": [JWK]})
    started = time.monotonic()
    core = OidcCore(metadata_for(base))
    assert time.monotonic() - started < 0.5, "the constructor does not wait for the keys"
    now = int(time.time())
    claims = {"iss": f"{base}/oidc", "sub": "u", "aud": "app", "exp": now + 60, "iat": now}
    token = f"{b64({'alg': 'ES384', 'kid': 'k1', 'typ': 'JWT'})}.{b64(claims)}.{'A' * 128}"

    async def app_at_work():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        task = asyncio.create_task(ticker())
        await asyncio.sleep(1.5)
        before = time.monotonic()
        with pytest.raises(LogtoInvalidIdToken, match="signature"):
            core.verifyIdToken(token, "app")
        elapsed = time.monotonic() - before
        task.cancel()
        return elapsed, ticks

    elapsed, ticks = asyncio.run(app_at_work())
    assert elapsed < 0.3, f"verifyIdToken waited {elapsed:.2f} s"
    assert ticks > 50, "the event loop kept running meanwhile"
    assert hits.count("/oidc/jwks") == 1
