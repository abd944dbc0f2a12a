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
