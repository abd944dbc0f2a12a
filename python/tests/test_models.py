"""The models take every number the protocol allows and keep it as it came.

A NumericDate (`exp`, `iat`, `auth_time`, `nbf`, ...) is "a JSON numeric value ... [that] can
contain a fractional part" (RFC 7519 §2), and JSON numbers have no size limit; Logto's
`updated_at` and `created_at` are milliseconds. Whatever the token or the server carried must
validate, an integer must stay an `int` (of any size) and a fraction a `float`, so that
`model_dump_json()` writes back the same numbers. Normal tokens dump exactly as before.
"""

import asyncio
import base64
import json
import threading
import typing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Tuple

import pytest

from logto import LogtoClient, LogtoConfig, MemoryStorage, OidcProviderMetadata
from logto.OidcCore import OidcCore
from logto.models.oidc import AccessTokenClaims, IdTokenClaims, NumericDate
from logto.models.response import TokenResponse, UserInfoResponse

# JSON number text -> the Python value it must become.
NUMBERS = {
    "1700000000": 1700000000,
    "0": 0,
    "-1": -1,
    "1700000000.5": 1700000000.5,
    "1700000000.0": 1700000000.0,
    "0.001": 0.001,
    "1e30": 1e30,
    "1.5E+3": 1500.0,
    str(2**63): 2**63,
    str(2**64 + 1): 2**64 + 1,
    str(2**70): 2**70,
    str(2**70 + 1): 2**70 + 1,
    str(10**30): 10**30,
}

# The ms timestamps Logto puts in `updated_at` / `created_at`.
MILLISECONDS = {
    "1700000000123": 1700000000123,
    "1700000000123.5": 1700000000123.5,
    "1e30": 1e30,
    str(2**70): 2**70,
}

ID_TOKEN_NORMAL = (
    '{"iss":"https://tenant.logto.app/oidc","sub":"u_1","aud":"app","exp":1700003600,"iat":1700000000,'
    '"at_hash":"x1","name":"Ada","username":"ada","picture":null,"email":"ada@example.com","email_verified":true,'
    '"phone_number":null,"phone_number_verified":false,"organizations":["o1"],"organization_roles":["o1:admin"],'
    '"auth_time":1699999990,"roles":["admin"],"created_at":1690000000456,"updated_at":1700000000123}'
)
ACCESS_TOKEN_NORMAL = (
    '{"iss":"https://tenant.logto.app/oidc","sub":"u_1","aud":"https://api.example.com","exp":1700003600,'
    '"iat":1700000000,"scope":"read write","client_id":"app","jti":"j1","nbf":1700000000}'
)
USERINFO_NORMAL = (
    '{"sub":"u_1","name":"Ada","username":"ada","picture":null,"email":"ada@example.com","email_verified":true,'
    '"custom_data":{"n":1.5,"big":' + str(2**70) + '},"identities":{"github":{"userId":"9","details":{"id":9}}},'
    '"organizations":["o1"],"created_at":1690000000456,"updated_at":1700000000123}'
)


