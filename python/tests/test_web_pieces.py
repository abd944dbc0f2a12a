"""The framework-agnostic pieces of `logto.web`: settings, return-to validation, the server-side
session life cycle (ids, lifetimes, deletion), the stores (memory and a real Redis), the
per-state sign-in storage and error answers."""

import json
import time

import pytest

from logto import LogtoException
from logto.LogtoException import LogtoConfigError
from logto.web import (
    MemorySessionStore,
    RedisSessionStore,
    ServerSession,
    SessionManager,
    SessionStorage,
    WebSettings,
    errorPage,
    isLocalPath,
    isSignedOut,
)
from logto.web.storage import MAX_PENDING_SIGN_INS, SIGN_INS, PendingSignIns


def settings(**overrides):
    values = {"endpoint": "https://tenant.logto.app", "appId": "app", "appSecret": "s3cret", "baseUrl": "https://app.example.com/"}
    values.update(overrides)
    return WebSettings(**values)


# -- settings ---------------------------------------------------------------------------------


def test_settings_keys_in_any_case_and_typos_refused():
    parsed = WebSettings.fromMapping({"ENDPOINT": "https://t.logto.app", "APP_ID": "a", "app_secret": "s", "baseUrl": "http://x:1"})
    assert (parsed.appId, parsed.appSecret, parsed.baseUrl) == ("a", "s", "http://x:1")
    with pytest.raises(LogtoConfigError, match="unknown Logto setting 'APP_SECRETT'"):
        WebSettings.fromMapping({"ENDPOINT": "https://t", "APP_ID": "a", "APP_SECRETT": "s"})
    with pytest.raises(LogtoConfigError, match="'appId' is missing"):
        WebSettings.fromMapping({"endpoint": "https://t"})


def test_settings_derive_redirect_uri_origin_and_secure_cookie():
    current = settings()
    assert current.redirectUri == "https://app.example.com/callback"
    assert current.origin == "https://app.example.com"
    assert current.cookieSecure is True
    assert settings(baseUrl="http://127.0.0.1:5000").cookieSecure is False
    assert settings(baseUrl="http://127.0.0.1:5000", cookieSecure=True).cookieSecure is True
    assert current.absolute("/") == "https://app.example.com/" and current.absolute("https://x/y") == "https://x/y"


@pytest.mark.parametrize(
    "overrides",
    [{"baseUrl": "app.example.com"}, {"baseUrl": "https://app.example.com/?x=1"}, {"callbackPath": "callback"}, {"postSignInRedirect": "//evil"}],
)
def test_bad_settings_fail_at_start(overrides):
    with pytest.raises(LogtoConfigError):
        settings(**overrides)


def test_settings_repr_hides_the_secret_and_the_redis_url():
    text = repr(settings(redisUrl="redis://:hunter2@redis:6379/0"))
    assert "s3cret" not in text and "hunter2" not in text


# -- return-to ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/", "/protected?x=1#frag", "/a/b", "/%2F%2Fevil"])
def test_local_paths_are_accepted(target):
    assert isLocalPath(target)


@pytest.mark.parametrize(
    "target", [None, "", "protected", "//evil.example", "/\\evil.example", "https://evil.example/", "/\t/evil", "/a\nb", "/a\x7fb", "/\x85x"]
)
def test_anything_else_is_refused(target):
    assert not isLocalPath(target)


# -- server-side sessions -----------------------------------------------------------------------


def test_session_life_cycle_in_memory():
    store = MemorySessionStore(quiet=True)
    manager = SessionManager(store, settings(sessionLifetime=3600, signInLifetime=60))

    visitor = manager.open(None)
    assert manager.save(visitor, hadCookie=False) is None and len(store) == 0, "nothing stored for a visitor"

    session = manager.open(None)
    session["logto.signIns"] = {"s": {}}
    session.setLifetime(60)
    cookie = manager.save(session, hadCookie=False)
    assert cookie.value and cookie.maxAge == 60 and len(cookie.value) == 43

    again = manager.open(cookie.value)
    assert again["logto.signIns"] == {"s": {}} and again.lifetime == 60
    assert manager.save(again, hadCookie=True) is None, "an unchanged session is not written"

    again["logto.idToken"] = "eyJ..."
    again.renew()
    again.setLifetime(None)
    renewed = manager.save(again, hadCookie=True)
    assert renewed.value != cookie.value and renewed.maxAge == 3600
    assert manager.open(cookie.value).new, "the old id is gone"
    assert manager.open(renewed.value)["logto.idToken"] == "eyJ..."

    ended = manager.open(renewed.value)
    ended.end()
    assert manager.save(ended, hadCookie=True).value is None and len(store) == 0


