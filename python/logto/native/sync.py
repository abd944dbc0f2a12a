"""`logto.native.sync.NativeClient`: `logto.native.NativeClient` with plain (blocking) methods,
for command-line tools without an event loop."""

from __future__ import annotations

from typing import Callable, Optional

from ..models.oidc import IdTokenClaims
from . import DeviceAuthorization, _NativeBase, openBrowser


class NativeClient(_NativeBase):
    """See `logto.native.NativeClient`; the same methods without `await`."""

    def signInWithBrowser(self, onUrl: Callable[[str], None] = openBrowser, timeout: float = 300, port: int = 0) -> None:
        self._core.sign_in_with_loopback(onUrl, timeout, port, blocking=True)

    def startDeviceSignIn(self) -> DeviceAuthorization:
        return DeviceAuthorization._of(self._core.start_device_sign_in(blocking=True))

    def finishDeviceSignIn(self, device: DeviceAuthorization) -> None:
        self._core.finish_device_sign_in(device._core, blocking=True)

    def isAuthenticated(self) -> bool:
        return bool(self._core.is_authenticated(blocking=True))

    def getAccessToken(self, resource: Optional[str] = None, organizationId: Optional[str] = None) -> str:
        return str(self._core.get_access_token(resource, organizationId, blocking=True))

    def getIdTokenClaims(self) -> IdTokenClaims:
        return IdTokenClaims.model_validate_json(self._core.id_token_claims(blocking=True))

    def signOut(self) -> None:
        self._core.sign_out(blocking=True)


__all__ = ["NativeClient", "DeviceAuthorization", "openBrowser"]
