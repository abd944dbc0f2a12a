"""
`logto.fastapi`: Logto for FastAPI and Starlette (`pip install "logto-rs[fastapi]"`).

```python
from fastapi import Depends, FastAPI
from logto import IdTokenClaims, LogtoClient
from logto.fastapi import LogtoFastAPI

app = FastAPI()
logto = LogtoFastAPI(endpoint="https://tenant.logto.app", appId="...", appSecret="...",
                     baseUrl="https://app.example.com", redisUrl="redis://localhost:6379/0")
logto.init_app(app)   # server-side sessions, the four routes, signed-out handling

@app.get("/")
async def home(user: IdTokenClaims = Depends(logto.requireUser())):
    return {"hello": user.sub}

@app.get("/orders")
async def orders(user=Depends(logto.requireUser(redirect=False)), client: LogtoClient = Depends(logto.client)):
    token = await client.getAccessToken("https://api.example.com")
    ...
```

It gives the app:
- `ServerSessionMiddleware`: the core's session engine; `request.session` (the app's own
  values, JSON) and the user's tokens live in Redis (`redisUrl`) or, for development, in memory;
  the cookie (HttpOnly, SameSite=Lax, Secure on https) holds only an opaque id, renewed at
  sign-in. (Starlette's own `SessionMiddleware` keeps the data in a signed cookie the browser can
  read: not for tokens.)
- `logto.router`: `/sign-in`, `/sign-up` (both take `?return_to=/local/path`), `/callback`,
  `/sign-out` (POST from this site; GET too with `signOutOnGet=True`).
- `logto.requireUser(redirect=True, fetchUserInfo=False)`: a dependency giving the signed-in
  user's ID-token claims (or userinfo); others are redirected to sign-in, or get 401. Signed in
  is the core's answer: an expired ID token is renewed, a session Logto ended (back-channel
  logout) or whose grant is gone is signed out.
- `logto.client`: a dependency giving the async client bound to the request's session.
- `logto.requireAccessToken(audience, scopes)`: a dependency for API routes giving the claims of
  the request's bearer access token (refused: 401/403 with the `WWW-Authenticate` challenge).
- with `backchannelLogout=True`, `POST /backchannel-logout` for Logto's logout tokens.

Every route answers what the core decides, the same as the Flask, Django and axum faces. A
rotated refresh token is saved by the core the moment it arrives (a route that fails, or gives up
on the call, cannot lose it); sessions are saved by version, so a request that loaded the session
before another one's refresh never brings the consumed token back.
"""

import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, List, Optional, Sequence, Tuple, Union

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .LogtoClient import LogtoClient
from .LogtoException import LogtoConfigError, LogtoException
from .models.oidc import AccessTokenClaims, IdTokenClaims
from .models.response import UserInfoResponse
from .web import Answer, LogtoWeb, RequestSession, WebSettings, errorPage, isSignedOut
from .web.backchannel import MAX_BODY, logoutTokenOf
from .web.bearer import bearerRefusal, verifierFor
from .web.engine import cookieFrom

if TYPE_CHECKING:
    from .management import AccountClient

logger = logging.getLogger("logto.fastapi")

__all__ = ["LogtoFastAPI", "ServerSessionMiddleware", "SignInRedirect", "NotSignedIn", "BearerRefused"]


