"""What a FastAPI page costs in Redis round trips, read from Redis's own `MONITOR`.

The FastAPI sample runs as a real `uvicorn` process on a real Redis, as the public client (every
refresh rotates the refresh token). The page `/protected/api` needs an access token for the API
resource, which sign-in did not fetch: the first visit refreshes, the second is served from the
session. A round trip is one command the app sends (a Lua script's inner commands are not).
"""

import os
import socket
import subprocess
import sys
import threading
import time
from typing import List

import requests

from conftest import PUBLIC_ID, PYTHON_DIR, TestIdp, free_port

COOKIE = "logto_session"


class Monitor:
    """A `MONITOR` connection to Redis, its lines collected by a thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.lines: List[str] = []
        self.socket = socket.create_connection(("127.0.0.1", port))
        self.socket.sendall(b"MONITOR\r\n")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = self.socket.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            *complete, buffer = buffer.split(b"\r\n")
            self.lines.extend(line.decode("utf-8", "replace") for line in complete)

    def mark(self, name: str) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as other:
            other.sendall(f"PING {name}\r\n".encode())
            other.recv(100)
        deadline = time.monotonic() + 10
        while not any(f'"{name}"' in line for line in self.lines):
            assert time.monotonic() < deadline, f"MONITOR never showed {name}"
            time.sleep(0.01)

    def between(self, start: str, end: str) -> List[str]:
        first = next(i for i, line in enumerate(self.lines) if f'"{start}"' in line)
        last = next(i for i, line in enumerate(self.lines) if f'"{end}"' in line)
        # Commands run by a script inside Redis are shown as `[0 lua]`: not round trips.
        return [line for line in self.lines[first + 1 : last] if "lua]" not in line]

    def close(self) -> None:
        self.socket.close()


def test_a_fastapi_page_that_refreshes_makes_two_session_round_trips(redis_server):
    idp = TestIdp(args=["--refresh-token-reuse-interval-ms", "0"])
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LOGTO_ENDPOINT": idp.endpoint,
        "LOGTO_APP_ID": PUBLIC_ID,
        "LOGTO_APP_SECRET": "",
        "APP_BASE_URL": url,
        "REDIS_URL": redis_server.url,
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "samples.fastapi_app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=PYTHON_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    monitor = None
    try:
        deadline = time.monotonic() + 30
        while True:
            assert app.poll() is None, "the sample exited"
            try:
                requests.get(url + "/", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the sample did not start"
                time.sleep(0.05)
        browser = requests.Session()
        start = browser.get(url + "/sign-in", allow_redirects=False, timeout=30)
        done = browser.get(idp.login(start.headers["location"]), allow_redirects=False, timeout=30)
        assert done.status_code == 302, done.text
        idp.reset_token_requests()
        monitor = Monitor(int(redis_server.url.rsplit(":", 1)[1].split("/")[0]))

        monitor.mark("refreshing-start")
        page = browser.get(url + "/protected/api", allow_redirects=False, timeout=30)
        monitor.mark("refreshing-end")
        assert page.status_code == 200, page.text[:500]
        refreshes = idp.token_requests()["refresh_requests"]
        assert len(refreshes) == 1 and refreshes[0]["rotated"], refreshes

        monitor.mark("cached-start")
        page = browser.get(url + "/protected/api", allow_redirects=False, timeout=30)
        monitor.mark("cached-end")
        assert page.status_code == 200, page.text[:500]
        assert len(idp.token_requests()["refresh_requests"]) == 1, "the second page is served from the session"

        refreshing = monitor.between("refreshing-start", "refreshing-end")
        session = [line for line in refreshing if "logto:session:" in line]
        coordination = [line for line in refreshing if "logto:refresh:" in line]
        assert len(session) == 2, "load, then one save with the whole refresh outcome:\n" + "\n".join(session)
        assert len(refreshing) == len(session) + len(coordination), "\n".join(refreshing)
        cached = [line for line in monitor.between("cached-start", "cached-end") if "logto:" in line]
        assert len(cached) == 1, "one load:\n" + "\n".join(cached)
    finally:
        if monitor is not None:
            monitor.close()
        app.terminate()
        app.wait(timeout=10)
        idp.stop()
