"""The samples and the tutorial's unchanged Flask code behind a reverse proxy: the app is served
on one origin, the browser talks to another (the proxy's, the app's configured base URL), and
the proxy says `X-Forwarded-Proto: https`. Sign-in, the callback, pages and sign-out must work
through it, and every redirect must stay on the public origin or go to the identity server."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from conftest import CONFIDENTIAL_ID, CONFIDENTIAL_SECRET, DEMO_SUB
from proxy import ReverseProxy
from test_reference_snippets import TUTORIAL, fenced_python, read
from webapps import Served


def check_location(location: str, proxy: ReverseProxy, idp) -> str:
    assert location.startswith("/") or location.startswith(proxy.url) or location.startswith(idp.endpoint), location
    return location if not location.startswith("/") else proxy.url + location


def walk(proxy: ReverseProxy, idp, protected: str, marker: str, sign_out_post: bool) -> None:
    browser = requests.Session()
    answer = browser.get(proxy.url + protected, allow_redirects=False)
    sign_in = check_location(answer.headers["location"], proxy, idp) if answer.status_code == 302 else proxy.url + "/sign-in"
    answer = browser.get(sign_in, allow_redirects=False)
    assert answer.status_code == 302
    location = check_location(answer.headers["location"], proxy, idp)
    assert parse_qs(urlsplit(location).query)["redirect_uri"] == [proxy.url + "/callback"]
    callback = idp.login(location)
    assert callback.startswith(proxy.url + "/callback?")
    answer = browser.get(callback, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    check_location(answer.headers["location"], proxy, idp)
    page = browser.get(proxy.url + protected, allow_redirects=False)
    assert page.status_code == 200 and DEMO_SUB in page.text and marker in page.text
    if sign_out_post:
        answer = browser.post(proxy.url + "/sign-out", headers={"Origin": proxy.url}, allow_redirects=False)
    else:
        answer = browser.get(proxy.url + "/sign-out", allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"].startswith(idp.endpoint)
    assert idp.logout(answer.headers["location"]) == proxy.url + "/"
    assert "Not authenticated" in browser.get(proxy.url + "/").text
    assert all(headers["X-Forwarded-Proto"] == "https" for _, _, headers in proxy.seen)


@pytest.mark.parametrize("framework", ["flask", "fastapi", "django"])
def test_sample_behind_a_proxy(framework, idp, redis_server):
    from conftest import free_port
    from test_web_integrations import _django_wsgi, build

    # The app is configured with the proxy's public URL and served on its own port behind it.
    port = free_port()
    browser = build(framework, idp, redisUrl=redis_server.url, baseUrl=f"http://127.0.0.1:{port}")
    served = Served(_django_wsgi() if framework == "django" else browser.app, asgi=framework == "fastapi")
    proxy = ReverseProxy(served.url, port)
    try:
        walk(proxy, idp, "/protected", "demo@example.com", sign_out_post=True)
    finally:
        proxy.stop()
        served.stop()


def test_tutorial_behind_a_proxy(idp):
    """The tutorial's code, unchanged (but for its placeholders and the `+` it misses), served
    behind the proxy whose URL is the app's."""
    from test_reference_snippets import flask_namespace

    blocks = fenced_python(read(TUTORIAL))
    init, sign_in, _, callback, home, sign_out = blocks
    missing_plus = '+ "<br>"\n        # Fetch user info from Logto userinfo endpoint\n        (await'
    home = home.replace(missing_plus, missing_plus[: -len("(await")] + "+ (await")

    namespace = flask_namespace()
    namespace["app"].config["TESTING"] = False
    served = Served(namespace["app"])
    proxy = ReverseProxy(served.url)
    try:
        for block in (init, sign_in, callback, home, sign_out):
            source = (
                block.replace("https://you-logto-endpoint.app", idp.endpoint)
                .replace("replace-with-your-app-id", CONFIDENTIAL_ID)
                .replace("replace-with-your-app-secret", CONFIDENTIAL_SECRET)
                .replace("https://your-app.com", proxy.url)
            )
            exec(compile(source, "<tutorial>", "exec"), namespace)
        walk(proxy, idp, "/", "<a href='/sign-out'>Sign out</a>", sign_out_post=False)
    finally:
        proxy.stop()
        served.stop()
