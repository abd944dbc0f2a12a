"""Our `logto` package against the official `logto==0.2.1`, side by side, on one local test server.

Both packages are imported as `logto`, so each side runs in its own subprocess: ours from the
virtualenv (maturin develop), the official one from `bench/.official` (installed there with
`pip install --target`) put first on PYTHONPATH. Both run the same code, written against the
official API, against the same test identity server, which is preloaded with a request counter
so the round trips of each operation are counted on the server. It also times a signed-in page
in Flask, Django and FastAPI (`web_pages.py`): the official package glued in by hand against our
framework integrations, with Redis (started here) for the server-side sessions.

    python/.venv/bin/python python/bench/compare.py [--quick] [--markdown python/BENCHMARKS.md]
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

BENCH = Path(__file__).resolve().parent
PYTHON_DIR = BENCH.parent
OFFICIAL_DIR = BENCH / ".official"
OFFICIAL_VERSION = "0.2.1"
STARSESSIONS_VERSION = "2.2.1"
REDIRECT_URI = "http://127.0.0.1:5999/callback"
APP_ID, APP_SECRET = "confidential-app", "confidential-secret"

OPERATIONS = [
    ("sign_in_url", "sign-in URL (`signIn`)"),
    ("callback", "callback handling (`handleSignInCallback`)"),
    ("cached_access_token", "cached `getAccessToken`"),
    ("verify_id_token", "ID-token verification (`verifyIdToken`)"),
    ("fetch_user_info", "`fetchUserInfo`"),
]
# The signed-in page of each framework (bench/web_pages.py): official glued by hand vs ours.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_pages import FRAMEWORK_ROWS, REFERENCE_ROWS  # noqa: E402

OPERATIONS += FRAMEWORK_ROWS


# -- worker: one side, in its own process --------------------------------------------------------


def server_requests(endpoint: str) -> int:
    with urllib.request.urlopen(f"{endpoint}/__bench/requests", timeout=10) as response:
        return json.load(response)["count"]


async def worker(endpoint: str, scale: float, side: str, redis_url: str) -> Dict[str, dict]:
    sys.path.insert(0, str(PYTHON_DIR / "tests"))
    from conftest import TestIdp  # the scripted browser login

    import logto
    from logto import LogtoClient, LogtoConfig, Storage

    class DictStorage(Storage):  # the official MemoryStorage prints on every access
        def __init__(self):
            self.values = {}

        def get(self, key):
            return self.values.get(key)

        def set(self, key, value):
            self.values[key] = value

        def delete(self, key):
            self.values.pop(key, None)

    idp = TestIdp.attach(endpoint)
    client = LogtoClient(LogtoConfig(endpoint=endpoint, appId=APP_ID, appSecret=APP_SECRET), storage=DictStorage())
    results: Dict[str, dict] = {"_package": {"file": logto.__file__}}

    async def measure(name: str, iterations: int, operation, before=None):
        """Mean time of `operation`; server requests counted around the timed calls only (the
        `before` step, e.g. a scripted login, is neither timed nor counted)."""
        iterations = max(2, int(iterations * scale))
        elapsed, requests = 0.0, 0
        if before is None:
            count = server_requests(endpoint)
            start = time.perf_counter()
            for _ in range(iterations):
                await operation()
            elapsed = time.perf_counter() - start
            requests = server_requests(endpoint) - count
        else:
            for _ in range(iterations):
                await before()
                count = server_requests(endpoint)
                start = time.perf_counter()
                await operation()
                elapsed += time.perf_counter() - start
                requests += server_requests(endpoint) - count
        results[name] = {"iterations": iterations, "mean_us": elapsed / iterations * 1e6, "round_trips": requests / iterations}

    # Warm-up: discovery, the signing keys, the first connection.
    await client.handleSignInCallback(idp.login(await client.signIn(REDIRECT_URI)))

    await measure("sign_in_url", 300, lambda: client.signIn(REDIRECT_URI))

    pending: List[str] = []

    async def new_callback():
        pending.append(idp.login(await client.signIn(REDIRECT_URI)))

    await measure("callback", 30, lambda: client.handleSignInCallback(pending.pop()), before=new_callback)

    await measure("cached_access_token", 3000, lambda: client.getAccessToken())

    core = await client.getOidcCore()
    id_token = client.getIdToken()

    async def verify():
        core.verifyIdToken(id_token, APP_ID)

    await measure("verify_id_token", 1000, verify)
    await measure("fetch_user_info", 200, client.fetchUserInfo)

    import web_pages

    web_pages.COUNT = lambda: server_requests(endpoint)
    results.update(await asyncio.to_thread(web_pages.web_worker, endpoint, side, scale, redis_url))
    return results


# -- orchestration -------------------------------------------------------------------------------


def ensure_official() -> None:
    if not (OFFICIAL_DIR / f"logto-{OFFICIAL_VERSION}.dist-info").is_dir():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--target", str(OFFICIAL_DIR), f"logto=={OFFICIAL_VERSION}"],
            check=True,
        )
    # The official side's server-side FastAPI sessions (starlette and redis come from the venv).
    if not (OFFICIAL_DIR / f"starsessions-{STARSESSIONS_VERSION}.dist-info").is_dir():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--target", str(OFFICIAL_DIR), f"starsessions=={STARSESSIONS_VERSION}"],
            check=True,
        )


def run_side(side: str, endpoint: str, scale: float, redis_url: str) -> Dict[str, dict]:
    env = dict(os.environ)
    if side == "official":
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(OFFICIAL_DIR), env.get("PYTHONPATH")]))
    worker = subprocess.run(
        [sys.executable, __file__, "--worker", endpoint, "--scale", str(scale), "--side", side, "--redis", redis_url],
        env=env, capture_output=True, text=True,
    )
    if worker.returncode != 0:
        raise RuntimeError(f"the {side} worker failed:\n{worker.stderr[-4000:]}")
    output = worker.stdout
    results = json.loads(output.strip().splitlines()[-1])
    location = results.pop("_package")["file"]
    expected_official = side == "official"
    if (str(OFFICIAL_DIR) in location) != expected_official:
        raise RuntimeError(f"the {side} side imported logto from {location}")
    return results


def best(runs: List[Dict[str, dict]]) -> Dict[str, dict]:
    return {key: min((run[key] for run in runs), key=lambda r: r["mean_us"]) for key, _ in OPERATIONS + REFERENCE_ROWS}


def table(ours: Dict[str, dict], official: Dict[str, dict], rows=OPERATIONS) -> str:
    lines = [
        "| operation | official 0.2.1 (µs) | ours (µs) | speed-up | round trips official → ours |",
        "|---|---:|---:|---:|---|",
    ]
    for key, label in rows:
        a, b = official[key], ours[key]
        lines.append(
            f"| {label} | {a['mean_us']:,.0f} | {b['mean_us']:,.1f} | {a['mean_us'] / b['mean_us']:,.1f}× "
            f"| {a['round_trips']:g} → {b['round_trips']:g} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", metavar="ENDPOINT", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--side", default="ours", help=argparse.SUPPRESS)
    parser.add_argument("--redis", default="", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="a tenth of the iterations")
    parser.add_argument("--rounds", type=int, default=2, help="runs per side, alternating (best kept)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(worker(args.worker, args.scale, args.side, args.redis))))
        return

    sys.path.insert(0, str(PYTHON_DIR / "tests"))
    from conftest import RedisServer, TestIdp

    ensure_official()
    scale = 0.1 if args.quick else 1.0
    idp = TestIdp(preload=str(BENCH / "request_counter.cjs"))
    redis_server = RedisServer()
    runs: Dict[str, List[Dict[str, dict]]] = {"official": [], "ours": []}
    try:
        # Alternate the sides so neither always meets a fresher server; keep each side's best.
        for _ in range(args.rounds):
            for side in ("official", "ours"):
                runs[side].append(run_side(side, idp.endpoint, scale, redis_server.url))
    finally:
        idp.stop()
        redis_server.stop()
    official, ours = (best(runs[side]) for side in ("official", "ours"))
    result = table(ours, official)
    reference = table(ours, official, REFERENCE_ROWS)
    print(result)
    print()
    print(reference)
    for key, label in OPERATIONS + REFERENCE_ROWS:
        print(f"{key}: {official[key]['iterations']} iterations per side")
    if args.markdown:
        args.markdown.write_text(
            "# Python package: ours against the official `logto==0.2.1`\n\n"
            "Mean time per call on one machine (2 cores), both packages against the same local test\n"
            "identity server (`testing/idp`, ES384), each in its own process; round trips counted on the\n"
            "server. The same script, written against the official API, runs on both sides; the sides run\n"
            f"alternately, {args.rounds} times each, and the best mean of each side is kept.\n\n"
            f"{result}\n\n"
            "The signed-in page rows (`python/bench/web_pages.py`) time one request through the framework's\n"
            "own test client (FastAPI: httpx's ASGI transport in one event loop) of a page that calls\n"
            "`isAuthenticated`, `getIdTokenClaims` and a cached `getAccessToken`: the official package glued\n"
            "in by hand (a `Storage` over the framework's session, `async_to_sync` in Django, async views\n"
            "where it needs them) against `logto.flask` / `logto.django` / `logto.fastapi` with the tokens\n"
            "server-side in Redis (one GET per request). Flask's official side keeps the tokens in Flask's\n"
            "signed cookie, as its guide does; Django's and FastAPI's sides use the same Redis-backed\n"
            "sessions (Django's cache engine; `starsessions` 2.2.1 with `redis.asyncio` for the official\n"
            "FastAPI side).\n\n"
            "Not the same setup on both sides, so shown apart: against Starlette's own `SessionMiddleware`,\n"
            "which keeps the session (the tokens) in a signed cookie the browser can read, our Redis\n"
            "round trip is the difference:\n\n"
            f"{reference}\n\n"
            "Reproduce: `python/scripts/test.sh` (builds the package), then\n"
            "`python/.venv/bin/python python/bench/compare.py --markdown python/BENCHMARKS.md`.\n"
        )


if __name__ == "__main__":
    main()
