"""`logto.flask`, `logto.django` and `logto.fastapi` through their samples and each framework's
own test client, against the test identity server, with sessions in a real Redis.

Each test runs once per framework: the sign-in walk, the session cookie (opaque id, no token,
HttpOnly, SameSite=Lax, renewed at sign-in), two tabs signing in at once, return-to, sign-out
rules, a grant revoked at the server and callback errors."""

import json
from typing import Any, Dict
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from conftest import API_RESOURCE, CONFIDENTIAL_ID, CONFIDENTIAL_SECRET, DEMO_SUB, free_port
from webapps import COOKIE, Browser, DjangoBrowser, FastApiBrowser, FlaskBrowser, parseSetCookie

FRAMEWORKS = ["flask", "fastapi", "django"]


def build(framework: str, idp: Any, **settings: Any) -> Browser:
    options: Dict[str, Any] = {
        "endpoint": idp.endpoint,
        "appId": CONFIDENTIAL_ID,
        "appSecret": CONFIDENTIAL_SECRET,
        "baseUrl": f"http://127.0.0.1:{free_port()}",
    }
    options.update(settings)
    if framework == "flask":
        from samples.flask_app import create_app

        app = create_app(**options)
        app.config["TESTING"] = True
        return FlaskBrowser(app, options["baseUrl"])
    if framework == "fastapi":
        from samples.fastapi_app import create_app as create_fastapi

        return FastApiBrowser(create_fastapi(**options), options["baseUrl"])
    from samples.django_app import configure

    configure(**options)
    return DjangoBrowser(None, options["baseUrl"])


@pytest.fixture(params=FRAMEWORKS)
def framework(request):
    return request.param


@pytest.fixture
def make(framework, idp, redis_server):
    def factory(**settings: Any) -> Browser:
        settings.setdefault("redisUrl", redis_server.url)
        return build(framework, idp, **settings)

    return factory


def sign_in(browser: Browser, idp: Any, path: str = "/sign-in") -> str:
    """Signs in through `path`; returns where the callback sent the browser."""
    start = browser.get(path)
    assert start.status == 302, start.text
    callback = browser.get(browser.local(idp.login(start.location)))
    assert callback.status == 302, callback.text
    return callback.location


def max_age(headers) -> int:
    """The Max-Age of the session cookie among `Set-Cookie` headers."""
    for header in headers:
        for name, morsel in parseSetCookie(header).items():
            if name == COOKIE:
                return int(morsel["max-age"])
    raise AssertionError(f"no session cookie in {headers}")


def same_origin(browser: Browser) -> Dict[str, str]:
    return {"Origin": browser.baseUrl}


def test_sign_in_walk(make, idp, redis_server):
    browser = make()
    home = browser.get("/")
    assert home.status == 200 and "Not authenticated" in home.text
    assert browser.cookie() is None, "a visitor who stored nothing gets no session"

    # A protected page sends a signed-out visitor to sign-in, and back afterwards.
    protected = browser.get("/protected?tab=claims")
    assert protected.status == 302 and protected.location.startswith(browser.baseUrl + "/sign-in?return_to=")
    start = browser.get(protected.location)
    assert start.status == 302 and start.location.startswith(idp.endpoint + "/oidc/auth?")
    query = parse_qs(urlsplit(start.location).query)
    assert query["redirect_uri"] == [browser.baseUrl + "/callback"]
    before = browser.cookie()
    assert before is not None
    # While the sign-in is in progress, the session is short-lived: cookie and server record.
    assert 0 < max_age(start.setCookies) <= 600
    # The same store and key in every face (Django's own session is the project's).
    assert 0 < redis_server.client.ttl("logto:session:{" + before + "}") <= 600

    callback = browser.get(browser.local(idp.login(start.location)))
    assert callback.status == 302 and callback.location == "/protected?tab=claims"
    after = browser.cookie()
    assert after and after != before, "the session id is renewed at sign-in"
    assert max_age(callback.setCookies) >= 7 * 24 * 3600, "a signed-in session gets the full lifetime"
    assert redis_server.client.ttl("logto:session:{" + after + "}") > 600
    assert not redis_server.client.exists("logto:session:{" + before + "}"), "the old id is gone"

    page = browser.get("/protected")
    assert page.status == 200 and DEMO_SUB in page.text and "demo@example.com" in page.text
    home = browser.get("/")
    assert "Signed in as" in home.text and "Demo User" in home.text

    userinfo = browser.get("/protected/userinfo")
    assert userinfo.status == 200 and '&quot;plan&quot;: &quot;pro&quot;' in userinfo.text and "gh-123" in userinfo.text

    organizations = browser.get("/protected/organizations")
    assert organizations.status == 200
    assert "org-acme" in organizations.text and "urn:logto:organization:org-acme" in organizations.text

    sign_out = browser.post("/sign-out", same_origin(browser))
    assert sign_out.status == 302 and sign_out.location.startswith(idp.endpoint + "/oidc/session/end")
    assert idp.logout(sign_out.location) == browser.baseUrl + "/"
    assert browser.cookie() is None
    assert "Not authenticated" in browser.get("/").text
    assert browser.get("/protected").status == 302


