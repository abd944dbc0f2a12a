"""Whether a request is signed in, decided by the core, in every framework integration, through
each framework's own test client against the test identity server (short-lived ID and access
tokens, no refresh-token reuse grace: any reuse of a rotated token revokes the grant), with
sessions in a real Redis:

- an expired ID token is renewed on the next page; a session whose grant was revoked is signed
  out there (a redirect to sign-in, no error, no loop);
- back-channel logout: Logto's logout token, posted to the integration's route, signs the
  session out on its next page; forged, missing and replayed tokens get 400;
- a rotated refresh token survives a view that fails after the refresh (500), and a stale copy
  of the session saved by a concurrent request.
"""

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List
from urllib.parse import parse_qs

import pytest
import requests

from conftest import CONFIDENTIAL_ID, DEMO_SUB, PUBLIC_ID, TestIdp, free_port
from extra_routes import GATE, NOTE, ViewFailed, addRoutes
from test_web_integrations import FRAMEWORKS, build, sign_in
from webapps import Browser

ID_TOKEN_TTL = 2


@pytest.fixture(scope="module")
def short_idp():
    server = TestIdp(
        args=[
            "--id-token-ttl", str(ID_TOKEN_TTL),
            "--access-token-ttl", "2",
            "--refresh-token-reuse-interval-ms", "0",
        ]
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=FRAMEWORKS)
def framework(request):
    return request.param


def public(framework: str, idp: Any, redis_server: Any, **settings: Any) -> Browser:
    """The sample as a public client: Logto rotates its refresh token at every refresh."""
    return build(framework, idp, appId=PUBLIC_ID, appSecret=None, redisUrl=redis_server.url, **settings)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def stored(browser: Browser, redis_server: Any) -> Dict[str, Any]:
    """The browser's session as the store holds it (the core's record: one hash per session,
    its id the hash tag): the app's values, and the tokens as `logto.<key>`."""
    sessionId = browser.cookie()
    assert sessionId
    raw = redis_server.client.hget("logto:session:{" + sessionId + "}", "d")
    assert raw is not None, "the session is in Redis"
    record = json.loads(raw)
    return {**record.get("app", {}), **{"logto." + key: value for key, value in record.get("tokens", {}).items()}}


def refresh_requests(idp: Any) -> List[Dict[str, Any]]:
    return idp.token_requests()["refresh_requests"]


def assert_rotation_was_safe(idp: Any) -> None:
    """No refresh was refused, and no refresh token was ever presented twice."""
    statistics = idp.token_requests()
    assert statistics["by_outcome"].get("invalid_grant", 0) == 0, statistics["refresh_requests"]
    presented = [entry["refresh_token_sha256"] for entry in statistics["refresh_requests"]]
    assert len(presented) == len(set(presented)), "a refresh token was presented twice"


# -- 1. the signed-in state ---------------------------------------------------------------------


def wait_for_expiry(since: float) -> None:
    """Until every ID token issued before `since` has expired."""
    time.sleep(max(0.0, since + ID_TOKEN_TTL + 0.2 - time.time()))


def test_expired_id_token_is_renewed_then_a_revoked_grant_signs_out(short_idp, redis_server):
    """For each framework (one wait for all of them; Django has one configuration per process,
    so one user each): the ID token expires and is renewed on the next page; then the grant is
    revoked, and once the renewed ID token has expired the next page signs the user out."""
    # A leeway of 0: the ID token counts as expired as soon as it is.
    browsers = {framework: public(framework, short_idp, redis_server, leeway=0) for framework in FRAMEWORKS}
    for browser in browsers.values():
        sign_in(browser, short_idp)
        assert browser.get("/protected").status == 200
    wait_for_expiry(time.time())

    for framework, browser in browsers.items():
        short_idp.reset_token_requests()
        before = stored(browser, redis_server)["logto.idToken"]
        page = browser.get("/protected")
        assert page.status == 200 and DEMO_SUB in page.text, (framework, page.status, page.text[:300])
        assert short_idp.token_requests()["by_grant_type_and_outcome"] == {"refresh_token": {"ok": 1}}, framework
        after = stored(browser, redis_server)["logto.idToken"]
        assert after != before, f"{framework}: the renewed ID token is stored"
        # The ID-token page, not the home page: the home page also fetches the session's access tokens.
        assert DEMO_SUB in browser.get("/protected").text
        assert short_idp.token_requests()["total"] == 1, f"{framework}: the renewed ID token is used as is"
    renewed = time.time()

    grants = requests.post(f"{short_idp.endpoint}/__test/revoke-grants", params={"sub": DEMO_SUB}, timeout=10).json()
    assert grants["revoked"] >= len(FRAMEWORKS)
    # While the ID token is fresh, the page answers without asking Logto (the core's hot path).
    short_idp.reset_token_requests()
    assert all(browser.get("/protected").status == 200 for browser in browsers.values())
    assert short_idp.token_requests()["total"] == 0
    wait_for_expiry(renewed)

    for framework, browser in browsers.items():
        short_idp.reset_token_requests()
        page = browser.get("/protected")
        assert page.status == 302 and page.location.startswith(browser.baseUrl + "/sign-in?return_to="), (framework, page.status, page.text[:300])
        assert short_idp.token_requests()["by_grant_type_and_outcome"] == {"refresh_token": {"invalid_grant": 1}}
        if browser.cookie():
            assert "logto.refreshToken" not in stored(browser, redis_server)
        assert "Not authenticated" in browser.get("/").text
        assert browser.get("/protected").status == 302, f"{framework}: no loop, the session stays signed out"
        assert short_idp.token_requests()["total"] == 1, f"{framework}: the dead token is never sent again"
        assert sign_in(browser, short_idp) == "/"
        assert DEMO_SUB in browser.get("/protected").text


