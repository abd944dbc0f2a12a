"""The blocking client (`logto.sync.LogtoClient`) from many threads, async storages, and refreshes
coordinated across app instances through Redis, against the test identity server with Logto's
3-second refresh-token reuse grace turned off (so any duplicate refresh burns the grant)."""

import asyncio
import shutil
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import API_RESOURCE, PUBLIC_ID, TestIdp
from logto import LogtoClient, LogtoConfig, MemoryStorage, Storage
from logto.LogtoException import LogtoConfigError
from logto.sync import LogtoClient as SyncLogtoClient

REDIRECT_URI = "http://127.0.0.1:3000/callback"


@pytest.fixture(scope="module")
def strict_idp():
    idp = TestIdp(args=["--refresh-token-reuse-interval-ms", "0"])
    yield idp
    idp.stop()


@pytest.fixture(scope="module")
def redis_url():
    server = shutil.which("redis-server")
    assert server, "the Redis tests need a real Redis: apt-get install -y redis-server"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    process.kill()
    process.wait()


def config(idp, **extra) -> LogtoConfig:
    return LogtoConfig(endpoint=idp.endpoint, appId=PUBLIC_ID, scopes=["read:data"], resources=[API_RESOURCE], **extra)


def copy(storage: MemoryStorage) -> MemoryStorage:
    duplicate = MemoryStorage()
    for key in ("idToken", "refreshToken", "accessTokenMap", "signInSession"):
        value = storage.get(key)  # type: ignore[arg-type]
        if value is not None:
            duplicate.set(key, value)  # type: ignore[arg-type]
    return duplicate


def refreshes(idp) -> int:
    return idp.token_requests()["by_grant_type"].get("refresh_token", 0)


def test_the_sync_client_serves_many_threads_with_one_refresh(strict_idp):
    storage = MemoryStorage()
    client = SyncLogtoClient(config(strict_idp), storage=storage)
    client.handleSignInCallback(strict_idp.login(client.signIn(REDIRECT_URI)))
    assert client.isAuthenticated() and client.getIdTokenClaims().sub
    strict_idp.reset_token_requests()
    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = list(pool.map(lambda _: client.getAccessToken(API_RESOURCE), range(16)))
    assert len(set(tokens)) == 1 and tokens[0], "every thread got the one refreshed token"
    assert refreshes(strict_idp) == 1
    assert client.fetchUserInfo().sub == client.getIdTokenClaims().sub
    url = client.signOut("http://127.0.0.1:3000/")
    assert "/session/end" in url and not client.isAuthenticated()


def test_the_sync_client_needs_no_event_loop_and_refuses_async_storage(strict_idp):
    class AsyncStorage(Storage):
        async def get(self, key):  # type: ignore[override]
            return None

        async def set(self, key, value):  # type: ignore[override]
            pass

    with pytest.raises(LogtoConfigError, match="plain methods"):
        SyncLogtoClient(config(strict_idp), storage=AsyncStorage())
    # From a thread with no event loop at all:
    result = {}
    thread = threading.Thread(target=lambda: result.update(url=SyncLogtoClient(config(strict_idp)).signIn(REDIRECT_URI)))
    thread.start()
    thread.join()
    assert result["url"].startswith(strict_idp.endpoint)


def test_an_async_storage_is_awaited(strict_idp):
    class AsyncStorage(Storage):
        def __init__(self) -> None:
            self.data: dict = {}

        async def get(self, key):  # type: ignore[override]
            await asyncio.sleep(0)
            return self.data.get(key)

        async def set(self, key, value):  # type: ignore[override]
            await asyncio.sleep(0)
            self.data[key] = value

        async def delete(self, key):  # type: ignore[override]
            self.data.pop(key, None)

    async def scenario():
        storage = AsyncStorage()
        client = LogtoClient(config(strict_idp), storage=storage)
        await client.handleSignInCallback(strict_idp.login(await client.signIn(REDIRECT_URI)))
        assert await client.isAuthenticated()
        assert (await client.getIdTokenClaims()).sub
        assert await client.getAccessToken(API_RESOURCE)
        with pytest.raises(LogtoConfigError, match="await"):
            if client.isAuthenticated():  # a forgotten await never passes as "signed in"
                pass

    asyncio.run(scenario())


def test_instances_on_one_redis_refresh_a_session_once(strict_idp, redis_url):
    signed_in = MemoryStorage()
    first = LogtoClient(config(strict_idp, redisUrl=redis_url, timeout=10.0), storage=signed_in)
    asyncio.run(first.handleSignInCallback(strict_idp.login(asyncio.run(first.signIn(REDIRECT_URI)))))
    # Two app instances (two cores: the configs differ in an unrelated setting), each with its own
    # copy of the session, refresh at once.
    on_first = LogtoClient(config(strict_idp, redisUrl=redis_url, timeout=10.0), storage=copy(signed_in))
    on_second = LogtoClient(config(strict_idp, redisUrl=redis_url, timeout=11.0), storage=copy(signed_in))
    assert on_first._core is not on_second._core
    strict_idp.reset_token_requests()

    async def both():
        return await asyncio.gather(on_first.getAccessToken(API_RESOURCE), on_second.getAccessToken(API_RESOURCE))

    a, b = asyncio.run(both())
    assert a and a == b, "the second instance took the first one's token"
    assert refreshes(strict_idp) == 1
    assert strict_idp.token_requests()["by_outcome"].get("invalid_grant", 0) == 0