def test_cookie_holds_only_an_opaque_id(make, idp, redis_server):
    browser = make()
    headers = []
    start = browser.get("/sign-in")
    headers += start.setCookies
    callback = browser.get(browser.local(idp.login(start.location)))
    headers += callback.setCookies
    headers += browser.get("/protected/organizations").setCookies
    assert headers, "the session cookie was set"
    for header in headers:
        cookie = parseSetCookie(header)
        for name, morsel in cookie.items():
            assert "eyJ" not in morsel.value and len(morsel.value) < 100, f"{name} carries data"
            assert morsel["httponly"], header
            assert morsel["samesite"].lower() == "lax", header
            assert not morsel["secure"], "http base URL: not Secure"
    session_id = browser.cookie()
    # The tokens are on the server.
    record = json.loads(redis_server.client.hget("logto:session:{" + session_id + "}", "d"))
    assert record["tokens"]["idToken"].startswith("eyJ") and record["tokens"]["refreshToken"]


def test_secure_cookie_on_https(make, idp):
    browser = make(baseUrl=f"https://127.0.0.1:{free_port()}")
    start = browser.get("/sign-in")
    assert start.status == 302
    morsel = next(iter(parseSetCookie(start.setCookies[-1]).values()))
    assert morsel["secure"], "https base URL: Secure cookie"


def test_two_tabs_sign_in_at_once(make, idp):
    browser = make()
    first = browser.get("/sign-in?return_to=/protected")
    second = browser.get("/sign-in?return_to=/protected/organizations")
    assert first.status == second.status == 302
    first_callback = idp.login(first.location)
    second_callback = idp.login(second.location)
    # The later sign-in finishes first; the earlier one still succeeds afterwards.
    done = browser.get(browser.local(second_callback))
    assert done.status == 302 and done.location == "/protected/organizations"
    done = browser.get(browser.local(first_callback))
    assert done.status == 302 and done.location == "/protected", done.text
    assert DEMO_SUB in browser.get("/protected").text


def test_callback_after_signed_in_elsewhere_goes_on(make, idp):
    browser = make()
    first = browser.get("/sign-in")
    callback = idp.login(first.location)
    assert browser.get(browser.local(callback)).status == 302
    again = browser.get(browser.local(callback))  # a reload of the callback page
    assert again.status == 302 and again.location == "/"


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/protected/userinfo?x=1", "/protected/userinfo?x=1"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/%09/evil.example", "/%09/evil.example"),
    ],
)
def test_return_to_is_local_only(make, idp, target, expected):
    from urllib.parse import quote

    browser = make()
    assert sign_in(browser, idp, "/sign-in?return_to=" + quote(target, safe="")) == expected


def test_return_to_with_a_control_character_is_refused(make, idp):
    browser = make()
    assert sign_in(browser, idp, "/sign-in?return_to=/%09/evil.example") == "/"
    assert sign_in(browser.fresh(), idp, "/sign-in?return_to=%2F%0D%0ALocation:x") == "/"


def test_sign_up_opens_the_register_screen(make, idp):
    browser = make()
    start = browser.get("/sign-up")
    assert start.status == 302
    assert parse_qs(urlsplit(start.location).query)["first_screen"] == ["register"]


