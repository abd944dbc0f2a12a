"""API protection: our `AccessTokenVerifier` against the PyJWT + `PyJWKClient` recipe of Logto's
Python API-protection docs, on the same access tokens of the local test identity server, in one
process, one run.

    python/.venv/bin/pip install "pyjwt[crypto]==2.10.1"
    python/.venv/bin/python python/bench/api_protection.py [--tokens 200] [--rounds 5]

Rows:
- a token seen before (an API client reuses its token for an hour): ours answers from its cache of
  verified tokens; the recipe verifies the signature again;
- a fresh token each time (every request a new token): ours with the cache off (`cacheCapacity=0`)
  and on (a miss, then the insert), the recipe as is.
Both check the signature (ES384), `iss`, `aud`, `exp`; ours also `iat`, `nbf`, `typ` and the scopes.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import jwt  # noqa: E402
from conftest import TestIdp  # noqa: E402

from logto import AccessTokenVerifier  # noqa: E402
from logto.sync import MachineClient  # noqa: E402

API = "https://api.example.com"


def recipe(jwks_client: "jwt.PyJWKClient", issuer: str):
    """Logto's documented PyJWT recipe for a Python API."""

    def verify(token: str) -> dict:
        signing_key = jwks_client.get_signing_key_from_jwt(token)
        return jwt.decode(token, signing_key.key, algorithms=["ES384"], audience=API, issuer=issuer)

    return verify


def per_call_us(verify, tokens, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for token in tokens:
            verify(token)
        best = min(best, (time.perf_counter() - started) / len(tokens))
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    idp = TestIdp()
    try:
        # Distinct real tokens: machine-to-machine tokens of distinct scope sets are distinct.
        tokens = []
        for i in range(args.tokens):
            machine = MachineClient(idp.endpoint, "m2m-app", "m2m-secret")
            tokens.append(machine.getToken(resource=API, scopes=["read:data", f"unused:{i}"]))
        assert len(set(tokens)) == len(tokens)
        issuer = idp.issuer
        pyjwt = recipe(jwt.PyJWKClient(f"{issuer}/jwks"), issuer)
        cached = AccessTokenVerifier(idp.endpoint, API)
        uncached = AccessTokenVerifier(idp.endpoint, API, cacheCapacity=0)
        for verify in (pyjwt, cached.verify, uncached.verify):
            verify(tokens[0])  # keys fetched, everything warm

        one = [tokens[0]] * args.tokens
        rows = [
            ("a token seen before", per_call_us(pyjwt, one, args.rounds), per_call_us(cached.verify, one, args.rounds)),
            (
                "a fresh token each time (ours: cache off)",
                per_call_us(pyjwt, tokens, args.rounds),
                per_call_us(uncached.verify, tokens, args.rounds),
            ),
        ]
        fresh_cached = AccessTokenVerifier(idp.endpoint, API)
        fresh_cached.verify(tokens[0])
        rows.append(
            (
                "a fresh token each time (ours: cache on, a miss)",
                rows[1][1],
                per_call_us(fresh_cached.verify, tokens, 1),
            )
        )
    finally:
        idp.stop()
    print("| case | PyJWT + PyJWKClient (µs/call) | logto AccessTokenVerifier (µs/call) | ratio |")
    print("|---|---:|---:|---:|")
    for name, theirs, ours in rows:
        print(f"| {name} | {theirs:.1f} | {ours:.1f} | {theirs / ours:.1f}x faster |")
    print(f"\n{args.tokens} ES384 tokens, best of {args.rounds} rounds per row.", file=sys.stderr)


if __name__ == "__main__":
    main()