def test_late_tokens_are_saved_onto_the_stored_record_only_when_newer():
    import asyncio

    store = MemorySessionStore(quiet=True)
    manager = SessionManager(store, settings())
    session = manager.open(None)
    session.update({"logto.refreshToken": "r1", "logto.refreshTokenAt": 1, "app.note": "old"})
    cookie = manager.save(session, hadCookie=False)
    late = manager.open(cookie.value)
    # The next request of the browser changed the app's data; then the first request's core call,
    # given up on, lands with a rotated token.
    following = manager.open(cookie.value)
    following["app.note"] = "new"
    manager.save(following, hadCookie=True)
    late.update({"logto.refreshToken": "r2", "logto.refreshTokenAt": 2})
    asyncio.run(manager.persistTokensAsync(late))
    stored = store.load(cookie.value)["d"]
    assert stored["logto.refreshToken"] == "r2" and stored["app.note"] == "new", stored
    late.update({"logto.refreshToken": "r1", "logto.refreshTokenAt": 1})
    asyncio.run(manager.persistTokensAsync(late))
    assert store.load(cookie.value)["d"]["logto.refreshToken"] == "r2", "an older token never wins"


def test_unknown_or_forged_cookies_are_dropped():
    store = MemorySessionStore(quiet=True)
    manager = SessionManager(store, settings())
    for cookie in ["x" * 43, "not an id", "../../etc", "a" * 200]:
        session = manager.open(cookie)
        assert session.new and not session
        update = manager.save(session, hadCookie=True)
        assert update is not None and update.value is None, "a stale cookie is removed"


def test_memory_store_expires_and_bounds_entries():
    store = MemorySessionStore(maxEntries=3, quiet=True)
    store.save("a", {"d": {}}, ttl=1)
    assert store.load("a") == {"d": {}}
    store._entries["a"] = (time.monotonic() - 1, store._entries["a"][1])
    assert store.load("a") is None
    for key in "bcde":
        store.save(key, {"d": {"k": key}}, ttl=60)
    assert len(store) == 3 and store.load("b") is None and store.load("e") == {"d": {"k": "e"}}


def test_memory_store_says_it_is_for_development(caplog):
    with caplog.at_level("WARNING", logger="logto.web"):
        MemorySessionStore()
    assert "development only" in caplog.text


def test_a_shared_store_without_shared_coordination_is_warned_about(caplog, redis_server):
    store = RedisSessionStore(redis_server.url, prefix="test-warn:")
    with caplog.at_level("WARNING", logger="logto"):
        SessionManager(store, settings())
    assert "set redisUrl" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="logto"):
        SessionManager(store, settings(redisUrl=redis_server.url))
        SessionManager(MemorySessionStore(quiet=True), settings())
    assert "coordinated in this process only" not in caplog.text


def test_redis_store_keeps_json_with_a_ttl(redis_server):
    store = RedisSessionStore(redis_server.url, prefix="test:")
    store.save("abc", {"d": {"logto.idToken": "t"}, "t": None}, ttl=120)
    raw = redis_server.client.get("test:abc")
    assert json.loads(raw) == {"d": {"logto.idToken": "t"}, "t": None}
    assert 100 < redis_server.client.ttl("test:abc") <= 120
    assert store.load("abc")["d"]["logto.idToken"] == "t"
    redis_server.client.set("test:bad", b"\x80not json")
    assert store.load("bad") is None
    store.delete("abc")
    assert store.load("abc") is None


def test_redis_store_async(redis_server):
    import asyncio

    store = RedisSessionStore(redis_server.url, prefix="test-async:")

    async def run():
        await store.saveAsync("id", {"d": {"k": "v"}}, ttl=60)
        assert (await store.loadAsync("id"))["d"] == {"k": "v"}
        await store.deleteAsync("id")
        assert await store.loadAsync("id") is None

    asyncio.run(run())
    asyncio.run(run())  # another event loop: another connection pool


