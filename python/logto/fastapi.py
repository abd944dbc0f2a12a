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
- `ServerSessionMiddleware`: `request.session` lives in Redis (`redisUrl`) or, for development,
  in memory; the cookie (HttpOnly, SameSite=Lax, Secure on https) holds only an opaque id,
  renewed at sign-in. (Starlette's own `SessionMiddleware` keeps the data in a signed cookie the
  browser can read: not for tokens.)
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

A rotated refresh token survives a route that fails (the session is saved before the error goes
on), and a session saved by a request that loaded it before another request's refresh keeps the
newer token.
"""

import asyncio
import logging
from typing import Any, Awaitable, Callable, Iterable, List, Optional, Sequence, Tuple, Union

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .LogtoClient import LogtoClient
from .LogtoException import LogtoConfigError, LogtoException
from .models.oidc import AccessTokenClaims, IdTokenClaims
from .models.response import UserInfoResponse
from .web import LogtoWeb, ServerSession, SessionManager, SessionStore, WebSettings, errorPage, isSignedOut, storeFor
from .web.backchannel import MAX_BODY, logoutTokenOf
from .web.bearer import bearerRefusal, verifierFor

logger = logging.getLogger("logto.fastapi")

__all__ = ["LogtoFastAPI", "ServerSessionMiddleware", "SignInRedirect", "BearerRefused"]


class ServerSessionMiddleware:
    """ASGI middleware: `scope["session"]` (Starlette's `request.session`) kept in a
    `SessionStore`; the cookie carries only the session id."""

    def __init__(self, app: ASGIApp, manager: SessionManager) -> None:
        self.app = app
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        name = self.manager.settings.cookieName
        cookie = _cookie(scope, name)
        session = await self.manager.openAsync(cookie)
        scope["session"] = session
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        def saveLateTokens() -> None:
            # A core call the route gave up on (a timeout, a cancelled task) still finishes and
            # may write a rotated refresh token after the response was saved: saved then.
            session.whenTokensChange = lambda: _persistLater(self.manager, session)
            if session.tokensDirty:
                _persistLater(self.manager, session)

        async def sendWithCookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                update = await self.manager.saveAsync(session, cookie is not None)
                saveLateTokens()
                headers: List[Tuple[bytes, bytes]] = list(message.get("headers", []))
                if update is not None:
                    headers.append((b"set-cookie", self._setCookie(name, update.value, update.maxAge).encode("latin-1")))
                if cookie is not None or update is not None:
                    headers.append((b"vary", b"Cookie"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sendWithCookie)
        except BaseException:
            # The error page (Starlette's, outside this middleware) goes out without the save
            # above: a refresh token rotated by the failed route is saved anyway (the identity
            # server consumed the old one). Shielded: a cancelled request must not lose it.
            if session.tokensDirty:
                try:
                    await asyncio.shield(self.manager.persistAsync(session))
                except Exception:  # noqa: BLE001 - the route's error is the one to report
                    logger.exception("logto: could not save a rotated refresh token after a failed request")
            raise
        finally:
            saveLateTokens()

    def _setCookie(self, name: str, value: Optional[str], maxAge: int) -> str:
        settings = self.manager.settings
        parts = [f"{name}={value or ''}", f"Path={settings.cookiePath}"]
        if value is None:
            parts.append("Max-Age=0")
            parts.append("Expires=Thu, 01 Jan 1970 00:00:00 GMT")
        else:
            parts.append(f"Max-Age={maxAge}")
        if settings.cookieDomain:
            parts.append(f"Domain={settings.cookieDomain}")
        parts.append("HttpOnly")
        parts.append("SameSite=Lax")
        if settings.cookieSecure:
            parts.append("Secure")
        return "; ".join(parts)


_LATE_SAVES: "set[asyncio.Future[None]]" = set()
"""Saves of sessions written after their response, held until they are done."""


def _persistLater(manager: SessionManager, session: ServerSession) -> None:
    async def persist() -> None:
        try:
            await manager.persistTokensAsync(session)
        except Exception:  # noqa: BLE001 - nobody awaits this save: it is logged
            logger.exception("logto: could not save a refresh token rotated after its request ended")

    task = asyncio.ensure_future(persist())
    _LATE_SAVES.add(task)
    task.add_done_callback(_LATE_SAVES.discard)


def _cookie(scope: Scope, name: str) -> Optional[str]:
    """The value of cookie `name` in the request's `Cookie` headers (the first one)."""
    prefix = name.encode("latin-1") + b"="
    headers: Iterable[Tuple[bytes, bytes]] = scope.get("headers", ())
    for key, value in headers:
        if key == b"cookie":
            for part in value.split(b";"):
                part = part.strip()
                if part.startswith(prefix):
                    return part[len(prefix) :].strip(b'"').decode("latin-1")
    return None


class SignInRedirect(Exception):
    """Raised by `requireUser(redirect=True)` for a signed-out visitor; answered with a redirect
    to the sign-in route (which comes back to `location`'s page afterwards)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class BearerRefused(Exception):
    """Raised by `requireAccessToken` for a refused token; answered with its status, its
    `WWW-Authenticate` challenge and `{"error", "error_description"}` (as the other integrations)."""

    def __init__(self, error: LogtoException) -> None:
        super().__init__(str(error))
        self.refusal = bearerRefusal(error)


class LogtoFastAPI:
    """The Logto integration of a FastAPI (or Starlette) app (see the module's documentation)."""

    def __init__(self, settings: Optional[WebSettings] = None, *, store: Optional[SessionStore] = None, **options: Any) -> None:
        if settings is None:
            settings = WebSettings.fromMapping(options)
        elif options:
            raise LogtoConfigError("give either settings or keyword options, not both")
        self.web = LogtoWeb(settings)
        self.settings = settings
        self.sessions = SessionManager(store if store is not None else storeFor(settings.redisUrl), settings)
        self.router = self._router()

    def init_app(self, app: FastAPI) -> None:
        """Adds the session middleware, the routes and the handlers of signed-out failures; the
        integration is `app.state.logto`."""
        app.state.logto = self
        app.add_middleware(ServerSessionMiddleware, manager=self.sessions)
        app.include_router(self.router)
        # The decorator form: add_exception_handler's type asks for a handler of any Exception.
        app.exception_handler(SignInRedirect)(_redirectHandler)
        app.exception_handler(BearerRefused)(_bearerHandler)
        app.exception_handler(LogtoException)(self._errorHandler)

    # -- dependencies -------------------------------------------------------------------------

    async def client(self, request: Request) -> LogtoClient:
        """Dependency: the async client bound to the request's session. (An `async def`:
        FastAPI runs plain dependencies in a thread pool, which costs more than the call.)"""
        return self.web.clientFor(_session(request))

    def requireUser(
        self, redirect: bool = True, fetchUserInfo: bool = False
    ) -> Callable[[Request], Awaitable[Union[IdTokenClaims, UserInfoResponse]]]:
        """Dependency: the signed-in user's ID-token claims (or userinfo with `fetchUserInfo`).
        A signed-out visitor (or one whose session ended at Logto) is redirected to sign-in
        with `redirect`, else answered 401."""

        async def dependency(request: Request) -> Union[IdTokenClaims, UserInfoResponse]:
            session = _session(request)
            try:
                claims = await self.web.claimsAsync(session)
                if claims is None:
                    raise self._signedOut(request, redirect)
                if fetchUserInfo:
                    return await self.web.clientFor(session).fetchUserInfo()
                return claims
            except LogtoException as error:
                if isSignedOut(error):
                    raise self._signedOut(request, redirect) from error
                raise

        return dependency

    async def currentUser(self, request: Request) -> Optional[IdTokenClaims]:
        """Dependency: the signed-in user's ID-token claims, or None (see `requireUser`)."""
        return await self.web.claimsAsync(_session(request))

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
        return self._signInRedirect(request) if redirect else HTTPException(401, "Not authenticated")

    def _signInRedirect(self, request: Request) -> SignInRedirect:
        path = request.url.path + ("?" + request.url.query if request.url.query else "")
        return SignInRedirect(self.web.signInTarget(path))

    async def _errorHandler(self, request: Request, error: LogtoException) -> Response:
        if isSignedOut(error):
            if request.method == "GET":
                return _redirectHandler(request, self._signInRedirect(request))
            return JSONResponse({"detail": "Not authenticated"}, 401)
        page = errorPage(error)
        return HTMLResponse(page.html, page.status)

    # -- routes -------------------------------------------------------------------------------

    def _router(self) -> APIRouter:
        router = APIRouter()
        web, settings = self.web, self.settings

        async def answer(step: Callable[[], Awaitable[str]]) -> Response:
            try:
                return RedirectResponse(await step(), 302)
            except LogtoException as error:
                page = errorPage(error)
                return HTMLResponse(page.html, page.status)

        async def signIn(request: Request) -> Response:
            return await answer(lambda: web.startSignIn(_session(request), request.query_params.get("return_to")))

        async def signUp(request: Request) -> Response:
            return await answer(lambda: web.startSignIn(_session(request), request.query_params.get("return_to"), "register"))

        async def callback(request: Request) -> Response:
            return await answer(lambda: web.finishSignIn(_session(request), request.url.query))

        async def signOut(request: Request) -> Response:
            if not web.sameOrigin(request.headers.get("origin"), request.headers.get("sec-fetch-site")):
                return PlainTextResponse("cross-site sign-out refused", 403)
            return await answer(lambda: web.signOut(_session(request)))

        router.add_api_route(settings.signInPath, signIn, methods=["GET"], include_in_schema=False)
        router.add_api_route(settings.signUpPath, signUp, methods=["GET"], include_in_schema=False)
        router.add_api_route(settings.callbackPath, callback, methods=["GET"], include_in_schema=False)
        methods = ["GET", "POST"] if settings.signOutOnGet else ["POST"]
        router.add_api_route(settings.signOutPath, signOut, methods=methods, include_in_schema=False)

        async def backchannelLogout(request: Request) -> Response:
            # Logto's server-to-server POST, form-encoded (parsed here: Starlette's form parser
            # needs python-multipart). No browser session, no origin check: the core verifies it.
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    break
            answer = await web.backchannelLogout(logoutTokenOf(request.headers.get("content-type"), body))
            return JSONResponse(answer.body, answer.status, headers=answer.headers)

        if settings.backchannelLogout:
            router.add_api_route(settings.backchannelLogoutPath, backchannelLogout, methods=["POST"], include_in_schema=False)
        return router


def _session(request: Request) -> ServerSession:
    session = request.scope.get("session")
    if not isinstance(session, ServerSession):
        raise LogtoConfigError("logto.fastapi needs its ServerSessionMiddleware: call logto.init_app(app)")
    return session


def _bearerHandler(request: Request, error: BearerRefused) -> Response:
    refusal = error.refusal
    return JSONResponse(refusal.body, refusal.status, headers=refusal.headers)


def _redirectHandler(request: Request, error: SignInRedirect) -> Response:
    return RedirectResponse(error.location, 302)