def test_sign_out_is_post_from_this_site(make, idp):
    browser = make()
    sign_in(browser, idp)
    assert browser.get("/sign-out").status == 405
    refused = browser.post("/sign-out", {"Origin": "https://evil.example"})
    assert refused.status == 403
    assert browser.post("/sign-out", {"Sec-Fetch-Site": "cross-site"}).status == 403
    assert "Signed in as" in browser.get("/").text, "a refused sign-out leaves the session alone"
    assert browser.post("/sign-out", {"Sec-Fetch-Site": "same-origin"}).status == 302
    assert "Not authenticated" in browser.get("/").text


def test_sign_out_on_get_when_allowed(make, idp):
    browser = make(signOutOnGet=True)
    sign_in(browser, idp)
    answer = browser.get("/sign-out")
    assert answer.status == 302 and answer.location.startswith(idp.endpoint)
    assert "Not authenticated" in browser.get("/").text


def test_revoked_grant_signs_the_user_out(make, idp):
    browser = make()
    sign_in(browser, idp)
    assert requests.post(f"{idp.endpoint}/__test/revoke-grants", params={"sub": DEMO_SUB}, timeout=10).json()["revoked"] >= 1
    # The organization tokens need a refresh, which the server refuses: signed out, not an error.
    page = browser.get("/protected/organizations")
    assert page.status == 302 and page.location.startswith(browser.baseUrl + "/sign-in"), page.text
    assert "Not authenticated" in browser.get("/").text
    assert browser.get("/protected").status == 302, "no loop: the session stays signed out"
    # Signing in again works.
    assert sign_in(browser, idp) == "/"
    assert DEMO_SUB in browser.get("/protected").text


def test_forged_callback_is_a_400_page(make, idp):
    browser = make()
    browser.get("/sign-in")
    answer = browser.get("/callback?code=abc&state=forged")
    assert answer.status == 400 and "auth-error" in answer.text
    assert "Not authenticated" in browser.get("/").text


def test_denied_sign_in_is_a_403_page(make, idp):
    browser = make()
    start = browser.get("/sign-in")
    state = parse_qs(urlsplit(start.location).query)["state"][0]
    answer = browser.get(f"/callback?error=access_denied&state={state}&iss={idp.issuer}")
    assert answer.status == 403 and "access_denied" in answer.text


def test_unauthenticated_api_answers_401(make, idp):
    browser = make()
    missing = browser.get("/api/data")
    assert missing.status == 401 and "error" not in json.loads(missing.text), "no token: no error code (RFC 6750 3.1)"
    forged = browser.get("/api/data", {"Authorization": "Bearer not.a.token"})
    assert forged.status == 401 and json.loads(forged.text)["error"] == "invalid_token"


def test_api_call_with_an_access_token(framework, idp, redis_server):
    """The API page calls the sample's API over HTTP with the user's access token."""
    from webapps import Served

    api_browser = build(framework, idp, redisUrl=redis_server.url)
    served = Served(api_browser.app if framework != "django" else _django_wsgi(), asgi=framework == "fastapi")
    try:
        import os

        os.environ["API_URL"] = served.url + "/api/data"
        browser = build(framework, idp, redisUrl=redis_server.url)
        sign_in(browser, idp)
        page = browser.get("/protected/api")
        assert page.status == 200 and "HTTP 200" in page.text, page.text
        assert "hello from the API" in page.text and DEMO_SUB in page.text and API_RESOURCE in page.text
        assert "read:data" in page.text

        # The API refuses what is not an access token for it with `read:data`, with the challenge.
        from logto import LogtoConfig
        from logto.sync import LogtoClient

        def token_for(scopes):
            client = LogtoClient(
                LogtoConfig(endpoint=idp.endpoint, appId=CONFIDENTIAL_ID, appSecret=CONFIDENTIAL_SECRET, scopes=scopes, resources=[API_RESOURCE])
            )
            client.handleSignInCallback(idp.login(client.signIn(f"http://127.0.0.1:{free_port()}/callback")))
            return client

        def call(token):
            return requests.get(served.url + "/api/data", headers={"Authorization": f"Bearer {token}"}, timeout=10)

        without_scope = token_for([])
        answer = call(without_scope.getAccessToken(API_RESOURCE))
        assert answer.status_code == 403 and answer.json()["error"] == "insufficient_scope"
        assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]
        answer = call(without_scope.getIdToken())
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert call(token_for(["read:data"]).getAccessToken(API_RESOURCE)).status_code == 200
    finally:
        os.environ.pop("API_URL", None)
        served.stop()


