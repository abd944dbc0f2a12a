"""
Sign-in from a terminal, for command-line tools: through the system browser with a loopback
redirect (RFC 8252), or with a code on a machine without a browser (the device flow, RFC 8628,
Logto 1.38+). The refresh token lives in the OS keyring when one answers (the Secret Service on
Linux, the Keychain on macOS, the Credential Manager on Windows), the other tokens in a file only
the user can read, in the platform's configuration directory (`~/.config/<tool>/` on Linux);
without a keyring (a server, a CI machine), all in that file (`tokenStore="auto"`, the default;
`"keyring"` or `"file"` to choose). Several invocations at once refresh the access token once
(file locks, across processes). The work is the Rust core's.

```python
from logto.native import NativeClient

client = NativeClient("my-cli", "https://tenant.logto.app", "native-app-id", resources=["https://api.example.com"])
if not await client.isAuthenticated():
    await client.signInWithBrowser()                 # or: device = await client.startDeviceSignIn() ...
token = await client.getAccessToken("https://api.example.com")
```

`logto.native.sync.NativeClient` has the same methods as plain calls.
"""

from __future__ import annotations

import sys
import webbrowser
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from .. import _core
from ..models.oidc import IdTokenClaims


def openBrowser(url: str) -> None:
    """Opens `url` in the user's browser and prints it too (on stderr), for a machine where no
    browser opens (SSH, a container)."""
    opened = False
    try:
        opened = webbrowser.open(url)
    except Exception:  # noqa: BLE001 - any failure means: print the link
        opened = False
    prefix = "Your browser was opened; if not, open this link" if opened else "Open this link"
    print(f"{prefix} to sign in:\n{url}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class DeviceAuthorization:
    """What the user needs to approve a device sign-in: show `userCode` and `verificationUri`
    (or `verificationUriComplete`, which carries the code). The device code stays in the core."""

    userCode: str
    verificationUri: str
    verificationUriComplete: Optional[str]
    expiresIn: float
    interval: float
    _core: Any

    def withInterval(self, seconds: float) -> "DeviceAuthorization":
        """The same sign-in polled every `seconds` (for tests; Logto asks for 5 s)."""
        core = self._core.with_interval(seconds)
        return DeviceAuthorization(self.userCode, self.verificationUri, self.verificationUriComplete, self.expiresIn, seconds, core)

    @staticmethod
    def _of(core: Any) -> "DeviceAuthorization":
        return DeviceAuthorization(core.user_code, core.verification_uri, core.verification_uri_complete, core.expires_in, core.interval, core)


class _NativeBase:
    def __init__(
        self,
        tool: str,
        endpoint: str,
        appId: str,
        *,
        scopes: Sequence[str] = (),
        resources: Sequence[str] = (),
        tokenFile: Optional[str] = None,
        coordinationDir: Optional[str] = None,
        tokenStore: str = "auto",
    ) -> None:
        self.tool = tool
        self.endpoint = endpoint
        self.appId = appId
        self._core = _core.CoreNative(
            tool, endpoint, appId, list(scopes), list(resources), tokenFile, coordinationDir, tokenStore
        )

    @property
    def keptIn(self) -> str:
        """Where the tokens are kept: `the file <path>`, or `<keyring> (the refresh token) and
        the file <path>`."""
        return str(self._core.kept_in)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(tool={self.tool!r}, endpoint={self.endpoint!r}, appId={self.appId!r})"


async def _settled(pending: Any) -> Any:
    return pending if not hasattr(pending, "__await__") else await pending


class NativeClient(_NativeBase):
    """A native app (a public "Native" app in Logto) signing its user in from a terminal."""

    async def signInWithBrowser(self, onUrl: Callable[[str], None] = openBrowser, timeout: float = 300, port: int = 0) -> None:
        """Listens on `127.0.0.1` (a free port), gives `onUrl` the sign-in URL (by default: opens
        the browser and prints the link), answers the one callback with a page saying the tab
        can be closed, and completes the sign-in (`state`, `iss`, PKCE, the ID token verified)."""
        await _settled(self._core.sign_in_with_loopback(onUrl, timeout, port))

    async def startDeviceSignIn(self) -> DeviceAuthorization:
        """Starts a device sign-in (Logto 1.38+, a Native app created for the device flow)."""
        return DeviceAuthorization._of(await _settled(self._core.start_device_sign_in()))

    async def finishDeviceSignIn(self, device: DeviceAuthorization) -> None:
        """Polls until the user approves (`slow_down` honoured); `LogtoCallbackError`
        (`access_denied`) if they refuse, `LogtoServerError` (`expired_token`) when the codes expire."""
        await _settled(self._core.finish_device_sign_in(device._core))

    async def isAuthenticated(self) -> bool:
        return bool(await _settled(self._core.is_authenticated()))

    async def getAccessToken(self, resource: Optional[str] = None, organizationId: Optional[str] = None) -> str:
        """An access token, refreshed when needed (once across invocations)."""
        return str(await _settled(self._core.get_access_token(resource, organizationId)))

    async def getIdTokenClaims(self) -> IdTokenClaims:
        return IdTokenClaims.model_validate_json(await _settled(self._core.id_token_claims()))

    async def signOut(self) -> None:
        """Revokes the refresh token and forgets the tokens."""
        await _settled(self._core.sign_out())


__all__ = ["NativeClient", "DeviceAuthorization", "openBrowser"]
