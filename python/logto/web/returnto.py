"""Return-to targets: where the callback may send the browser after sign-in.

Only a local path of this app is accepted (`/x?y`); `//host`, `/\\host`, absolute URLs and
anything with a control character (which browsers strip, turning `/\\t/host` into `//host`)
are refused, so a sign-in link can never become an open redirect.
"""

from typing import Optional

from .. import _core


def isLocalPath(target: Optional[str]) -> bool:
    """Whether `target` is a path on this app's origin (the core's rule, shared by every face)."""
    return bool(target) and _core.is_local_path(target)  # type: ignore[arg-type]


def localPathOr(target: Optional[str], default: str) -> str:
    """`target` when it is a local path, else `default`."""
    return target if target is not None and isLocalPath(target) else default


__all__ = ["isLocalPath", "localPathOr"]
