"""The framework-agnostic pieces of `logto.web`: settings, return-to validation, the server-side
session life cycle (ids, lifetimes, deletion), the stores (memory and a real Redis), the
per-state sign-in storage and error answers."""

import json
import time

import pytest

from logto import LogtoException
from logto.LogtoException import LogtoConfigError
from logto.web import WebSettings, errorPage, isLocalPath, isSignedOut


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


@pytest.mark.parametrize(
    "baseUrl, origin, secFetchSite, allowed",
    [
        ("https://app.example.com:443", "https://app.example.com", None, True),
        ("https://app.example.com", "https://APP.example.com", None, True),
        ("http://app.example.com:80/prefix", "http://app.example.com", None, True),
        ("https://app.example.com:8443", "https://app.example.com", None, False),
        ("https://app.example.com", "https://evil.example", None, False),
        ("https://app.example.com", "null", None, False),
        ("https://app.example.com", None, "cross-site", False),
        ("https://app.example.com", None, "same-origin", True),
        ("https://app.example.com", None, None, True),
    ],
)
def test_sign_out_origin_is_the_cores_rule(baseUrl, origin, secFetchSite, allowed):
    # One rule for every face: origins compared as origins, a default port in baseUrl included;
    # a refused sign-out is the core's 403 page and the session stays signed in.
    from logto import _core
    from logto.web import LogtoWeb

    assert _core.same_origin(baseUrl, origin, secFetchSite) is allowed
    web = LogtoWeb(settings(baseUrl=baseUrl))
    answer = web.drive.signOut(web.drive.open(None), "POST", origin, secFetchSite)
    assert (answer.status == 403) is (not allowed), "refused only when cross-site (allowed: on to Logto, unreachable here)"


@pytest.mark.parametrize(
    "target, local",
    [("/protected?x=1", True), ("//evil.example", False), ("/\\evil.example", False), ("/\t/evil.example", False),
     ("javascript:alert(1)", False), ("https://evil.example/", False), ("", False), (None, False)],
)
def test_return_to_is_the_cores_rule(target, local):
    assert isLocalPath(target) is local


def test_fastapi_answers_a_signed_out_json_request_as_the_other_faces():
    # The same body as Flask's and Django's decorators and axum's JsonUnauthorized.
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient

    from logto.fastapi import LogtoFastAPI

    app = FastAPI()
    logto = LogtoFastAPI(settings())
    logto.init_app(app)

    @app.get("/api/me")
    async def me(user=Depends(logto.requireUser(redirect=False))):  # noqa: B008
        return {"sub": user.sub}

    answer = TestClient(app).get("/api/me")
    assert answer.status_code == 401 and answer.json() == {"error": "Not authenticated"}


# -- the core's sessions, as the faces drive them ---------------------------------------------


def test_a_session_round_trips_its_app_values_and_its_cookie():
    from logto.web import LogtoWeb

    web = LogtoWeb(settings())
    fresh = web.drive.open(None)
    assert web.drive.finish(fresh) is None, "nothing stored, no cookie"
    fresh.app["cart"] = [1, 2]
    setCookie = web.drive.finish(fresh)
    assert setCookie is not None and setCookie.startswith("logto_session=")
    assert all(part in setCookie for part in ("HttpOnly", "SameSite=Lax", "Secure", "Path=/"))
    sessionId = setCookie.split(";")[0].split("=", 1)[1]
    assert len(sessionId) == 43
    again = web.drive.open(sessionId)
    assert dict(again.app) == {"cart": [1, 2]}
    assert web.drive.finish(again) is None, "unchanged: the cookie stays"
    again.app.clear()
    assert "Max-Age=0" in (web.drive.finish(again) or ""), "emptied: the record and the cookie go"
    stale = web.drive.open(sessionId)
    assert dict(stale.app) == {}
    # An id the store does not know is left alone: it may belong to a request that left before a
    # renewal's cookie arrived, and removing it would remove the renewed one.
    assert web.drive.finish(stale) is None


def test_sessions_live_in_redis_under_their_id(redis_server):
    from logto.web import LogtoWeb

    web = LogtoWeb(settings(redisUrl=redis_server.url))
    current = web.drive.open(None)
    current.app["n"] = 1
    sessionId = (web.drive.finish(current) or "").split(";")[0].split("=", 1)[1]
    key = "logto:session:{" + sessionId + "}"
    assert json.loads(redis_server.client.hget(key, "d")) == {"app": {"n": 1}}
    assert int(redis_server.client.hget(key, "v")) == 1 and redis_server.client.ttl(key) > 0


def test_a_store_that_is_down_is_a_storage_error():
    from conftest import RedisServer

    from logto.web import LogtoWeb

    server = RedisServer()
    web = LogtoWeb(settings(redisUrl=server.url))
    server.stop()
    with pytest.raises(LogtoException) as failure:
        web.drive.open("a" * 43)
    assert failure.value.http_status == 503
