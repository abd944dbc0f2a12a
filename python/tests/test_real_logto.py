"""The real-Logto leg: the Flask, Django and FastAPI samples against a real Logto, provisioned by
`testing/real-logto/provision.py` (see `testing/real-logto/README.md`). It runs when
`LOGTO_REAL_ENV` names the env file the script wrote, and is skipped, saying so, otherwise (the
project's CI has no Logto to run).

Sign-in goes through Logto's experience API (what Logto's own sign-in page does); back-channel
logout is delivered by Logto itself to the app served live on the registered URI
(`http://127.0.0.1:5000/backchannel-logout`)."""

import os
import re
import time
from html import unescape
from pathlib import Path
from typing import Any, Dict, Iterator
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests

from test_web_integrations import FRAMEWORKS, build
from webapps import Browser, Served

ENV_FILE = os.environ.get("LOGTO_REAL_ENV")
pytestmark = pytest.mark.skipif(
    not ENV_FILE, reason="LOGTO_REAL_ENV is not set: no real Logto to run against (testing/real-logto/README.md)"
)
BASE_URL = "http://127.0.0.1:5000"


def real_env() -> Dict[str, str]:
    assert ENV_FILE is not None
    values = {}
    for line in Path(ENV_FILE).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip('"')
    return values


@pytest.fixture(scope="module")
def env() -> Dict[str, str]:
    return real_env()


@pytest.fixture(params=FRAMEWORKS)
def framework(request: Any) -> str:
    return str(request.param)


class RealIdp:
    """What the sample builder needs of an identity server."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint


def face(framework: str, env: Dict[str, str], redis_server: Any, **settings: Any) -> Browser:
    return build(
        framework,
        RealIdp(env["LOGTO_ENDPOINT"]),
        appId=env["LOGTO_WEB_APP_ID"],
        appSecret=env["LOGTO_WEB_APP_SECRET"],
        baseUrl=BASE_URL,
        redisUrl=redis_server.url,
        **settings,
    )


def logto_sign_in(logto: requests.Session, sign_in_url: str, username: str, password: str) -> str:
    """Signs `username` in at Logto through its experience API, in `logto`'s cookie jar (Logto's
    session); returns the callback URL Logto redirects to."""
    endpoint = f"{urlsplit(sign_in_url).scheme}://{urlsplit(sign_in_url).netloc}"
    answer = logto.get(sign_in_url, allow_redirects=False, timeout=30)
    assert answer.status_code in (302, 303), answer.text[:300]

    def api(method: str, path: str, body: Any = None) -> Any:
        response = logto.request(method, f"{endpoint}/api/experience{path}", json=body, timeout=30)
        assert response.status_code in (200, 201, 204), (path, response.status_code, response.text[:300])
        return response.json() if response.content else None

    api("PUT", "", {"interactionEvent": "SignIn"})
    verification = api("POST", "/verification/password", {"identifier": {"type": "username", "value": username}, "password": password})
    api("POST", "/identification", {"verificationId": verification["verificationId"]})
    location = api("POST", "/submit")["redirectTo"]
    for _ in range(10):
        if location.startswith(BASE_URL):
            return str(location)
        response = logto.get(urljoin(endpoint + "/", location), allow_redirects=False, timeout=30)
        location = response.headers.get("location", "")
    raise AssertionError("Logto never sent the browser back to the app")


def signed_in_browser(framework: str, env: Dict[str, str], redis_server: Any, **settings: Any) -> Browser:
    browser = face(framework, env, redis_server, **settings)
    start = browser.get("/sign-in")
    assert start.status == 302 and start.location and start.location.startswith(env["LOGTO_ENDPOINT"] + "/oidc/auth?")
    callback = logto_sign_in(requests.Session(), start.location, env["LOGTO_MEMBER_USERNAME"], env["LOGTO_MEMBER_PASSWORD"])
    done = browser.get(browser.local(callback))
    assert done.status == 302, done.text[:300]
    return browser


def test_sign_in_claims_user_info_and_organizations(framework: str, env: Dict[str, str], redis_server: Any) -> None:
    browser = signed_in_browser(framework, env, redis_server)
    page = browser.get("/protected")
    assert page.status == 200 and env["LOGTO_MEMBER_ID"] in page.text
    info = browser.get("/protected/userinfo")
    assert info.status == 200 and "pro" in info.text, "custom data from Logto's userinfo"
    organizations = browser.get("/protected/organizations")
    assert organizations.status == 200 and env["LOGTO_ORG_ACME_ID"] in organizations.text
    assert f"urn:logto:organization:{env['LOGTO_ORG_ACME_ID']}" in organizations.text, "an organization token"


def test_sign_out_ends_the_session_at_logto(framework: str, env: Dict[str, str], redis_server: Any) -> None:
    browser = signed_in_browser(framework, env, redis_server)
    out = browser.post("/sign-out", {"Origin": BASE_URL})
    assert out.status == 302 and out.location and out.location.startswith(env["LOGTO_ENDPOINT"] + "/oidc/session/end")
    assert "Not authenticated" in browser.get("/").text


def end_logto_session(logto: requests.Session, end_session_url: str) -> None:
    """Follows Logto's end-session page as a browser does (its form confirms the logout)."""
    page = logto.get(end_session_url, allow_redirects=False, timeout=30)
    assert page.status_code == 200, page.status_code
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
    fields["logout"] = "yes"
    confirmed = logto.post(urljoin(end_session_url, action), data=fields, allow_redirects=False, timeout=30)
    assert confirmed.status_code in (302, 303), (confirmed.status_code, confirmed.text[:300])


@pytest.fixture
def live(request: Any) -> Iterator[Any]:
    servers = []

    def serve(browser: Browser) -> Served:
        app = browser.app
        if browser.framework == "django":
            from django.core.wsgi import get_wsgi_application

            app = get_wsgi_application()
        server = Served(app, asgi=browser.framework == "fastapi", port=5000)
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()
        time.sleep(0.2)


def test_backchannel_logout_from_logto_ends_the_session(framework: str, env: Dict[str, str], redis_server: Any, live: Any) -> None:
    """Two app sessions on one Logto session: signing out of one, Logto posts its logout token
    (no `exp` before Logto 1.42) to the app, which ends the other on its next request."""
    browser = face(framework, env, redis_server, backchannelLogout=True)
    live(browser)
    logto = requests.Session()
    first, second = requests.Session(), requests.Session()
    for app in (first, second):
        start = app.get(BASE_URL + "/sign-in", allow_redirects=False, timeout=30)
        assert start.status_code == 302, (start.status_code, start.text[:300])
        callback = logto_sign_in(logto, start.headers["location"], env["LOGTO_MEMBER_USERNAME"], env["LOGTO_MEMBER_PASSWORD"])
        assert app.get(callback, allow_redirects=False, timeout=30).status_code == 302
        assert "Signed in as" in app.get(BASE_URL + "/", timeout=30).text
    out = second.post(BASE_URL + "/sign-out", headers={"Origin": BASE_URL}, allow_redirects=False, timeout=30)
    assert out.status_code == 302
    end_logto_session(logto, out.headers["location"])
    for _ in range(50):
        if "Not authenticated" in first.get(BASE_URL + "/", timeout=30).text:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("Logto's back-channel logout did not end the other app session")
    assert first.get(BASE_URL + "/protected", allow_redirects=False, timeout=30).status_code == 302