def _django_wsgi():
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_app_instances_share_sessions_on_one_redis(framework, idp, redis_server):
    """Two instances of the app (as behind a load balancer) on one Redis: a session started on
    one is signed in on the other, and a sign-out on the other ends it for both."""
    base = f"http://127.0.0.1:{free_port()}"
    first = build(framework, idp, redisUrl=redis_server.url, baseUrl=base)
    second = build(framework, idp, redisUrl=redis_server.url, baseUrl=base)
    start = first.get("/sign-in")
    second.setCookie(first.cookie())
    done = second.get(second.local(idp.login(start.location)))  # the callback lands on the other instance
    assert done.status == 302 and done.location == "/", done.text
    first.setCookie(second.cookie())
    assert DEMO_SUB in first.get("/protected").text
    assert second.post("/sign-out", same_origin(second)).status == 302
    assert first.get("/protected").status == 302


def test_many_threads_share_one_client(idp, redis_server):
    """The Flask sample served by a threaded server: several users' requests at once, each
    answered with its own session (one client per process, bound per request)."""
    from concurrent.futures import ThreadPoolExecutor

    from webapps import Served

    import re

    port = free_port()
    browser = build("flask", idp, redisUrl=redis_server.url, baseUrl=f"http://127.0.0.1:{port}")
    served = Served(browser.app, port=port)
    try:
        users = []
        for _ in range(4):
            session = requests.Session()
            start = session.get(served.url + "/sign-in", allow_redirects=False)
            callback = idp.login(start.headers["location"])
            assert session.get(callback, allow_redirects=False).status_code == 302
            users.append(session)

        def visit(session):
            page = session.get(served.url + "/protected/organizations", timeout=30)
            return page.status_code, bool(re.search("org-acme", page.text))

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(visit, users * 6))
        assert answers == [(200, True)] * len(answers)
    finally:
        served.stop()


def test_django_keeps_tokens_out_of_its_own_session(idp, redis_server):
    # The tokens are the core's, under their own cookie: any SESSION_ENGINE is fine, even the
    # signed-cookie one, since Django's session never holds a token.
    from django.test import override_settings

    build("django", idp, redisUrl=redis_server.url)
    from logto.django.integration import checkSettings

    assert not [message for message in checkSettings() if message.is_serious()]
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
        assert not [message for message in checkSettings() if message.is_serious()]


def test_sign_out_without_a_session_is_harmless(make, idp):
    browser = make()
    answer = browser.post("/sign-out", same_origin(browser))
    assert answer.status == 302 and answer.location.startswith(idp.endpoint + "/oidc/session/end")
    assert browser.cookie() is None


def test_a_store_that_is_down_answers_503(framework, idp):
    # Every face answers the core's 503 page when the session cannot be opened, not a crash.
    from conftest import RedisServer

    server = RedisServer()
    browser = build(framework, idp, redisUrl=server.url)
    assert browser.get("/").status == 200  # Django builds its integration at the first request
    browser.setCookie("a" * 43)
    server.stop()
    answer = browser.get("/")
    assert answer.status == 503 and 'id="auth-error"' in answer.text, (answer.status, answer.text[:200])


def test_the_first_session_cookie_wins(make, idp):
    # A second cookie of the same name (another path, a sibling domain) never wins, in every
    # face (axum reads the first too).
    browser = make()
    sign_in(browser, idp)
    planted = "b" * 43
    for header in (f"logto_session={browser.cookie()}; logto_session={planted}", f"other=1; logto_session={browser.cookie()}"):
        if browser.framework == "flask":  # Werkzeug's test client replaces a Cookie header with its jar
            status = browser.app.test_client(use_cookies=False).get("/protected", headers={"Cookie": header}).status_code
        else:
            status = browser.fresh().get("/protected", {"Cookie": header}).status
        assert status == 200, header
