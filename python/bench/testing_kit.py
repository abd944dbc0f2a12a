"""Benchmark of `logto.testing` (see BENCHMARKS.md, "Test kit"): the server's start, and a test
that signs a user in through each framework's test client and reads a protected page, against
the usual recipe of a Node `oidc-provider` server (the repository's `testing/idp`).

    python bench/testing_kit.py [ROUNDS]     # from python/, in its venv
"""

import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from logto.testing import MockLogto  # noqa: E402


def timed(rounds: int, step: Callable[[], Any]) -> List[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(name: str, times: List[float]) -> None:
    times = sorted(times)
    p90 = times[int(len(times) * 0.9) - 1]
    print(f"| {name} | {statistics.median(times):.2f} | {p90:.2f} | {len(times)} |")


def sign_in_and_read(framework: str, logto: MockLogto) -> None:
    from test_testing_kit import app_and_client, text

    _, client = app_and_client(framework, logto)
    answer = logto.sign_in(client)
    assert answer.status_code == 302
    page = client.get("/protected")
    assert page.status_code == 200 and logto.user_sub in text(page)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    print("| what | median (ms) | p90 (ms) | rounds |")
    print("|---|---:|---:|---:|")
    summary("`MockLogto()` start (with its default app and user) and `close()`", timed(rounds, lambda: MockLogto().close()))
    with MockLogto() as logto:
        for framework in ("flask", "django", "fastapi"):
            sign_in_and_read(framework, logto)  # imports and first-use costs out of the figures
            summary(f"{framework}: build the app and its test client, sign in, read `/protected`", timed(rounds, lambda: sign_in_and_read(framework, logto)))

    from conftest import TestIdp

    def node_start() -> None:
        TestIdp().stop()

    summary("Node `oidc-provider` (testing/idp) start and stop", timed(max(5, rounds // 10), node_start))
    idp = TestIdp()
    try:
        from logto.sync import LogtoClient
        from logto import LogtoConfig

        def node_sign_in() -> None:
            client = LogtoClient(LogtoConfig(endpoint=idp.endpoint, appId="confidential-app", appSecret="confidential-secret"))
            url = client.signIn(redirectUri="http://127.0.0.1:3000/callback")
            client.handleSignInCallback(idp.login(url))

        def kit_sign_in(logto: MockLogto) -> None:
            client = LogtoClient(LogtoConfig(endpoint=logto.endpoint, appId=logto.app_id, appSecret=logto.app_secret))
            url = client.signIn(redirectUri="http://127.0.0.1:3000/callback")
            client.handleSignInCallback(logto.callback_for(url))

        node_sign_in()
        summary("`LogtoClient` sign-in at Node `oidc-provider` (scripted login form)", timed(rounds, node_sign_in))
        with MockLogto() as logto:
            kit_sign_in(logto)
            summary("`LogtoClient` sign-in at `MockLogto`", timed(rounds, lambda: kit_sign_in(logto)))
    finally:
        idp.stop()


if __name__ == "__main__":
    main()