def typed(value: Any) -> Any:
    """`value` with the type of every number spelled out, so that 1 != 1.0 and True != 1."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, (bool, int, float)):
        return (type(value).__name__, value)
    return value


def assert_same_number(actual: Any, expected: Any) -> None:
    assert type(actual) is type(expected) and actual == expected, f"{actual!r} ({type(actual).__name__}), expected {expected!r}"


@pytest.mark.parametrize("text", NUMBERS)
def test_id_token_numeric_dates(text):
    expected = NUMBERS[text]
    raw = (
        '{"iss":"https://t/oidc","sub":"u","aud":"app",'
        f'"exp":{text},"iat":{text},"auth_time":{text},"nbf":{text},"updated_at":{text},"created_at":{text}}}'
    )
    claims = IdTokenClaims.model_validate_json(raw)
    assert_same_number(claims.exp, expected)
    assert_same_number(claims.iat, expected)
    for extra in ("auth_time", "nbf", "updated_at", "created_at"):
        assert_same_number(claims.__pydantic_extra__[extra], expected)
    assert typed(json.loads(claims.model_dump_json(exclude_unset=True))) == typed(json.loads(raw))
    # As the official SDK builds them: from the decoded dict.
    assert typed(IdTokenClaims(**json.loads(raw)).model_dump(exclude_unset=True)) == typed(json.loads(raw))


@pytest.mark.parametrize("text", NUMBERS)
def test_access_token_numeric_dates(text):
    expected = NUMBERS[text]
    raw = f'{{"iss":"https://t/oidc","sub":"u","aud":"https://api","exp":{text},"iat":{text},"nbf":{text},"scope":"a"}}'
    claims = AccessTokenClaims.model_validate_json(raw)
    assert_same_number(claims.exp, expected)
    assert_same_number(claims.iat, expected)
    assert_same_number(claims.__pydantic_extra__["nbf"], expected)
    assert typed(json.loads(claims.model_dump_json(exclude_unset=True))) == typed(json.loads(raw))
    assert typed(AccessTokenClaims(**json.loads(raw)).model_dump(exclude_unset=True)) == typed(json.loads(raw))


@pytest.mark.parametrize("text", MILLISECONDS)
def test_userinfo_timestamps_in_milliseconds(text):
    expected = MILLISECONDS[text]
    raw = f'{{"sub":"u","updated_at":{text},"created_at":{text},"custom_data":{{"at":{text}}}}}'
    info = UserInfoResponse.model_validate_json(raw)
    assert_same_number(info.__pydantic_extra__["updated_at"], expected)
    assert_same_number(info.__pydantic_extra__["created_at"], expected)
    assert_same_number(info.custom_data["at"], expected)
    assert typed(json.loads(info.model_dump_json(exclude_unset=True))) == typed(json.loads(raw))


@pytest.mark.parametrize("text", ["3600", "3600.5", str(2**64 + 1)])
def test_token_response_expires_in(text):
    raw = f'{{"access_token":"at","token_type":"Bearer","expires_in":{text}}}'
    response = TokenResponse.model_validate_json(raw)
    assert_same_number(response.expires_in, NUMBERS.get(text, json.loads(text)))
    assert response.model_dump_json(exclude_unset=True) == raw


def test_normal_tokens_dump_exactly_as_they_came():
    """Field order is the official models' (the test JSON is written in that order), extras follow
    in the order the token carried them, integers stay integers."""
    assert IdTokenClaims.model_validate_json(ID_TOKEN_NORMAL).model_dump_json(exclude_unset=True) == ID_TOKEN_NORMAL
    assert AccessTokenClaims.model_validate_json(ACCESS_TOKEN_NORMAL).model_dump_json(exclude_unset=True) == ACCESS_TOKEN_NORMAL
    assert UserInfoResponse.model_validate_json(USERINFO_NORMAL).model_dump_json(exclude_unset=True) == USERINFO_NORMAL
    claims = IdTokenClaims.model_validate_json(ID_TOKEN_NORMAL)
    assert claims.at_hash == "x1" and "at_hash" not in claims.__pydantic_extra__
    assert type(claims.exp) is int and type(claims.iat) is int


def test_numeric_date_is_int_or_float():
    assert set(typing.get_args(NumericDate)) == {int, float}
    assert IdTokenClaims.model_fields["exp"].is_required() and IdTokenClaims.model_fields["iat"].is_required()


def test_a_numeric_date_is_still_a_number():
    for bad in ('"soon"', "null", "[1]", "{}"):
        with pytest.raises(ValueError):
            IdTokenClaims.model_validate_json(f'{{"iss":"i","sub":"s","aud":"a","exp":{bad},"iat":1}}')


# -- through the Rust core ------------------------------------------------------------------------


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def unsigned_jwt(payload: str) -> str:
    return f"{b64(json.dumps({'alg': 'ES384', 'typ': 'JWT'}))}.{b64(payload)}.c2lnbmF0dXJl"


@pytest.mark.parametrize("text", NUMBERS)
def test_core_decoded_claims_keep_the_numbers(text):
    """A token the core decodes never makes the models raise, and its numbers arrive as carried."""
    raw = (
        '{"iss":"https://t/oidc","sub":"u","aud":"app",'
        f'"exp":{text},"iat":{text},"auth_time":{text},"updated_at":{text},"scope":"a"}}'
    )
    token = unsigned_jwt(raw)
    expected = typed(json.loads(raw))
    decoded = OidcCore.decodeIdToken(token)
    assert typed(json.loads(decoded.model_dump_json(exclude_unset=True))) == expected
    assert typed(json.loads(OidcCore.decodeAccessToken(token).model_dump_json(exclude_unset=True))) == expected
    storage = MemoryStorage()
    storage.set("idToken", token)
    client = LogtoClient(LogtoConfig(endpoint="https://logto.example", appId="app"), storage=storage)
    assert typed(json.loads(client.getIdTokenClaims().model_dump_json(exclude_unset=True))) == expected


def test_core_decoded_normal_id_token_dumps_as_the_token():
    """`client.getIdTokenClaims().model_dump_json(exclude_unset=True)` (the README's and the
    guide's sample) prints what the official SDK prints: the token's claims in its order."""
    token = unsigned_jwt(ID_TOKEN_NORMAL)
    assert OidcCore.decodeIdToken(token).model_dump_json(exclude_unset=True) == ID_TOKEN_NORMAL
    storage = MemoryStorage()
    storage.set("idToken", token)
    client = LogtoClient(LogtoConfig(endpoint="https://logto.example", appId="app"), storage=storage)
    assert client.getIdTokenClaims().model_dump_json(exclude_unset=True) == ID_TOKEN_NORMAL
    access = unsigned_jwt(ACCESS_TOKEN_NORMAL)
    assert OidcCore.decodeAccessToken(access).model_dump_json(exclude_unset=True) == ACCESS_TOKEN_NORMAL


@pytest.fixture
def userinfo_server() -> Iterator[Tuple[str, dict]]:
    """An HTTP server whose `/me` answers with `body["text"]`."""
    body = {"text": "{}"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            data = body["text"].encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", body
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("text", MILLISECONDS)
def test_core_fetched_userinfo_keeps_the_numbers(userinfo_server, text):
    base, body = userinfo_server
    body["text"] = f'{{"sub":"u","updated_at":{text},"created_at":{text},"custom_data":{{"at":{text}}}}}'
    core = OidcCore(
        OidcProviderMetadata(
            issuer=f"{base}/oidc",
            authorization_endpoint=f"{base}/auth",
            token_endpoint=f"{base}/token",
            userinfo_endpoint=f"{base}/me",
            jwks_uri=f"{base}/jwks",
        )
    )
    info = asyncio.run(core.fetchUserInfo("access-token"))
    assert typed(json.loads(info.model_dump_json(exclude_unset=True))) == typed(json.loads(body["text"]))


def test_secrets_never_show_in_repr_or_str():
    """The app secret, the PKCE verifier, `state` and every token print as `<redacted>` in
    `repr`, `str` and f-strings (a model logged by mistake must not leak them); the values
    themselves, `model_dump()` and `model_dump_json()` are unchanged."""
    from logto.LogtoClient import AccessToken, AccessTokenMap, SignInSession

    secrets = ["top-secret-value", "verifier-secret", "state-secret", "access-secret", "at-secret", "rt-secret", "idt-secret", "redis-password"]
    config = LogtoConfig(
        endpoint="https://t.logto.app", appId="app-id", appSecret="top-secret-value",
        redisUrl="redis://:redis-password@127.0.0.1:6379/0",
    )
    session = SignInSession(redirectUri="https://app.example/callback", codeVerifier="verifier-secret", state="state-secret")
    cached = AccessToken(token="access-secret", expiresAt=1700000000.0)
    tokens = TokenResponse(
        access_token="at-secret", token_type="Bearer", expires_in=3600, refresh_token="rt-secret", id_token="idt-secret"
    )
    models = [config, session, cached, AccessTokenMap(x={"": cached, "https://api": cached}), tokens]
    for model in models:
        for text in (repr(model), str(model), f"{model}", f"{model!r}", repr([model]), repr({"k": model})):
            leaked = [secret for secret in secrets if secret in text]
            assert not leaked, f"{leaked} in {text}"
        assert "<redacted>" in repr(model), repr(model)
    # Not secret: still shown, so a repr stays useful.
    assert "app-id" in repr(config) and "https://app.example/callback" in repr(session)
    assert "1700000000.0" in repr(cached) and "Bearer" in repr(tokens)
    # A missing secret is shown as missing, not as redacted.
    assert "appSecret=None" in repr(LogtoConfig(endpoint="https://t.logto.app", appId="app-id"))
    # The values and the JSON the storage keeps are untouched.
    assert config.appSecret == "top-secret-value" and session.codeVerifier == "verifier-secret"
    assert "verifier-secret" in session.model_dump_json() and tokens.model_dump()["refresh_token"] == "rt-secret"
