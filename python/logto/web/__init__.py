"""
`logto.web`: what the framework integrations (`logto.flask`, `logto.django`, `logto.fastapi`)
share, and the pieces to build one for another framework.

- `WebSettings`: endpoint, app id and secret, public base URL, scopes, resources, route paths,
  redirects, Redis URL, cookie settings and lifetimes, back-channel logout, leeway.
- `LogtoWeb`: the process's clients and the core's session engine. A face opens a request's
  `RequestSession` from the cookie (`drive.open` / `await driveAsync.open`), runs the route
  steps (`signIn`, `callback`, `signOut`, `backchannelLogout`, `claims`), sends each `Answer` as
  it is, and finishes the session (`finish`: the `Set-Cookie` header value). Every rule is the
  core's (`logto::session`), the same in every face.
- `AppSession`: the app's own values of a session (a framework's `session`), stored with it.
- `isLocalPath`: return-to validation (the core's rule); `errorPage` / `isSignedOut`: failures of
  view code as answers.
"""

from .engine import Answer, AppSession, AsyncDrive, Drive, LogtoWeb, RequestSession
from .errors import ErrorPage, errorPage, isSignedOut, statusOf
from .returnto import isLocalPath, localPathOr
from .settings import WebSettings

__all__ = [
    "WebSettings",
    "LogtoWeb",
    "Answer",
    "AppSession",
    "RequestSession",
    "Drive",
    "AsyncDrive",
    "isLocalPath",
    "localPathOr",
    "ErrorPage",
    "errorPage",
    "isSignedOut",
    "statusOf",
]