# -- 2. back-channel logout ---------------------------------------------------------------------


class LogoutReceiver:
    """Where the identity server posts its logout tokens: records them and answers 200. The
    test replays each to the app through the framework's test client (in-process apps have no
    address the identity server could reach)."""

    def __init__(self) -> None:
        self.tokens: List[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                receiver.tokens += parse_qs(body).get("logout_token", [])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/backchannel-logout"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(short_idp):
    receiver = LogoutReceiver()
    try:
        yield receiver
    finally:
        receiver.stop()
        for client in (CONFIDENTIAL_ID, PUBLIC_ID):
            requests.post(
                f"{short_idp.endpoint}/__test/backchannel-logout",
                json={"client_id": client, "backchannel_logout_uri": None},
                timeout=10,
            ).raise_for_status()


def test_backchannel_logout_signs_the_session_out(framework, short_idp, redis_server, receiver):
    answer = requests.post(
        f"{short_idp.endpoint}/__test/backchannel-logout",
        json={"client_id": CONFIDENTIAL_ID, "backchannel_logout_uri": receiver.url},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    browser = build(framework, short_idp, redisUrl=redis_server.url, backchannelLogout=True)
    bystander = browser.fresh()  # Logto's request carries no cookie
    sign_in(browser, short_idp)
    assert browser.get("/protected").status == 200

    ended = requests.post(f"{short_idp.endpoint}/__test/end-sessions", params={"sub": DEMO_SUB}, timeout=30).json()
    assert ended["ended"] >= 1 and any(d["ok"] for d in ended["backchannel_logouts"]), ended
    assert receiver.tokens, "the identity server posted a logout token"
    token = receiver.tokens[-1]

    accepted = bystander.post("/backchannel-logout", form={"logout_token": token})
    assert accepted.status == 200, accepted.text
    assert accepted.headers["cache-control"] == "no-store"
    # The next page of the session Logto ended is signed out, and stays so.
    page = browser.get("/protected")
    assert page.status == 302 and page.location.startswith(browser.baseUrl + "/sign-in?return_to="), page.text[:300]
    assert "Not authenticated" in browser.get("/").text
    assert browser.get("/protected").status == 302

    replayed = bystander.post("/backchannel-logout", form={"logout_token": token})
    assert replayed.status == 400 and json.loads(replayed.text)["error"] == "invalid_request"
    assert replayed.headers["cache-control"] == "no-store"
    header, payload, _ = token.split(".")
    forged = bystander.post("/backchannel-logout", form={"logout_token": f"{header}.{payload}.AAAA"})
    assert forged.status == 400 and json.loads(forged.text)["error"] == "invalid_request"
    missing = bystander.post("/backchannel-logout", form={"other": "x"})
    assert missing.status == 400

    # A new sign-in after the logout is a new session.
    assert sign_in(browser, short_idp) == "/"
    assert DEMO_SUB in browser.get("/protected").text


def test_backchannel_logout_route_is_off_by_default(framework, short_idp, redis_server):
    browser = build(framework, short_idp, redisUrl=redis_server.url)
    assert browser.post("/backchannel-logout", form={"logout_token": "x"}).status == 404


# -- 3. a rotated refresh token is never lost ---------------------------------------------------


def raises_in(browser: Browser, path: str) -> None:
    """GETs `path`, whose view fails: the test clients re-raise the view's exception."""
    try:
        answer = browser.get(path)
    except ViewFailed:
        return
    assert answer.status == 500, (answer.status, answer.text[:300])


def test_rotated_token_survives_a_failing_view(framework, short_idp, redis_server, request):
    browser = public(framework, short_idp, redis_server)
    addRoutes(browser, request)
    sign_in(browser, short_idp)
    short_idp.reset_token_requests()

    raises_in(browser, "/t/refresh-then-fail")
    (rotation,) = refresh_requests(short_idp)
    assert rotation["rotated"] and rotation["outcome"] == "ok"
    assert sha256(stored(browser, redis_server)["logto.refreshToken"]) == rotation["issued_refresh_token_sha256"], (
        "the session holds the token Logto issued, not the consumed one"
    )

    # The next page refreshes (organization tokens) from the newest token.
    page = browser.get("/protected/organizations")
    assert page.status == 200 and "org-acme" in page.text, page.text[:300]
    assert_rotation_was_safe(short_idp)
    assert refresh_requests(short_idp)[1]["refresh_token_sha256"] == rotation["issued_refresh_token_sha256"]


@pytest.mark.parametrize(
    "route, answered, delay",
    [("/t/refresh-timeout", "timed out", 800), ("/t/refresh-in-background", "answered", 0)],
    ids=["given-up", "background-task"],
)
def test_fastapi_keeps_a_rotation_that_lands_after_the_response(short_idp, redis_server, request, route, answered, delay):
    """A rotation that lands after the response was saved (a route that gave up on a refresh
    still at the server; a background task that refreshes) is saved all the same."""
    from fastapi.testclient import TestClient

    browser = public("fastapi", short_idp, redis_server)
    addRoutes(browser, request)
    sign_in(browser, short_idp)
    short_idp.reset_token_requests()
    short_idp.set_token_delay(delay)
    try:
        # One event loop for the whole block, as a server has: the core's late writes land in it.
        with TestClient(browser.app, base_url=browser.baseUrl, follow_redirects=False) as client:
            client.cookies.set("logto_session", browser.cookie() or "", domain="127.0.0.1")
            answer = client.get(route)
            assert answer.text == answered, answer.text[:300]
            time.sleep(1.5)
    finally:
        short_idp.set_token_delay(0)
    (rotation,) = refresh_requests(short_idp)
    assert rotation["outcome"] == "ok"
    assert sha256(stored(browser, redis_server)["logto.refreshToken"]) == rotation["issued_refresh_token_sha256"], (
        "the session holds the token Logto issued, not the consumed one"
    )


def test_stale_copy_of_the_session_keeps_the_newer_token(framework, short_idp, redis_server, request):
    """Two requests of one browser load the session; the second refreshes and saves; then the
    first saves its (stale) copy with a change of its own."""
    browser = public(framework, short_idp, redis_server)
    addRoutes(browser, request)
    sign_in(browser, short_idp)
    stale = browser.fresh()
    stale.setCookie(browser.cookie())
    short_idp.reset_token_requests()
    GATE.reset()
    answers: Dict[str, Any] = {}
    first = threading.Thread(target=lambda: answers.update(stale=stale.get("/t/stale-note")))
    first.start()
    try:
        assert GATE.loaded.wait(20), "the stale request did not start"
        assert browser.get("/t/refresh").status == 200
    finally:
        GATE.go.set()
        first.join(30)
    assert answers["stale"].status == 200, answers["stale"].text[:300]

    (rotation,) = refresh_requests(short_idp)
    data = stored(browser, redis_server)
    if framework != "django":  # Django's own session (not Logto's) holds the note there
        assert data.get("note") == NOTE, "the stale request's own change is saved"
    assert sha256(data["logto.refreshToken"]) == rotation["issued_refresh_token_sha256"], (
        "the stale copy did not bring the consumed refresh token back"
    )
    page = browser.get("/protected/organizations")
    assert page.status == 200 and "org-acme" in page.text
    assert_rotation_was_safe(short_idp)


def test_django_async_view_keeps_a_rotation_when_it_fails(short_idp, redis_server, request):
    """An async Django view refreshes through the async client on the event loop and fails: the
    core saved the rotated token the moment it arrived."""
    browser = public("django", short_idp, redis_server)
    addRoutes(browser, request)
    sign_in(browser, short_idp)
    short_idp.reset_token_requests()
    raises_in(browser, "/t/refresh-then-fail-async")
    (rotation,) = refresh_requests(short_idp)
    assert sha256(stored(browser, redis_server)["logto.refreshToken"]) == rotation["issued_refresh_token_sha256"]


def test_stale_copy_of_the_session_does_not_undo_a_sign_out(framework, short_idp, redis_server, request):
    """A request that loaded the session before the user signed out (in another tab) saves its
    copy afterwards: the session does not come back signed in."""
    browser = public(framework, short_idp, redis_server)
    addRoutes(browser, request)
    sign_in(browser, short_idp)
    stale = browser.fresh()
    stale.setCookie(browser.cookie())
    GATE.reset()
    answers: Dict[str, Any] = {}
    first = threading.Thread(target=lambda: answers.update(stale=stale.get("/t/stale-note")))
    first.start()
    try:
        assert GATE.loaded.wait(20), "the stale request did not start"
        assert browser.post("/sign-out", {"Origin": browser.baseUrl}).status == 302
    finally:
        GATE.go.set()
        first.join(30)
    assert answers["stale"].status == 200, answers["stale"].text[:300]
    page = stale.get("/protected")
    assert page.status == 302 and page.location.startswith(browser.baseUrl + "/sign-in"), "the signed-out session stays signed out"
    assert "Not authenticated" in stale.get("/").text