def test_redis_store_failure_is_a_storage_error():
    store = RedisSessionStore("redis://127.0.0.1:1/0")
    with pytest.raises(LogtoException) as caught:
        store.load("x")
    assert caught.value.kind == "storage"


# -- per-state sign-ins -------------------------------------------------------------------------


def test_sign_ins_are_kept_per_state_and_bounded():
    session = ServerSession()
    for index in range(MAX_PENDING_SIGN_INS + 2):
        PendingSignIns.keep(session, f"state-{index}", f'{{"state":"state-{index}"}}', None, lifetime=600)
    assert len(session[SIGN_INS]) == MAX_PENDING_SIGN_INS
    assert "state-0" not in session[SIGN_INS] and f"state-{MAX_PENDING_SIGN_INS + 1}" in session[SIGN_INS]

    storage = SessionStorage(session, state="state-3")
    assert storage.get("signInSession") == '{"state":"state-3"}'
    storage.delete("signInSession")
    assert "state-3" not in session[SIGN_INS] and "state-4" in session[SIGN_INS]
    assert SessionStorage(session, state="forged").get("signInSession") is None
    assert SessionStorage(session).get("signInSession") is None


def test_expired_sign_ins_are_not_used():
    session = ServerSession()
    PendingSignIns.keep(session, "old", "{}", None, lifetime=600)
    session[SIGN_INS]["old"]["t"] -= 601
    assert SessionStorage(session, state="old", signInLifetime=600).get("signInSession") is None


def test_tokens_live_under_a_prefix_and_the_session_notices_changes():
    session = ServerSession()
    storage = SessionStorage(session)
    storage.set("idToken", "t")
    assert session == {"logto.idToken": "t"} and session.modified
    session.modified = False
    storage.set("idToken", "t")
    assert not session.modified, "an unchanged value is not a change"
    storage.delete("idToken")
    assert session == {} and session.modified
    assert "secret-token" not in repr(ServerSession(data={"logto.idToken": "secret-token"}))


# -- errors -------------------------------------------------------------------------------------


def test_error_answers_take_the_exception_status():
    from logto.LogtoException import LogtoNetworkError, LogtoSignInRequired, LogtoStateMismatch

    for cls, status in [(LogtoStateMismatch, 400), (LogtoNetworkError, 502)]:
        error = cls.__new__(cls)
        Exception.__init__(error, "http://10.0.0.1:6379/internal failed")
        error.http_status = status
        error.kind = "callback" if status == 400 else "network"
        page = errorPage(error)
        assert page.status == status
        assert ("10.0.0.1" in page.html) == (status < 500), "server-side details stay in the log"
    signed_out = LogtoSignInRequired.__new__(LogtoSignInRequired)
    signed_out.kind = "sign_in_required"
    assert isSignedOut(signed_out) and not isSignedOut(ValueError())


# -- the lean async Redis client ------------------------------------------------------------------


def test_lean_async_redis_commands_pipelining_and_errors(redis_server):
    import asyncio

    from logto.web.redis_async import LeanAsyncRedis, RedisReplyError

    async def run():
        client = LeanAsyncRedis(redis_server.url.replace("/0", "/3"))
        await client.set("lean:k", "v" * 5000, ex=60)
        assert await client.get("lean:k") == b"v" * 5000
        assert await client.get("lean:missing") is None
        # Many coroutines at once on one connection: each gets its own reply.
        await asyncio.gather(*(client.set(f"lean:{i}", str(i), ex=60) for i in range(200)))
        values = await asyncio.gather(*(client.get(f"lean:{i}") for i in range(200)))
        assert values == [str(i).encode() for i in range(200)]
        with pytest.raises(RedisReplyError):
            await client.execute("NOSUCHCOMMAND")
        assert await client.get("lean:1") == b"1", "an error reply keeps the connection in order"
        # The server drops the connection: the next command connects again.
        redis_server.client.execute_command("CLIENT", "KILL", "TYPE", "normal")  # every other client
        await asyncio.sleep(0.05)
        assert await client.get("lean:2") == b"2"
        redis_server.client.execute_command("CLIENT", "KILL", "TYPE", "normal")
        assert await client.get("lean:3") == b"3", "a connection found dead on use is replaced once"
        await client.delete("lean:k")
        assert await client.get("lean:k") is None
        await client.close()

    asyncio.run(run())
    import redis

    assert redis_server.client.get("lean:1") is None, "db 3 was used, not db 0"

    assert redis.Redis.from_url(redis_server.url.replace("/0", "/3")).get("lean:1") == b"1"


