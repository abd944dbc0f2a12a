"""`WebSettings`: what every framework integration needs to know, in one shape.

Each integration reads it from where its framework keeps settings (`LOGTO = {...}` in Django,
keyword arguments or `app.config["LOGTO"]` in Flask, keyword arguments in FastAPI); keys may be
written `appId`, `app_id` or `APP_ID`.
"""

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Union
from urllib.parse import urlsplit

from ..LogtoClient import LogtoConfig
from ..LogtoException import LogtoConfigError
from .returnto import isLocalPath

DAY = 24 * 60 * 60


@dataclass
class WebSettings:
    """
    The settings of a web app's Logto integration.

    ```python
    from logto.web import WebSettings

    settings = WebSettings(
        endpoint="https://tenant.logto.app",
        appId="...",
        appSecret="...",
        baseUrl="https://app.example.com",   # the public URL (behind a proxy: the proxy's)
        redisUrl="redis://localhost:6379/0", # server-side sessions; unset = in-memory (development)
    )
    ```
    """

    endpoint: str
    """The Logto endpoint, e.g. `https://tenant.logto.app`."""
    appId: str
    """The application id."""
    appSecret: Optional[str] = field(default=None, repr=False)
    """The application secret (a "traditional web" app has one)."""
    baseUrl: str = "http://127.0.0.1:5000"
    """The app's public URL. Redirect URIs are built from it, never from the request, so the
    app works unchanged behind a reverse proxy."""
    scopes: List[Any] = field(default_factory=list)
    """Extra scopes (`UserInfoScope` members or strings)."""
    resources: List[Any] = field(default_factory=list)
    """API resources to request access tokens for."""
    prompt: Union[str, List[str]] = "consent"
    """The OIDC `prompt` of the sign-in request."""
    signInPath: str = "/sign-in"
    signUpPath: str = "/sign-up"
    callbackPath: str = "/callback"
    signOutPath: str = "/sign-out"
    postSignInRedirect: str = "/"
    """Where the callback sends the browser when the sign-in carried no `return_to`."""
    postSignOutRedirect: str = "/"
    """Where Logto sends the browser after sign-out (a path of this app, or an absolute URL)."""
    signOutOnGet: bool = False
    """Also sign out on GET (any link or image could then sign the user out); POST only by default."""
    redisUrl: Optional[str] = field(default=None, repr=False)
    """Redis for the server-side sessions and for coordinating refreshes across the app's
    instances (`redis://host:6379/0`); unset: an in-memory store that suits development only (it
    says so in the log), and refreshes coordinated within the process."""
    cookieName: str = "logto_session"
    cookieSecure: Optional[bool] = None
    """`Secure` session cookie; default: on when `baseUrl` is https."""
    cookieDomain: Optional[str] = None
    cookiePath: str = "/"
    sessionLifetime: int = 14 * DAY
    """Seconds a signed-in session lives after its last change (sign-in, token refresh)."""
    signInLifetime: int = 10 * 60
    """Seconds a session that only holds a sign-in in progress lives: abandoned sign-ins expire fast."""
    timeout: Optional[float] = None
    """Seconds each request to Logto may take (default 10)."""
    backchannelLogout: bool = False
    """Honour Logto's back-channel logouts: the integration answers Logto's logout tokens at
    `backchannelLogoutPath` (register `baseUrl` + that path as the app's back-channel logout URI
    in Logto), and a session Logto ended is signed out on its next request, in every instance
    sharing `redisUrl`."""
    backchannelLogoutPath: str = "/backchannel-logout"
    """Where Logto posts its logout tokens (`POST`, form field `logout_token`)."""
    leeway: Optional[float] = None
    """The clock leeway in seconds of the token time checks (default 60): an ID token counts as
    fresh until `leeway` seconds past its expiry, then it is renewed with the refresh token."""

    def __post_init__(self) -> None:
        self.baseUrl = self.baseUrl.rstrip("/")
        parts = urlsplit(self.baseUrl)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise LogtoConfigError(f"baseUrl {self.baseUrl!r} must be an http(s) URL without query or fragment")
        for name in ("signInPath", "signUpPath", "callbackPath", "signOutPath", "backchannelLogoutPath"):
            path = getattr(self, name)
            if not isLocalPath(path) or "?" in path:
                raise LogtoConfigError(f"{name} {path!r} must be a path starting with '/'")
        if not isLocalPath(self.postSignInRedirect):
            raise LogtoConfigError(f"postSignInRedirect {self.postSignInRedirect!r} must be a local path")
        if self.cookieSecure is None:
            self.cookieSecure = parts.scheme == "https"
        if self.sessionLifetime <= 0 or self.signInLifetime <= 0:
            raise LogtoConfigError("sessionLifetime and signInLifetime must be positive")

    @classmethod
    def fromMapping(cls, values: Mapping[str, Any]) -> "WebSettings":
        """Settings from a mapping whose keys may be `appId`, `app_id` or `APP_ID`; an unknown
        key is an error (a typo must not silently fall back to a default)."""
        known = {_normalize(f.name): f.name for f in dataclasses.fields(cls)}
        arguments = {}
        for key, value in values.items():
            name = known.get(_normalize(key))
            if name is None:
                raise LogtoConfigError(f"unknown Logto setting {key!r} (known: {', '.join(sorted(known.values()))})")
            arguments[name] = value
        for required in ("endpoint", "appId"):
            if not arguments.get(required):
                raise LogtoConfigError(f"the Logto setting {required!r} is missing")
        return cls(**arguments)

    @classmethod
    def fromEnvironment(cls, environ: Optional[Mapping[str, str]] = None, **overrides: Any) -> "WebSettings":
        """Settings from `LOGTO_ENDPOINT`, `LOGTO_APP_ID`, `LOGTO_APP_SECRET`, `LOGTO_BASE_URL`
        (or `APP_BASE_URL`) and `LOGTO_REDIS_URL` (or `REDIS_URL`), then `overrides`."""
        env = os.environ if environ is None else environ
        values = {
            "endpoint": env.get("LOGTO_ENDPOINT"),
            "appId": env.get("LOGTO_APP_ID"),
            "appSecret": env.get("LOGTO_APP_SECRET") or None,
            "baseUrl": env.get("LOGTO_BASE_URL") or env.get("APP_BASE_URL"),
            "redisUrl": env.get("LOGTO_REDIS_URL") or env.get("REDIS_URL") or None,
        }
        values = {key: value for key, value in values.items() if value is not None}
        values.update(overrides)
        return cls.fromMapping(values)

    def logtoConfig(self) -> LogtoConfig:
        """The `LogtoConfig` of the client."""
        return LogtoConfig(
            endpoint=self.endpoint,
            appId=self.appId,
            appSecret=self.appSecret,
            scopes=list(self.scopes),
            resources=list(self.resources),
            prompt=self.prompt,
            timeout=self.timeout,
            # The same Redis coordinates refreshes across the app's instances (one token request
            # per rotation), as it holds their sessions.
            redisUrl=self.redisUrl,
            backchannelLogout=self.backchannelLogout,
            leeway=self.leeway,
        )

    @property
    def redirectUri(self) -> str:
        """The sign-in redirect URI: `baseUrl` + `callbackPath`."""
        return self.absolute(self.callbackPath)

    @property
    def origin(self) -> str:
        """The public origin (`scheme://host[:port]`) of the app."""
        parts = urlsplit(self.baseUrl)
        return f"{parts.scheme}://{parts.netloc}".lower()

    def absolute(self, target: str) -> str:
        """`target` as an absolute URL (a path is put under `baseUrl`)."""
        if target.startswith(("http://", "https://")):
            return target
        return self.baseUrl + "/" + target.lstrip("/")


def _normalize(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()


__all__ = ["WebSettings"]
