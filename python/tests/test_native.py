"""`logto.native`: sign-in from a terminal through the Rust core, against `logto.testing`:
the device flow approved by a second actor, denied and polled with `slow_down`; the loopback
sign-in with the test as the browser; two processes refreshing at once make one request;
sign-out revokes. Sync and async."""

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from logto.LogtoException import LogtoCallbackError
from logto.native import NativeClient
from logto.native import sync as native_sync
from logto.testing import MockLogto

API = "https://api.example.com"


@pytest.fixture
def logto() -> Iterator[MockLogto]:
    with MockLogto(defaults=False, access_token_ttl=1, refresh_token_reuse_interval=0) as server:
        server.add_app("cli", kind="native", redirect_uris=["http://127.0.0.1/callback"])
        server.add_user("u_alice", username="alice", api_scopes={API: ["read:data"]})
        server.sign_in_as("u_alice")
        yield server


def files(tmp_path: Path) -> Any:
    return {"tokenFile": str(tmp_path / "tokens.json"), "coordinationDir": str(tmp_path / "locks")}


def device_sign_in(logto: MockLogto, client: native_sync.NativeClient) -> None:
    device = client.startDeviceSignIn().withInterval(0.02)
    approver = threading.Timer(0.1, lambda: logto.approve_device(device.userCode.lower(), "u_alice"))
    approver.start()
    client.finishDeviceSignIn(device)  # polls until the second actor approves
    approver.join()


def test_device_flow_token_refresh_and_sign_out_sync(logto: MockLogto, tmp_path: Path) -> None:
    client = native_sync.NativeClient("test-cli", logto.endpoint, "cli", scopes=["read:data"], resources=[API], **files(tmp_path))
    assert not client.isAuthenticated()
    device_sign_in(logto, client)
    assert client.isAuthenticated() and client.getIdTokenClaims().sub == "u_alice"
    assert logto.count_token_requests("urn:ietf:params:oauth:grant-type:device_code", "authorization_pending") >= 1
    token = client.getAccessToken(API)
    assert token.count(".") == 2
    assert oct((tmp_path / "tokens.json").stat().st_mode & 0o777) == "0o600"
    refresh_token = json.loads((tmp_path / "tokens.json").read_text())["refreshToken"]
    client.signOut()
    assert not logto.is_refresh_token_active(refresh_token) and not client.isAuthenticated()


def test_a_refused_device_sign_in_is_typed_and_slow_down_is_honoured(logto: MockLogto, tmp_path: Path) -> None:
    async def scenario() -> None:
        client = NativeClient("test-cli", logto.endpoint, "cli", **files(tmp_path))
        device = (await client.startDeviceSignIn()).withInterval(0.02)
        assert len(device.userCode) == 9 and device.verificationUri.endswith("/device")
        logto.deny_device(device.userCode)
        with pytest.raises(LogtoCallbackError) as refused:
            await client.finishDeviceSignIn(device)
        assert refused.value.error == "access_denied"

        device = (await client.startDeviceSignIn()).withInterval(0.02)
        logto.fail_next_token_requests(1, 400, "slow_down")
        started = time.monotonic()
        threading.Timer(0.2, lambda: logto.approve_device(device.userCode, "u_alice")).start()
        await client.finishDeviceSignIn(device)
        assert time.monotonic() - started >= 5, "slow_down added 5 s to the interval"

    asyncio.run(scenario())


def test_loopback_sign_in_with_the_test_as_the_browser(logto: MockLogto, tmp_path: Path) -> None:
    client = native_sync.NativeClient("test-cli", logto.endpoint, "cli", **files(tmp_path))

    def browser(url: str) -> None:
        def visit() -> None:
            callback = logto.callback_for(url)
            with urllib.request.urlopen(callback, timeout=10) as page:
                assert b"You can close this tab" in page.read()

        threading.Thread(target=visit).start()

    client.signInWithBrowser(onUrl=browser, timeout=20)
    assert client.getIdTokenClaims().sub == "u_alice"


def test_two_processes_refreshing_at_once_make_one_request(logto: MockLogto, tmp_path: Path) -> None:
    client = native_sync.NativeClient("test-cli", logto.endpoint, "cli", scopes=["read:data"], resources=[API], **files(tmp_path))
    device_sign_in(logto, client)
    time.sleep(1.1)  # the access tokens expire
    logto.reset_token_requests()
    program = textwrap.dedent(
        f"""
        from logto.native.sync import NativeClient
        client = NativeClient("test-cli", {logto.endpoint!r}, "cli", scopes=["read:data"], resources=[{API!r}],
                              tokenFile={str(tmp_path / 'tokens.json')!r}, coordinationDir={str(tmp_path / 'locks')!r})
        print(client.getAccessToken({API!r}))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    runs = [subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert outputs[0][0] == outputs[1][0], "both print the one refreshed token"
    assert logto.count_token_requests("refresh_token") == 1


def test_the_refresh_token_lives_in_the_secret_service_keyring(
    logto: MockLogto, tmp_path: Path, secret_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service.address)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    client = native_sync.NativeClient("test-cli", logto.endpoint, "cli", scopes=["read:data"], resources=[API])
    assert client.keptIn.startswith("the Secret Service keyring (the refresh token) and the file "), client.keptIn
    device_sign_in(logto, client)
    tokens = (tmp_path / "config" / "test-cli" / "logto-cli.json").read_text()
    assert '"refreshToken"' not in tokens and '"idToken"' in tokens, "only the refresh token is in the keyring"
    time.sleep(1.1)  # the access tokens expire: the refresh token comes from the keyring
    logto.reset_token_requests()
    client.getAccessToken(API)
    assert logto.count_token_requests("refresh_token", "ok") == 1
    # Another client of the same tool (another invocation) finds the rotated token there.
    other = native_sync.NativeClient("test-cli", logto.endpoint, "cli", scopes=["read:data"], resources=[API])
    assert other.isAuthenticated() and other.getAccessToken(API).count(".") == 2
    assert logto.active_refresh_tokens("u_alice") == 1
    other.signOut()
    assert logto.active_refresh_tokens("u_alice") == 0 and not client.isAuthenticated()


def test_without_a_keyring_the_tokens_go_to_the_file_unless_the_keyring_is_asked_for(
    logto: MockLogto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    client = native_sync.NativeClient("test-cli", logto.endpoint, "cli")
    assert client.keptIn == f"the file {tmp_path / 'config' / 'test-cli' / 'logto-cli.json'}"
    device_sign_in(logto, client)
    assert '"refreshToken"' in (tmp_path / "config" / "test-cli" / "logto-cli.json").read_text()
    with pytest.raises(Exception, match="no OS keyring"):
        native_sync.NativeClient("test-cli", logto.endpoint, "cli", tokenStore="keyring")
    with pytest.raises(ValueError, match="unknown token store"):
        native_sync.NativeClient("test-cli", logto.endpoint, "cli", tokenStore="vault")
    with pytest.raises(ValueError, match="tokenFile keeps every token in that file"):
        native_sync.NativeClient("test-cli", logto.endpoint, "cli", tokenStore="keyring", tokenFile=str(tmp_path / "t.json"))