def test_lean_async_redis_authenticates(tmp_path):
    import asyncio
    import subprocess

    from conftest import free_port
    from logto.web.redis_async import LeanAsyncRedis

    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--requirepass", "p@ss word"],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        probe = redis.Redis(port=port, password="p@ss word")
        deadline = time.monotonic() + 10
        while True:
            try:
                probe.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)

        async def run(url):
            client = LeanAsyncRedis(url)
            await client.set("k", "v", ex=10)
            return await client.get("k")

        assert asyncio.run(run(f"redis://:p%40ss%20word@127.0.0.1:{port}/0")) == b"v"
        with pytest.raises(Exception, match="(?i)auth|pass"):
            asyncio.run(run(f"redis://:wrong@127.0.0.1:{port}/0"))
    finally:
        server.terminate()
        server.wait(timeout=5)


def test_lean_async_redis_times_out_and_fails_when_down():
    import asyncio
    import socket

    from logto.web.redis_async import LeanAsyncRedis

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        client = LeanAsyncRedis(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", timeout=0.3)
        with pytest.raises(TimeoutError):
            asyncio.run(client.get("k"))
    finally:
        silent.close()
    from conftest import free_port

    with pytest.raises(OSError):
        asyncio.run(LeanAsyncRedis(f"redis://127.0.0.1:{free_port()}/0").get("k"))
    assert not LeanAsyncRedis.supports("unix:///tmp/redis.sock") and not LeanAsyncRedis.supports("redis://h/0?ssl_cert_reqs=none")


# -- refresh-token stamps and rotation-safe saves --------------------------------------------------


def test_refresh_token_writes_are_stamped_and_told_to_the_session():
    session = ServerSession("a" * 43, {})
    told = []
    session.whenTokensChange = lambda: told.append(True)
    storage = SessionStorage(session)
    storage.set("idToken", "i1")
    assert "logto.refreshTokenAt" not in session and not told, "only the refresh token is stamped"
    storage.set("refreshToken", "r1")
    first = session["logto.refreshTokenAt"]
    assert told == [True] and session.tokensDirty
    storage.set("refreshToken", "r1")
    assert told == [True], "an unchanged token is no rotation"
    time.sleep(0.002)
    storage.delete("refreshToken")
    assert session["logto.refreshTokenAt"] > first and told == [True, True], "a removal is stamped too"
    # A sign-in's callback (bound to a state) writes into a session about to be renewed: not saved at once.
    callback = SessionStorage(ServerSession("b" * 43, {}), state="s1")
    callback.set("refreshToken", "r9")
    assert callback.session.tokensDirty is False and "logto.refreshTokenAt" in callback.session


def test_a_stale_copy_keeps_the_stored_newer_tokens_and_its_own_values():
    manager = SessionManager(MemorySessionStore(quiet=True), settings())
    sid = "c" * 43
    manager.store.save(sid, {"d": {"logto.refreshToken": "r1", "logto.refreshTokenAt": 1, "n": 0}, "t": None}, 60)
    stale, current = manager.open(sid), manager.open(sid)
    SessionStorage(current).set("refreshToken", "r2")  # a refresh in another request, saved at once
    manager.persist(current)
    assert manager.store.load(sid)["d"]["logto.refreshToken"] == "r2" and not current.tokensDirty
    stale["n"] = 1  # the stale request saves its copy for a reason of its own
    manager.save(stale, hadCookie=True)
    data = manager.store.load(sid)["d"]
    assert data["logto.refreshToken"] == "r2" and data["n"] == 1
    # A newer write of its own wins.
    newer = manager.open(sid)
    SessionStorage(newer).set("refreshToken", "r3")
    manager.save(newer, hadCookie=True)
    assert manager.store.load(sid)["d"]["logto.refreshToken"] == "r3"
    # A copy without a stamp (written before stamps existed) is older than any stamped one.
    from logto.web.tokens import keepNewerTokens

    assert keepNewerTokens({"logto.refreshToken": "old"}, {"logto.refreshToken": "r3", "logto.refreshTokenAt": 5})["logto.refreshToken"] == "r3"
    assert keepNewerTokens({"logto.refreshToken": "x", "logto.refreshTokenAt": 9}, {"logto.refreshTokenAt": 5}) == {
        "logto.refreshToken": "x",
        "logto.refreshTokenAt": 9,
    }
    # Removed (signed out) in the newer copy: the stale copy's tokens are dropped.
    assert keepNewerTokens({"logto.refreshToken": "x", "logto.refreshTokenAt": 1, "n": 1}, {"logto.refreshTokenAt": 5}) == {
        "logto.refreshTokenAt": 5,
        "n": 1,
    }


def test_a_session_without_a_settled_id_is_not_persisted_early():
    manager = SessionManager(MemorySessionStore(quiet=True), settings())
    fresh = manager.open(None)
    fresh["logto.refreshToken"] = "r"
    manager.persist(fresh)
    assert len(manager.store) == 0
    renewed = ServerSession("d" * 43, {"logto.refreshToken": "r"})
    renewed.renew()
    manager.persist(renewed)
    assert len(manager.store) == 0


def test_logout_tokens_are_read_from_form_bodies_only():
    from logto.web.backchannel import MAX_BODY, logoutTokenOf

    assert logoutTokenOf("application/x-www-form-urlencoded", b"logout_token=a.b.c") == "a.b.c"
    assert logoutTokenOf("Application/X-WWW-Form-Urlencoded; charset=utf-8", b"x=1&logout_token=t") == "t"
    assert logoutTokenOf("application/json", b'{"logout_token":"t"}') is None
    assert logoutTokenOf(None, b"logout_token=t") is None
    assert logoutTokenOf("application/x-www-form-urlencoded", b"logout_token=" + b"a" * MAX_BODY) is None
    assert logoutTokenOf("application/x-www-form-urlencoded", b"other=1") is None


def test_settings_pass_back_channel_logout_and_leeway_to_the_client():
    config = settings(backchannelLogout=True, leeway=5).logtoConfig()
    assert config.backchannelLogout is True and config.leeway == 5
    assert settings().backchannelLogoutPath == "/backchannel-logout"
    with pytest.raises(LogtoConfigError):
        settings(backchannelLogoutPath="backchannel")


def test_a_stale_copy_does_not_undo_a_sign_out():
    manager = SessionManager(MemorySessionStore(quiet=True), settings())
    sid = "e" * 43
    manager.store.save(sid, {"d": {"logto.refreshToken": "r1", "logto.idToken": "i1", "logto.refreshTokenAt": 1, "n": 0}, "t": None}, 60)
    stale = manager.open(sid)
    manager.store.delete(sid)  # another request signed out
    SessionStorage(stale).set("refreshToken", "r2")  # the stale request refreshed meanwhile
    manager.persist(stale)
    assert manager.store.load(sid) is None, "not brought back in the middle of the request"
    stale["n"] = 1
    manager.save(stale, hadCookie=True)
    assert manager.store.load(sid)["d"] == {"n": 1}, "its own values are saved, its tokens are not"


def test_sign_in_routes_name_the_missing_session_layer(caplog):
    """The sign-in routes need the integration's own server-side sessions: under another
    session layer they answer 500 and the log says what to set up (not a crash in the route)."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    from logto.fastapi import LogtoFastAPI
    from logto.flask import LogtoFlask

    flaskApp = Flask("misconfigured")
    flaskApp.secret_key = "k" * 32
    LogtoFlask(flaskApp, settings(), store=MemorySessionStore(quiet=True))
    flaskApp.session_interface = SecureCookieSessionInterface()
    fastApp = FastAPI()
    fastApp.include_router(LogtoFastAPI(settings(), store=MemorySessionStore(quiet=True)).router)  # no init_app
    with caplog.at_level("ERROR", logger="logto.web"):
        flaskAnswer = flaskApp.test_client().get("/sign-in")
        fastAnswer = TestClient(fastApp).get("/sign-in", follow_redirects=False)
    assert (flaskAnswer.status_code, fastAnswer.status_code) == (500, 500)
    assert "logto.flask needs its session interface" in caplog.text
    assert "logto.fastapi needs its ServerSessionMiddleware" in caplog.text
