"""The three framework samples behind one small browser interface, each driven by its framework's
own test client (Flask's `test_client()`, Django's `Client`, FastAPI's `TestClient`), so the
integration tests are written once and run for every framework."""

import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import urlsplit

from conftest import CONFIDENTIAL_ID, CONFIDENTIAL_SECRET, free_port

COOKIE = "logto_session"


@dataclass
class Answer:
    status: int
    location: Optional[str]
    text: str
    setCookies: List[str] = field(default_factory=list)
    headers: Dict[str, str] = field(default_factory=dict)
    """The response's headers, names in lower case."""


class Browser:
    """One browser (one cookie jar) on one app."""

    framework = ""

    def __init__(self, app: Any, baseUrl: str) -> None:
        self.app = app
        self.baseUrl = baseUrl

    def get(self, path: str, headers: Optional[Dict[str, str]] = None) -> Answer:
        raise NotImplementedError

    def post(self, path: str, headers: Optional[Dict[str, str]] = None, form: Optional[Dict[str, str]] = None) -> Answer:
        """A POST, with `form` as an `application/x-www-form-urlencoded` body."""
        raise NotImplementedError

    def cookie(self) -> Optional[str]:
        raise NotImplementedError

    def setCookie(self, value: str) -> None:
        raise NotImplementedError

    def fresh(self) -> "Browser":
        return type(self)(self.app, self.baseUrl)

    def local(self, url: str) -> str:
        """The path + query of an absolute URL of this app."""
        assert url.startswith(self.baseUrl), url
        return url[len(self.baseUrl) :] or "/"


class FlaskBrowser(Browser):
    framework = "flask"

    def __init__(self, app: Any, baseUrl: str) -> None:
        super().__init__(app, baseUrl)
        self.client = app.test_client()

    def _answer(self, response: Any) -> Answer:
        return Answer(
            response.status_code,
            response.headers.get("Location"),
            response.get_data(as_text=True),
            response.headers.getlist("Set-Cookie"),
            {name.lower(): value for name, value in response.headers.items()},
        )

    def get(self, path: str, headers: Optional[Dict[str, str]] = None) -> Answer:
        return self._answer(self.client.get(path, base_url=self.baseUrl, headers=headers or {}))

    def post(self, path: str, headers: Optional[Dict[str, str]] = None, form: Optional[Dict[str, str]] = None) -> Answer:
        return self._answer(self.client.post(path, base_url=self.baseUrl, headers=headers or {}, data=form))

    def cookie(self) -> Optional[str]:
        cookie = self.client.get_cookie(COOKIE, domain=urlsplit(self.baseUrl).hostname)
        return None if cookie is None else cookie.value

    def setCookie(self, value: str) -> None:
        self.client.set_cookie(COOKIE, value, domain=urlsplit(self.baseUrl).hostname)


class FastApiBrowser(Browser):
    framework = "fastapi"

    def __init__(self, app: Any, baseUrl: str) -> None:
        super().__init__(app, baseUrl)
        from fastapi.testclient import TestClient

        self.client = TestClient(app, base_url=baseUrl, follow_redirects=False)

    def _answer(self, response: Any) -> Answer:
        return Answer(
            response.status_code,
            response.headers.get("location"),
            response.text,
            response.headers.get_list("set-cookie"),
            {name.lower(): value for name, value in response.headers.items()},
        )

    def get(self, path: str, headers: Optional[Dict[str, str]] = None) -> Answer:
        return self._answer(self.client.get(path, headers=headers or {}))

    def post(self, path: str, headers: Optional[Dict[str, str]] = None, form: Optional[Dict[str, str]] = None) -> Answer:
        return self._answer(self.client.post(path, headers=headers or {}, data=form))

    def cookie(self) -> Optional[str]:
        return self.client.cookies.get(COOKIE)

    def setCookie(self, value: str) -> None:
        self.client.cookies.delete(COOKIE)
        self.client.cookies.set(COOKIE, value, domain=urlsplit(self.baseUrl).hostname)


class DjangoBrowser(Browser):
    framework = "django"

    def __init__(self, app: Any, baseUrl: str) -> None:
        super().__init__(app, baseUrl)
        from django.test import Client

        parts = urlsplit(baseUrl)
        self.client = Client(SERVER_NAME=parts.hostname, SERVER_PORT=str(parts.port or 80), HTTP_HOST=parts.netloc)

    def _answer(self, response: Any) -> Answer:
        cookies = [morsel.OutputString() for morsel in response.cookies.values()]
        text = response.content.decode() if hasattr(response, "content") else ""
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Answer(response.status_code, response.get("Location"), text, cookies, headers)

    def get(self, path: str, headers: Optional[Dict[str, str]] = None) -> Answer:
        return self._answer(self.client.get(path, headers=headers or {}))

    def post(self, path: str, headers: Optional[Dict[str, str]] = None, form: Optional[Dict[str, str]] = None) -> Answer:
        from urllib.parse import urlencode

        return self._answer(
            self.client.post(path, urlencode(form or {}), content_type="application/x-www-form-urlencoded", headers=headers or {})
        )

    def cookie(self) -> Optional[str]:
        morsel = self.client.cookies.get(COOKIE)
        return None if morsel is None or not morsel.value else morsel.value

    def setCookie(self, value: str) -> None:
        self.client.cookies[COOKIE] = value


def parseSetCookie(header: str) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(header)
    return cookie


class Served:
    """A WSGI or ASGI app served on a free port in a thread (for the sample's own API)."""

    def __init__(self, app: Any, asgi: bool = False, port: int = 0) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if asgi:
            import uvicorn

            self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"))
            self.thread = threading.Thread(target=self.server.run, daemon=True)
            self.thread.start()
            import time

            while not self.server.started:
                time.sleep(0.02)
            self.stop: Callable[[], None] = lambda: setattr(self.server, "should_exit", True)
        else:
            from werkzeug.serving import make_server

            self.wsgi = make_server("127.0.0.1", self.port, app, threaded=True)
            self.thread = threading.Thread(target=self.wsgi.serve_forever, daemon=True)
            self.thread.start()
            self.stop = self.wsgi.shutdown


def sampleEnvironment(idp: Any, baseUrl: str, apiUrl: Optional[str] = None) -> Dict[str, str]:
    env = {
        "LOGTO_ENDPOINT": idp.endpoint,
        "LOGTO_APP_ID": CONFIDENTIAL_ID,
        "LOGTO_APP_SECRET": CONFIDENTIAL_SECRET,
        "APP_BASE_URL": baseUrl,
    }
    if apiUrl:
        env["API_URL"] = apiUrl
    return env
