"""Fixtures: the repository's test identity server (testing/idp) and a scripted browser login."""

import json
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Optional, Sequence
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

PYTHON_DIR = Path(__file__).resolve().parent.parent
REPO = PYTHON_DIR.parent
IDP_DIR = REPO / "testing" / "idp"

CONFIDENTIAL_ID = "confidential-app"
CONFIDENTIAL_SECRET = "confidential-secret"
PUBLIC_ID = "public-app"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "Demo-Passw0rd!"
DEMO_SUB = "u_demo_0001"
API_RESOURCE = "https://api.example.com"


def _npm_installed() -> bool:
    return (IDP_DIR / "node_modules" / "oidc-provider" / "package.json").is_file()


class TestIdp:
    """A running `node testing/idp/server.mjs`; scripted login and logout over plain HTTP."""

    __test__ = False  # not a test class

    def __init__(self, alg: str = "ES384", preload: Optional[str] = None, args: Sequence[str] = ()) -> None:
        if not (IDP_DIR / "server.mjs").is_file():
            raise RuntimeError(f"the test identity server is missing: {IDP_DIR / 'server.mjs'}")
        if not _npm_installed():
            npm = shutil.which("npm") or "npm"
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, check=True, timeout=600)
        node = ["node"] + (["--require", preload] if preload else [])
        self.process = subprocess.Popen(
            node + ["server.mjs", "--port", "0", "--host", "127.0.0.1", "--alg", alg, *args],
            cwd=IDP_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.kill()
            raise RuntimeError("the test identity server exited before printing its endpoint")
        info = json.loads(line)
        self.endpoint: str = info["endpoint"].rstrip("/")
        self.issuer: str = info["issuer"]
        # Keep draining stdout so the pipe never fills up.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(self.discovery_url, timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the test identity server's discovery did not answer")
            time.sleep(0.05)

    @classmethod
    def attach(cls, endpoint: str) -> "TestIdp":
        """A handle on a server another process started (for login/logout only)."""
        idp = cls.__new__(cls)
        idp.endpoint = endpoint.rstrip("/")
        idp.issuer = idp.endpoint + "/oidc"
        idp.process = None
        return idp

    @property
    def discovery_url(self) -> str:
        return f"{self.endpoint}/oidc/.well-known/openid-configuration"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def last_auth_request(self) -> dict:
        return requests.get(f"{self.endpoint}/__test/last-auth-request", timeout=10).json()

    def token_requests(self) -> dict:
        """The server's count of token requests (`/__test/token-requests`)."""
        return requests.get(f"{self.endpoint}/__test/token-requests", timeout=10).json()

    def reset_token_requests(self) -> None:
        requests.post(f"{self.endpoint}/__test/token-requests/reset", timeout=10).raise_for_status()

    def set_token_delay(self, ms: int) -> None:
        """Makes the token endpoint hold its answers `ms` ms after doing its work (0: off)."""
        requests.post(f"{self.endpoint}/__test/token-delay", json={"ms": ms}, timeout=10).raise_for_status()

    def login(self, sign_in_url: str, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> str:
        """Drives the login page like a browser (cookie jar, manual redirects) and returns the URL
        the server redirected to on the app's side (redirect_uri with code/state/iss or error)."""
        browser = requests.Session()
        redirect_uri = parse_qs(urlparse(sign_in_url).query).get("redirect_uri", [None])[0]

        def strip(url: str) -> str:
            return re.split(r"[?#]", url, maxsplit=1)[0]

        current = sign_in_url
        response = browser.get(current, allow_redirects=False, timeout=30)
        submitted = False
        for _ in range(30):
            if response.is_redirect:
                location = urljoin(current, response.headers["location"])
                if (redirect_uri and strip(location) == strip(redirect_uri)) or not location.startswith(
                    self.endpoint + "/"
                ):
                    return location
                current = location
                response = browser.get(current, allow_redirects=False, timeout=30)
                continue
            action = re.search(r"<form[^>]*\baction=\"([^\"]+)\"", response.text)
            if response.status_code == 401 and submitted:
                raise AssertionError(f"login rejected for {username!r}")
            if response.status_code == 200 and action and action.group(1).startswith("/interaction/"):
                assert not submitted, "login page shown again after submitting credentials"
                submitted = True
                current = urljoin(current, action.group(1))
                response = browser.post(
                    current,
                    data={"username": username, "password": password},
                    allow_redirects=False,
                    timeout=30,
                )
                continue
            raise AssertionError(f"unexpected HTTP {response.status_code} at {current}: {response.text[:500]}")
        raise AssertionError("too many redirects")

    def logout(self, end_session_url: str) -> str:
        """Follows an end-session URL and returns where the server finally redirects outside itself."""
        browser = requests.Session()
        current = end_session_url
        response = browser.get(current, allow_redirects=False, timeout=30)
        for _ in range(10):
            if response.is_redirect:
                location = urljoin(current, response.headers["location"])
                if not location.startswith(self.endpoint + "/"):
                    return location
                current = location
                response = browser.get(current, allow_redirects=False, timeout=30)
                continue
            form = re.search(r"<form[^>]*\baction=\"([^\"]+)\"", response.text)
            if response.status_code == 200 and form:
                fields = dict(re.findall(r"<input[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"", response.text))
                fields.setdefault("logout", "yes")
                current = urljoin(current, form.group(1))
                response = browser.post(current, data=fields, allow_redirects=False, timeout=30)
                continue
            return current
        raise AssertionError("too many redirects at logout")


@pytest.fixture(scope="session")
def idp():
    server = TestIdp()
    try:
        yield server
    finally:
        server.stop()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redirect_uri() -> str:
    return f"http://127.0.0.1:{free_port()}/callback"


def config_for(idp: TestIdp, appSecret: Optional[str] = CONFIDENTIAL_SECRET, **kwargs):
    from logto import LogtoConfig

    appId = kwargs.pop("appId", CONFIDENTIAL_ID if appSecret else PUBLIC_ID)
    return LogtoConfig(endpoint=idp.endpoint, appId=appId, appSecret=appSecret, **kwargs)



APP_BASE_URL = f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def sample_app(idp):
    """The Flask sample (python/samples), configured for the test server through the environment
    like a deployment would be."""
    os.environ["LOGTO_ENDPOINT"] = idp.endpoint
    os.environ["LOGTO_APP_ID"] = CONFIDENTIAL_ID
    os.environ["LOGTO_APP_SECRET"] = CONFIDENTIAL_SECRET
    os.environ["APP_BASE_URL"] = APP_BASE_URL
    os.environ["FLASK_SECRET_KEY"] = "sample-secret-for-tests"
    from samples.app import app

    app.config["TESTING"] = True
    return app


class RedisServer:
    """A `redis-server` on a free port, without persistence, for the server-side session tests."""

    __test__ = False

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing (scripts/install-system-deps.sh installs it)")
        self.port = free_port()
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        import redis

        self.client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=5)


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()


class SecretService:
    """A private D-Bus session bus with GNOME Keyring's Secret Service on it, unlocked, as a
    Linux desktop session has it; nothing on the bus is started on demand."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        (directory / "home").mkdir(parents=True, exist_ok=True)
        self.address = f"unix:path={directory / 'bus'}"
        config = directory / "bus.conf"
        config.write_text(
            '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" '
            '"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
            f"<busconfig><type>session</type><listen>{self.address}</listen><auth>EXTERNAL</auth>"
            '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
            '<allow eavesdrop="true"/><allow own="*"/></policy></busconfig>\n'
        )
        try:
            self.bus = subprocess.Popen(
                ["dbus-daemon", f"--config-file={config}", "--nofork"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": self.address, "HOME": str(directory / "home"), "XDG_RUNTIME_DIR": str(directory)}
            self.keyring = subprocess.Popen(
                ["gnome-keyring-daemon", "--foreground", "--components=secrets", "--unlock"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            )
        except FileNotFoundError as missing:
            raise RuntimeError(f"{missing.filename} is missing: apt-get install -y dbus-daemon dbus-bin gnome-keyring") from missing
        assert self.keyring.stdin is not None
        self.keyring.stdin.write(b"test-password")
        self.keyring.stdin.close()
        deadline = time.monotonic() + 10
        while not self._has_secrets():
            assert time.monotonic() < deadline, "the Secret Service did not come up"
            time.sleep(0.05)

    def _has_secrets(self) -> bool:
        reply = subprocess.run(
            ["dbus-send", f"--bus={self.address}", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"],
            capture_output=True, text=True,
        )
        return "boolean true" in reply.stdout

    def stop(self) -> None:
        for process in (self.keyring, self.bus):
            process.kill()
            process.wait()


@pytest.fixture
def secret_service(tmp_path_factory):
    service = SecretService(tmp_path_factory.mktemp("secret-service"))
    yield service
    service.stop()
