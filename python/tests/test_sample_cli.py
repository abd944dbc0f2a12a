"""The Python sample CLI (`python -m samples.cli`) run as a user runs it, one process per
command, against `logto.testing`: device-flow sign-in approved by a second actor, whoami, a
protected call, loopback sign-in with the test as the browser, two `token` invocations at once
after expiry making one refresh request, and logout revoking the refresh token."""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO, Callable, Dict, Iterator, List, Optional

import pytest

from logto.testing import MockLogto

API = "https://api.example.com"
PYTHON_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def logto(request: pytest.FixtureRequest) -> Iterator[MockLogto]:
    # Access tokens that expire soon; long enough that the second of two invocations started
    # together (a Python process takes a while to start) still finds the first one's token.
    ttl = getattr(request, "param", 1)
    with MockLogto(defaults=False, access_token_ttl=ttl, refresh_token_reuse_interval=0) as server:
        server.add_app("cli", kind="native", redirect_uris=["http://127.0.0.1/callback"])
        server.add_user("u_alice", username="alice", api_scopes={API: ["read:data"]})
        server.sign_in_as("u_alice")
        yield server


class Cli:
    def __init__(self, logto: MockLogto, home: Path) -> None:
        self.home = home
        self.env: Dict[str, str] = {
            **os.environ,
            "LOGTO_ENDPOINT": logto.endpoint,
            "LOGTO_APP_ID": "cli",
            "LOGTO_RESOURCES": API,
            "LOGTO_SCOPES": "read:data",
            "LOGTO_TOKEN_STORE": "file",
            "XDG_CONFIG_HOME": str(home),
            "HOME": str(home),
            "BROWSER": "true",  # a "browser" that opens nothing: the test plays it
        }

    def spawn(self, *args: str) -> "subprocess.Popen[str]":
        return subprocess.Popen(
            [sys.executable, "-m", "samples.cli", *args], cwd=PYTHON_DIR, env=self.env, text=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )

    def run(self, *args: str) -> "subprocess.CompletedProcess[str]":
        return subprocess.run(
            [sys.executable, "-m", "samples.cli", *args], cwd=PYTHON_DIR, env=self.env, text=True,
            stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
        )

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout.strip()

    @property
    def tokens_file(self) -> Path:
        return self.home / "logto-cli-py" / "logto-cli.json"


def read_until(stream: Optional[IO[str]], find: Callable[[str], Optional[str]]) -> str:
    assert stream is not None
    for line in stream:
        found = find(line.rstrip("\n"))
        if found is not None:
            threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()
            return found
    raise AssertionError("the CLI ended without printing what the test waits for")


def device_login(logto: MockLogto, cli: Cli) -> None:
    login = cli.spawn("login", "--device")
    user_code = read_until(login.stdout, lambda line: line.strip() or None)
    assert len(user_code) == 9, user_code
    deadline = time.monotonic() + 10
    # A second actor (the user, on their phone) approves while the CLI polls.
    while logto.count_token_requests("urn:ietf:params:oauth:grant-type:device_code", None) == 0:
        assert time.monotonic() < deadline, "the CLI never polled"
        time.sleep(0.02)
    assert logto.approve_device(user_code, "u_alice")
    assert login.wait(timeout=30) == 0


def test_device_sign_in_whoami_call_and_logout(logto: MockLogto, tmp_path: Path) -> None:
    cli = Cli(logto, tmp_path)
    assert cli.run("whoami").returncode != 0, "not signed in yet"
    assert "run `python -m samples.cli login`" in cli.run("whoami").stderr
    device_login(logto, cli)
    whoami = cli.run("whoami")
    assert whoami.stdout.strip() == "u_alice" and f"tokens kept in the file {cli.tokens_file}" in whoami.stderr
    info = cli.ok("call", f"{logto.endpoint}/oidc/me")
    assert json.loads(info)["sub"] == "u_alice", "a protected call with the bearer token"
    assert oct(cli.tokens_file.stat().st_mode & 0o777) == "0o600"
    refresh_token = json.loads(cli.tokens_file.read_text())["refreshToken"]
    cli.ok("logout")
    assert not logto.is_refresh_token_active(refresh_token), "logout revoked the refresh token"
    assert cli.run("whoami").returncode != 0


def test_loopback_sign_in_with_the_test_as_the_browser(logto: MockLogto, tmp_path: Path) -> None:
    cli = Cli(logto, tmp_path)
    login = cli.spawn("login")
    url = read_until(login.stderr, lambda line: line if line.startswith("http") else None)
    callback = logto.callback_for(url)
    assert callback.startswith("http://127.0.0.1:"), callback
    with urllib.request.urlopen(callback, timeout=10) as page:
        assert b"You can close this tab" in page.read()
    assert login.wait(timeout=30) == 0
    assert cli.ok("whoami") == "u_alice"


@pytest.mark.parametrize("logto", [5], indirect=True)
def test_two_token_invocations_after_expiry_make_one_refresh_request(logto: MockLogto, tmp_path: Path) -> None:
    cli = Cli(logto, tmp_path)
    device_login(logto, cli)
    time.sleep(5.1)  # the access tokens expire
    logto.reset_token_requests()
    runs: List["subprocess.Popen[str]"] = [cli.spawn("token", "--resource", API) for _ in range(2)]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert outputs[0][0] == outputs[1][0], "both invocations print the one refreshed token"
    assert logto.count_token_requests("refresh_token", None) == 1, "one refresh request for both"
    assert logto.count_token_requests("refresh_token", "invalid_grant") == 0
    assert cli.ok("whoami") == "u_alice"
