"""
`logto.web`: what the framework integrations (`logto.flask`, `logto.django`, `logto.fastapi`)
share, and the pieces to build one for another framework.

- `WebSettings`: endpoint, app id and secret, public base URL, scopes, resources, route paths,
  redirects, Redis URL, cookie settings and lifetimes, back-channel logout, leeway.
- `LogtoWeb`: the shared clients, the signed-in check (`claims`, `claimsAsync`: the core's
  answer), the sign-in, callback and sign-out steps on a session, and the back-channel logout
  answer (`backchannel`).
- Server-side sessions: `SessionManager` + `ServerSession` over a `SessionStore`
  (`RedisSessionStore` in production, `MemorySessionStore` for development). The cookie holds
  only an opaque id; no token ever reaches the browser.
- `SessionStorage`: the client's `Storage` over a session mapping, with one sign-in in progress
  per `state` (two tabs signing in at once both succeed); refresh-token writes are stamped so a
  stale copy of the session never brings a consumed token back (`tokens`).
- `isLocalPath`: return-to validation; `errorPage` / `isSignedOut`: failures as answers.
"""

from .errors import ErrorPage, errorPage, isSignedOut, statusOf
from .flow import LogtoWeb, WebSession
from .returnto import isLocalPath, localPathOr
from .session import CookieUpdate, ServerSession, SessionManager
from .settings import WebSettings
from .storage import SessionStorage
from .store import MemorySessionStore, RedisSessionStore, SessionStore, storeFor

__all__ = [
    "WebSettings",
    "LogtoWeb",
    "WebSession",
    "SessionManager",
    "ServerSession",
    "CookieUpdate",
    "SessionStore",
    "MemorySessionStore",
    "RedisSessionStore",
    "storeFor",
    "SessionStorage",
    "isLocalPath",
    "localPathOr",
    "ErrorPage",
    "errorPage",
    "isSignedOut",
    "statusOf",
]
