"""`python -m samples.cli`: a command-line tool signed in with Logto, as a user would write one
with `logto.native` (the Python twin of the Rust sample `examples/logto-cli`).

    python -m samples.cli login [--device]                      sign in through the browser (or with a code)
    python -m samples.cli whoami                                who is signed in, and where the tokens are
    python -m samples.cli token [--resource R] [--organization O]   an access token (refreshed when needed)
    python -m samples.cli call URL [--resource R]               GET URL with the access token as a bearer
    python -m samples.cli logout                                revoke the refresh token and forget the tokens

Settings: LOGTO_ENDPOINT, LOGTO_APP_ID (a Native app; for --device, one created with the device
flow), LOGTO_RESOURCES and LOGTO_SCOPES (comma-separated), LOGTO_TOKEN_STORE (auto, the default:
the refresh token in the OS keyring when one answers, else the file; keyring; file). Several
invocations at once refresh the token once.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from typing import List, Optional

from logto.LogtoException import LogtoException, LogtoNotAuthenticated, LogtoSignInRequired
from logto.native.sync import NativeClient

TOOL = "logto-cli-py"


def _setting(name: str) -> Optional[str]:
    return os.environ.get(name) or None


def _list(name: str) -> List[str]:
    return [item.strip() for item in (_setting(name) or "").split(",") if item.strip()]


def _client() -> NativeClient:
    endpoint, app_id = _setting("LOGTO_ENDPOINT"), _setting("LOGTO_APP_ID")
    if not endpoint or not app_id:
        raise SystemExit("logto-cli: set LOGTO_ENDPOINT and LOGTO_APP_ID")
    return NativeClient(
        TOOL,
        endpoint,
        app_id,
        scopes=_list("LOGTO_SCOPES"),
        resources=_list("LOGTO_RESOURCES"),
        tokenStore=_setting("LOGTO_TOKEN_STORE") or "auto",
    )


def _login(client: NativeClient, device: bool) -> None:
    if device:
        authorization = client.startDeviceSignIn()
        print(f"To sign in, open {authorization.verificationUri} and enter the code", file=sys.stderr)
        print(authorization.userCode, flush=True)
        if authorization.verificationUriComplete:
            print(f"(or open {authorization.verificationUriComplete})", file=sys.stderr, flush=True)
        client.finishDeviceSignIn(authorization)
    else:
        client.signInWithBrowser()  # opens the browser and prints the link
    claims = client.getIdTokenClaims()
    print(f"Signed in as {claims.username or claims.name or claims.sub}", file=sys.stderr)


def _token(client: NativeClient, args: argparse.Namespace) -> str:
    if not client.isAuthenticated():
        raise LogtoNotAuthenticated("not signed in")
    return client.getAccessToken(args.resource, args.organization)


def _run(args: argparse.Namespace) -> int:
    client = _client()
    if args.command == "login":
        _login(client, args.device)
    elif args.command == "whoami":
        if not client.isAuthenticated():
            raise LogtoNotAuthenticated("not signed in")
        claims = client.getIdTokenClaims()
        print(claims.sub)
        for label, value in (("username", claims.username), ("name", claims.name), ("email", claims.email)):
            if value:
                print(f"{label}: {value}", file=sys.stderr)
        print(f"tokens kept in {client.keptIn}", file=sys.stderr)
    elif args.command == "token":
        print(_token(client, args))
    elif args.command == "call":
        request = urllib.request.Request(args.url, headers={"Authorization": f"Bearer {_token(client, args)}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                print(f"HTTP {response.status}", file=sys.stderr)
                print(response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as refused:
            print(refused.read().decode("utf-8", "replace"))
            print(f"logto-cli: GET {args.url}: HTTP {refused.code}", file=sys.stderr)
            return 1
        except urllib.error.URLError as unreachable:
            print(f"logto-cli: GET {args.url}: {unreachable.reason}", file=sys.stderr)
            return 1
    elif args.command == "logout":
        client.signOut()
        print("Signed out", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m samples.cli", description="A command-line tool signed in with Logto.")
    commands = parser.add_subparsers(dest="command", required=True)
    login = commands.add_parser("login", help="sign in through the browser, or with a code (--device)")
    login.add_argument("--device", action="store_true", help="sign in with a code on another device")
    commands.add_parser("whoami", help="who is signed in, and where the tokens are")
    for name, help in (("token", "print an access token"), ("call", "GET a URL with the access token")):
        command = commands.add_parser(name, help=help)
        if name == "call":
            command.add_argument("url")
        command.add_argument("--resource", help="the API's resource indicator")
        command.add_argument("--organization", help="an organization's ID, for an organization token")
    commands.add_parser("logout", help="revoke the refresh token and forget the tokens")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (LogtoNotAuthenticated, LogtoSignInRequired) as signed_out:
        print(f"logto-cli: {signed_out}: run `python -m samples.cli login`", file=sys.stderr)
    except (LogtoException, ValueError) as failed:  # ValueError: an unknown LOGTO_TOKEN_STORE
        print(f"logto-cli: {failed}", file=sys.stderr)
    except KeyboardInterrupt:
        print("logto-cli: cancelled", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