class ServerSessionMiddleware:
    """ASGI middleware: the request's session from the core's engine; `scope["session"]`
    (Starlette's `request.session`) is the app's values. The cookie carries only the id."""

    def __init__(self, app: ASGIApp, web: LogtoWeb) -> None:
        self.app = app
        self.web = web

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            current = await self.web.driveAsync.open(_cookie(scope, self.web.settings.cookieName))
        except LogtoException as error:  # the store is unreachable: the core's status (503)
            if scope["type"] == "http":
                page = errorPage(error)
                await HTMLResponse(page.html, page.status)(scope, receive, send)
            return
        scope["session"] = current.app
        scope["logto.session"] = current
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        async def sendWithCookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                try:
                    setCookie = await self.web.driveAsync.finish(current)
                except LogtoException as error:
                    # The answer is decided; what the request changed besides a rotated refresh
                    # token (saved when it arrived) is lost.
                    logger.warning("logto: could not save the session: %s", error)
                    setCookie = None
                headers: List[Tuple[bytes, bytes]] = list(message.get("headers", []))
                if setCookie is not None:
                    headers.append((b"set-cookie", setCookie.encode("latin-1")))
                if current.hadCookie or setCookie is not None:
                    headers.append((b"vary", b"Cookie"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sendWithCookie)


def _cookie(scope: Scope, name: str) -> Optional[str]:
    """The session cookie in the request's `Cookie` headers (the first, as in every face)."""
    headers: Iterable[Tuple[bytes, bytes]] = scope.get("headers", ())
    return cookieFrom([value.decode("latin-1") for key, value in headers if key == b"cookie"], name)


class SignInRedirect(Exception):
    """Raised by `requireUser(redirect=True)` for a signed-out visitor; answered with the
    core's redirect to the sign-in route (which comes back to the page afterwards)."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.header("location") or "")
        self.answer = answer


class NotSignedIn(Exception):
    """Raised by `requireUser(redirect=False)` for a signed-out visitor; answered
    `401 {"error": "Not authenticated"}`, as in every integration."""


class BearerRefused(Exception):
    """Raised by `requireAccessToken` for a refused token; answered with its status, its
    `WWW-Authenticate` challenge and `{"error", "error_description"}` (as the other integrations)."""

    def __init__(self, error: LogtoException) -> None:
        super().__init__(str(error))
        self.refusal = bearerRefusal(error)


def _response(answer: Answer) -> Response:
    headers = {name: value for name, value in answer.headers if name != "content-type"}
    return Response(answer.body, answer.status, headers=headers, media_type=answer.header("content-type"))


class LogtoFastAPI:
    """The Logto integration of a FastAPI (or Starlette) app (see the module's documentation)."""

    def __init__(self, settings: Optional[WebSettings] = None, **options: Any) -> None:
        if settings is None:
            settings = WebSettings.fromMapping(options)
        elif options:
            raise LogtoConfigError("give either settings or keyword options, not both")
        self.web = LogtoWeb(settings)
        self.settings = settings
        self.router = self._router()

    def init_app(self, app: FastAPI) -> None:
        """Adds the session middleware, the routes and the handlers of signed-out failures; the
        integration is `app.state.logto`."""
        app.state.logto = self
        app.add_middleware(ServerSessionMiddleware, web=self.web)
        app.include_router(self.router)
        # The decorator form: add_exception_handler's type asks for a handler of any Exception.
        app.exception_handler(SignInRedirect)(_redirectHandler)
        app.exception_handler(NotSignedIn)(_notSignedInHandler)
        app.exception_handler(BearerRefused)(_bearerHandler)
        app.exception_handler(LogtoException)(self._errorHandler)

    # -- dependencies -------------------------------------------------------------------------

    async def client(self, request: Request) -> LogtoClient:
        """Dependency: the async client bound to the request's session. (An `async def`:
        FastAPI runs plain dependencies in a thread pool, which costs more than the call.)"""
        return self.web.clientFor(_current(request))

    async def account(self, request: Request) -> "AccountClient":
        """Dependency: the signed-in user's own account (Logto's Account API) with the request's
        session: `account: AccountClient = Depends(logto.account)`."""
        from .management import AccountClient

        return AccountClient.forClient(self.web.clientFor(_current(request)))

    def requireUser(
        self, redirect: bool = True, fetchUserInfo: bool = False
    ) -> Callable[[Request], Awaitable[Union[IdTokenClaims, UserInfoResponse]]]:
        """Dependency: the signed-in user's ID-token claims (or userinfo with `fetchUserInfo`).
        A signed-out visitor (or one whose session ended at Logto) is redirected to sign-in
        with `redirect`, else answered 401."""

        async def dependency(request: Request) -> Union[IdTokenClaims, UserInfoResponse]:
            current = _current(request)
            try:
                claims = await self.web.driveAsync.claims(current)
                if claims is None:
                    raise self._signedOut(request, redirect)
                if fetchUserInfo:
                    return await self.web.clientFor(current).fetchUserInfo()
                return claims
            except LogtoException as error:
                if isSignedOut(error):
                    raise self._signedOut(request, redirect) from error
                raise

        return dependency

    async def currentUser(self, request: Request) -> Optional[IdTokenClaims]:
        """Dependency: the signed-in user's ID-token claims, or None (see `requireUser`)."""
        return await self.web.driveAsync.claims(_current(request))

    def requireAccessToken(self, audience: str, scopes: Sequence[str] = ()) -> Callable[[Request], Awaitable[AccessTokenClaims]]:
        """Dependency for API routes: the claims of the request's `Authorization: Bearer` access
        token for `audience` with `scopes`; a refused token is answered 401/403 (503 when
        Logto's keys cannot be fetched) with the RFC 6750 `WWW-Authenticate` challenge."""
        verifier = verifierFor(self.settings.endpoint, audience, scopes)

        async def dependency(request: Request) -> AccessTokenClaims:
            try:
                return await verifier.verifyHeaderAsync(request.headers.get("authorization"))
            except LogtoException as error:
                raise BearerRefused(error) from error

        return dependency

    def _signedOut(self, request: Request, redirect: bool) -> Exception:
        return self._signInRedirect(request) if redirect else NotSignedIn()

    def _signInRedirect(self, request: Request) -> SignInRedirect:
        path = request.url.path + ("?" + request.url.query if request.url.query else "")
        return SignInRedirect(self.web.signInRedirect(path))

    async def _errorHandler(self, request: Request, error: LogtoException) -> Response:
        if isSignedOut(error):
            if request.method == "GET":
                return _redirectHandler(request, self._signInRedirect(request))
            return _response(self.web.notAuthenticated())
        page = errorPage(error)
        return HTMLResponse(page.html, page.status)

    # -- routes: the core's answers -----------------------------------------------------------

    def _router(self) -> APIRouter:
        router = APIRouter()
        drive, settings = self.web.driveAsync, self.settings

        async def signIn(request: Request) -> Response:
            return _response(await drive.signIn(_current(request), request.query_params.get("return_to")))

        async def signUp(request: Request) -> Response:
            return _response(await drive.signIn(_current(request), request.query_params.get("return_to"), "register"))

        async def callback(request: Request) -> Response:
            return _response(await drive.callback(_current(request), request.url.query))

        async def signOut(request: Request) -> Response:
            origin, fetchSite = request.headers.get("origin"), request.headers.get("sec-fetch-site")
            return _response(await drive.signOut(_current(request), request.method, origin, fetchSite))

        async def backchannelLogout(request: Request) -> Response:
            # Logto's server-to-server POST, form-encoded (parsed here: Starlette's form parser
            # needs python-multipart). No origin check: the core verifies the token.
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    break
            return _response(await drive.backchannelLogout(logoutTokenOf(request.headers.get("content-type"), body)))

        router.add_api_route(settings.signInPath, signIn, methods=["GET"], include_in_schema=False)
        router.add_api_route(settings.signUpPath, signUp, methods=["GET"], include_in_schema=False)
        router.add_api_route(settings.callbackPath, callback, methods=["GET"], include_in_schema=False)
        # Every method: the core answers 405 to all but POST (and GET when allowed).
        router.add_api_route(settings.signOutPath, signOut, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
        router.add_api_route(settings.backchannelLogoutPath, backchannelLogout, methods=["POST"], include_in_schema=False)
        return router


def _current(request: Request) -> RequestSession:
    current = request.scope.get("logto.session")
    if not isinstance(current, RequestSession):
        raise LogtoConfigError("logto.fastapi needs its ServerSessionMiddleware: call logto.init_app(app)")
    return current


def _bearerHandler(request: Request, error: BearerRefused) -> Response:
    refusal = error.refusal
    return JSONResponse(refusal.body, refusal.status, headers=refusal.headers)


def _redirectHandler(request: Request, error: SignInRedirect) -> Response:
    return _response(error.answer)


async def _notSignedInHandler(request: Request, error: Exception) -> Response:
    return _response(LogtoWeb.notAuthenticated())
