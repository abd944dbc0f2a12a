"""Three instances of the FastAPI sample (real `uvicorn` processes) on one Redis (sessions and
refresh coordination, the one `REDIS_URL`), behind a round-robin proxy that sends each request
to the next instance: many users fire bursts of concurrent requests at a page that needs an
access token, for several rotations of each user's refresh token.

The sample is the public client (Logto rotates its refresh token at every refresh), access
tokens live 2 seconds and the identity server has no reuse grace, so any refresh token presented
twice revokes its grant. Expected: every request answered 200, no `invalid_grant`, no refresh
token ever presented twice, everyone still signed in at the end.
"""

import asyncio
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import httpx
import pytest
import requests

from conftest import DEMO_SUB, PUBLIC_ID, PYTHON_DIR, TestIdp, free_port
from proxy import ReverseProxy

INSTANCES = 3
USERS = 20
BURST = 5
"""Concurrent requests per user at a time (the round-robin spreads them over the instances)."""
DURATION = 15.0
PAGE = "/protected/userinfo"
"""The sample's page that needs the user's access token (for the userinfo endpoint)."""
COOKIE = "logto_session"


@pytest.fixture(scope="module")
def rotating_idp():
    server = TestIdp(args=["--access-token-ttl", "2", "--refresh-token-reuse-interval-ms", "0"])
    try:
        yield server
    finally:
        server.stop()


class Instances:
    """`INSTANCES` uvicorn processes serving the FastAPI sample, and the proxy in front."""

    def __init__(self, idp: TestIdp, redisUrl: str) -> None:
        self.proxyPort = free_port()
        self.url = f"http://127.0.0.1:{self.proxyPort}"
        env = {
            **os.environ,
            "LOGTO_ENDPOINT": idp.endpoint,
            "LOGTO_APP_ID": PUBLIC_ID,
            "LOGTO_APP_SECRET": "",  # the public client
            "APP_BASE_URL": self.url,  # every instance answers for the proxy's origin
            "REDIS_URL": redisUrl,
        }
        self.ports = [free_port() for _ in range(INSTANCES)]
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "samples.fastapi_app:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
                cwd=PYTHON_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            for port in self.ports
        ]
        try:
            for port, process in zip(self.ports, self.processes):
                _waitForHttp(f"http://127.0.0.1:{port}/", process)
        except BaseException:
            self.stop()
            raise
        self.proxy = ReverseProxy([f"http://127.0.0.1:{port}" for port in self.ports], self.proxyPort, proto="http", record=False)

    def stop(self) -> None:
        proxy = getattr(self, "proxy", None)
        if proxy is not None:
            proxy.stop()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _waitForHttp(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, f"an instance exited with {process.returncode}"
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "an instance did not start"
            time.sleep(0.05)


def signIn(instances: Instances, idp: TestIdp) -> str:
    """Signs a user in through the proxy; returns the session cookie."""
    browser = requests.Session()
    start = browser.get(instances.url + "/sign-in", allow_redirects=False, timeout=30)
    assert start.status_code == 302, start.text
    done = browser.get(idp.login(start.headers["location"]), allow_redirects=False, timeout=30)
    assert done.status_code == 302 and done.headers["location"] == "/", done.text
    return browser.cookies[COOKIE]


async def user(url: str, cookie: str, until: float, statuses: List[int], failures: List[str]) -> None:
    """One user: bursts of `BURST` concurrent requests until `until`."""
    async with httpx.AsyncClient(base_url=url, cookies={COOKIE: cookie}, timeout=30) as client:

        async def one() -> None:
            answer = await client.get(PAGE)
            statuses.append(answer.status_code)
            if answer.status_code != 200 and len(failures) < 5:
                failures.append(f"{answer.status_code} {answer.headers.get('location')} {answer.text[:200]}")

        while time.monotonic() < until:
            await asyncio.gather(*(one() for _ in range(BURST)))


def test_three_instances_on_one_redis_rotate_every_session_safely(rotating_idp, redis_server):
    instances = Instances(rotating_idp, redis_server.url)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            cookies = list(pool.map(lambda _: signIn(instances, rotating_idp), range(USERS)))
        rotating_idp.reset_token_requests()

        statuses: List[int] = []
        failures: List[str] = []

        async def everyone() -> None:
            until = time.monotonic() + DURATION
            await asyncio.gather(*(user(instances.url, cookie, until, statuses, failures) for cookie in cookies))

        asyncio.run(everyone())
        print(f"{len(statuses)} requests, {len(rotating_idp.token_requests()['refresh_requests'])} refreshes, {dict(instances.proxy.served)}")

        assert statuses and all(status == 200 for status in statuses), (
            f"{len(statuses) - statuses.count(200)} of {len(statuses)} requests failed: {failures}"
        )
        served: Dict[str, Any] = dict(instances.proxy.served)
        assert len(served) == INSTANCES and min(served.values()) > len(statuses) // (2 * INSTANCES), served
        statistics = rotating_idp.token_requests()
        refreshes = statistics["refresh_requests"]
        assert statistics["by_outcome"].get("invalid_grant", 0) == 0, [r for r in refreshes if r["outcome"] != "ok"][:5]
        assert all(r["outcome"] == "ok" and r["rotated"] for r in refreshes)
        presented = [r["refresh_token_sha256"] for r in refreshes]
        assert len(presented) == len(set(presented)), "a refresh token was presented twice"
        # Each user's access token expired many times: several rotations per user were made.
        assert len(refreshes) >= USERS * 4, len(refreshes)

        for cookie in cookies:
            page = requests.get(instances.url + "/protected", cookies={COOKIE: cookie}, allow_redirects=False, timeout=30)
            assert page.status_code == 200 and DEMO_SUB in page.text, "everyone is still signed in"
    finally:
        instances.stop()
