"""`logto.management`: every operation of the document has a typed method in the async and the
sync clients, and reaches its operation; pages, Logto's errors, retries and the machine token,
against a local server in Logto's shapes (the token from `logto.testing`)."""

from __future__ import annotations

import asyncio
import base64
import functools
import inspect
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest

from logto.management import AccountClient, LogtoApiError, ManagementClient, Page, management_resource
from logto.management import sync as management_sync
from logto.management._models import CreateUserBody, User
from logto.testing import MockLogto

MANIFEST = json.loads((Path(__file__).resolve().parents[2] / "crates/logto-management/operations.json").read_text())
RESOURCE = "https://default.logto.app/api"

Seen = Dict[str, Any]
Handler = Callable[[Seen], Tuple[int, Dict[str, str], bytes]]


class ApiServer:
    """Answers what `handler` says after checking the bearer token (the kit's, for `RESOURCE`)."""

    def __init__(self, handler: Handler, issuer: str, *, user_token: Optional[str] = None) -> None:
        self.seen: List[Seen] = []
        outer = self

        class Answer(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = {"method": self.command, "path": parts.path, "query": parts.query, "headers": dict(self.headers), "body": body}
                if not outer._authorized(self.headers.get("authorization", ""), issuer, user_token):
                    status, headers, payload = 401, {}, b'{"code":"auth.unauthorized","message":"no"}'
                else:
                    outer.seen.append(seen)
                    status, headers, payload = handler(seen)
                self.send_response(status)
                for name, value in {"content-type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @staticmethod
    def _authorized(header: str, issuer: str, user_token: Optional[str]) -> bool:
        token = header.removeprefix("Bearer ")
        if user_token is not None:
            return token == user_token
        try:
            payload = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError):
            return False
        return bool(claims.get("aud") == RESOURCE and claims.get("iss") == issuer and claims.get("scope") == "all")

    def close(self) -> None:
        self.httpd.shutdown()


def run_async(test: Callable[..., Any]) -> Callable[..., Any]:
    """Runs an async test on its own event loop."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(test(*args, **kwargs))

    return run


@pytest.fixture
def logto() -> Iterator[MockLogto]:
    with MockLogto() as server:
        server.add_m2m_app("m2m", "m2m-secret", api_scopes={RESOURCE: ["all"]})
        yield server


def serve(logto: MockLogto, handler: Handler, **kwargs: Any) -> Tuple[ApiServer, ManagementClient]:
    api = ApiServer(handler, logto.issuer, **kwargs)
    return api, ManagementClient(logto.endpoint, "m2m", "m2m-secret", resource=RESOURCE, apiEndpoint=api.endpoint)


def operation_of(method: str, path: str) -> Optional[Dict[str, Any]]:
    segments = path.strip("/").split("/")
    for op in MANIFEST["operations"]:
        template = op["path"].strip("/").split("/")
        if op["method"] == method and len(template) == len(segments):
            if all(
                (t == s) or (t.startswith("{") and s == t[1:-1] + "-value") for t, s in zip(template, segments)
            ):
                return op  # type: ignore[no-any-return]
    return None


def manifest_answer(seen: Seen) -> Tuple[int, Dict[str, str], bytes]:
    op = operation_of(seen["method"], seen["path"])
    if op is None:
        return 404, {}, b"{}"
    if op["status"] == 204:
        return 204, {}, b""
    return op["status"], {"total-number": "1"}, json.dumps(op["response"]).encode()


def call_args(op: Dict[str, Any]) -> Tuple[List[Any], Dict[str, Any]]:
    args: List[Any] = [f"{name}-value" for name in re.findall(r"\{([^}]+)\}", op["path"])]
    if op["body"] == "json":
        args.append({})
    elif op["body"] == "raw":
        args.append(b"x")
    return args, {}


def method_of(client: Any, op: Dict[str, Any]) -> Any:
    area, name = op["python"].split(".")
    return getattr(getattr(client, area), name)


def test_the_document_is_logtos_and_every_operation_has_a_method_in_both_clients(logto: MockLogto) -> None:
    assert len(MANIFEST["operations"]) == 318 and MANIFEST["paths"] == 211
    async_client = ManagementClient(logto.endpoint, "m2m", "m2m-secret")
    sync_client = management_sync.ManagementClient(logto.endpoint, "m2m", "m2m-secret")
    for op in MANIFEST["operations"]:
        for client, is_async in ((async_client, True), (sync_client, False)):
            method = method_of(client, op)
            assert inspect.iscoroutinefunction(method) == is_async, op["id"]
            if op["pages"]:
                assert callable(getattr(getattr(client, op["python"].split(".")[0]), op["python"].split(".")[1] + "_all"))
            path_params = re.findall(r"\{([^}]+)\}", op["path"])
            positional = [p for p in inspect.signature(method).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
            assert len(positional) >= len(path_params), op["id"]
            assert method.__doc__ and op["id"] in method.__doc__


@run_async
async def test_every_async_method_reaches_its_operation_and_decodes_its_answer(logto: MockLogto) -> None:
    api, client = serve(logto, manifest_answer)
    try:
        failures = []
        for op in MANIFEST["operations"]:
            args, kwargs = call_args(op)
            try:
                result = method_of(client, op)(*args, **kwargs)
                if op["pages"]:
                    assert isinstance(await result, Page)
                else:
                    await result
            except Exception as error:  # noqa: BLE001 - collected and reported below
                failures.append((op["id"], repr(error)))
        assert not failures, failures
        reached = sorted(operation_of(s["method"], s["path"])["id"] for s in api.seen)  # type: ignore[index]
        assert reached == sorted(op["id"] for op in MANIFEST["operations"])
        assert logto.count_token_requests("client_credentials") == 1, "one machine token for every call"
    finally:
        api.close()


def users_answer(seen: Seen) -> Tuple[int, Dict[str, str], bytes]:
    query = dict(parse_qsl(seen["query"]))
    page, size = int(query.get("page", 1)), int(query.get("page_size", 20))
    items = [
        {
            "id": f"u{n}", "username": f"user{n}", "primaryEmail": f"user{n}@example.com", "primaryPhone": None,
            "name": None, "avatar": None, "customData": {"n": n}, "identities": {}, "lastSignInAt": None,
            "createdAt": 1, "updatedAt": 1, "profile": {}, "applicationId": None, "isSuspended": False,
        }
        for n in range(250)
    ][(page - 1) * size : page * size]
    return 200, {"total-number": "250"}, json.dumps(items).encode()


@run_async
async def test_pages_and_every_item_of_a_list(logto: MockLogto) -> None:
    api, client = serve(logto, users_answer)
    try:
        page = await client.users.list_users(page=2, page_size=100)
        assert page.total == 250 and len(page.items) == 100
        assert isinstance(page.items[0], User) and page.items[0].primary_email == "user100@example.com"
        assert page.items[0].custom_data == {"n": 100}
        everyone = [user.id async for user in client.users.list_users_all(search_params={"search.primaryEmail": "%@example.com"})]
        assert everyone == [f"u{n}" for n in range(250)]
        assert [s["query"] for s in api.seen[1:]] == [
            f"search.primaryEmail=%25%40example.com&page={n}&page_size=100" for n in (1, 2, 3)
        ]
    finally:
        api.close()


def test_the_sync_client_pages_too(logto: MockLogto) -> None:
    api = ApiServer(users_answer, logto.issuer)
    try:
        client = management_sync.ManagementClient(logto.endpoint, "m2m", "m2m-secret", resource=RESOURCE, apiEndpoint=api.endpoint)
        assert [user.id for user in client.users.list_users_all(page_size=50)] == [f"u{n}" for n in range(250)]
        assert len(api.seen) == 5
    finally:
        api.close()


@run_async
async def test_logtos_error_is_typed_and_only_set_fields_are_sent(logto: MockLogto) -> None:
    api, client = serve(
        logto,
        lambda seen: (422, {}, b'{"message":"This username is already in use.","code":"user.username_already_in_use","data":{"field":"username"}}'),
    )
    try:
        with pytest.raises(LogtoApiError) as refused:
            await client.users.create_user(CreateUserBody(username="taken"))
        error = refused.value
        assert (error.status, error.code, error.operation) == (422, "user.username_already_in_use", "CreateUser")
        assert error.data == {"field": "username"} and error.kind == "api"
        assert json.loads(api.seen[0]["body"]) == {"username": "taken"}
    finally:
        api.close()


@run_async
async def test_rate_limits_are_retried_and_other_failures_are_not(logto: MockLogto) -> None:
    answers = [(429, {"retry-after": "0"}, b""), (503, {"retry-after": "0"}, b""), (200, {}, json.dumps(users_answer({"query": ""})[2] and {
        "id": "u7", "username": None, "primaryEmail": None, "primaryPhone": None, "name": None, "avatar": None,
        "customData": {}, "identities": {}, "lastSignInAt": None, "createdAt": 1, "updatedAt": 1, "profile": {},
        "applicationId": None, "isSuspended": False}).encode())]
    api, client = serve(logto, lambda seen: answers.pop(0))
    try:
        user = await client.users.get_user("u7")
        assert user.id == "u7" and len(api.seen) == 3
    finally:
        api.close()
    broken, client = serve(logto, lambda seen: (500, {}, b"boom"))
    try:
        with pytest.raises(LogtoApiError) as failed:
            await client.users.get_user("u7")
        assert failed.value.status == 500 and len(broken.seen) == 1
    finally:
        broken.close()


@run_async
async def test_the_account_api_sends_the_users_token_and_the_verification_record(logto: MockLogto) -> None:
    profile = {"id": "u1", "username": "alice", "name": "Alice"}
    api = ApiServer(lambda seen: (200, {}, json.dumps(profile).encode()), logto.issuer, user_token="user-token")
    try:
        account = AccountClient(api.endpoint, lambda: _async_value("user-token"))
        me = await account.my_account.get_profile()
        assert me.username == "alice"
        verified = account.withVerification("ver-1")
        await verified.my_account.update_profile({"name": "Alice B."})
        assert api.seen[-1]["headers"].get("logto-verification-id") == "ver-1"
        assert json.loads(api.seen[-1]["body"]) == {"name": "Alice B."}
        assert "logto-verification-id" not in api.seen[0]["headers"]
        with pytest.raises(LogtoApiError) as refused:
            await AccountClient(api.endpoint, "another-token").my_account.get_profile()
        assert refused.value.status == 401
    finally:
        api.close()


async def _async_value(value: str) -> str:
    return value


def test_the_management_resource_follows_the_endpoint() -> None:
    assert management_resource("https://abc123.logto.app") == "https://abc123.logto.app/api"
    assert management_resource("https://auth.example.com") == "https://default.logto.app/api"
    assert management_resource("http://localhost:3001/") == "https://default.logto.app/api"
    client = ManagementClient("https://abc123.logto.app", "m2m", "secret-value")
    assert "secret-value" not in repr(client)


def test_an_answer_without_a_field_the_document_requires_still_decodes() -> None:
    # Logto 1.42 answers a Native app without `secret`, which the 1.37.1 document requires.
    from logto.management import Application

    app = Application.model_validate({"id": "app1", "name": "CLI", "type": "Native", "customClientMetadata": {"isDeviceFlow": True}})
    assert (app.id, app.secret, app.oidc_client_metadata.redirect_uris) == ("app1", "", [])
    with pytest.raises(Exception):
        Application.model_validate({"id": {"not": "a string"}})
