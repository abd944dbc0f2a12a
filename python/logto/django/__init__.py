"""
`logto.django`: Logto for Django (`pip install "logto-rs[django]"`).

```python
# settings.py
INSTALLED_APPS = [..., "logto.django"]
MIDDLEWARE = [..., "logto.django.LogtoMiddleware"]
LOGTO = {
    "ENDPOINT": "https://tenant.logto.app",
    "APP_ID": "...",
    "APP_SECRET": "...",
    "BASE_URL": "https://app.example.com",
    "REDIS_URL": "redis://localhost:6379/0",                   # unset: memory (development)
}

# urls.py
urlpatterns = [path("", include("logto.django.urls")), ...]   # /sign-in /sign-up /callback /sign-out

# views.py
from logto.django import logto_required

@logto_required
def profile(request):
    return HttpResponse(f"Hello {request.user_claims.name}")

@logto_required(redirect=False, fetch_user_info=True)
async def api(request):
    token = await request.logto.async_client.getAccessToken("https://api.example.com")
    ...
```

The user's tokens live in the core's session engine (Redis with `REDIS_URL`, else memory), under
their own cookie (`COOKIE_NAME`, default `logto_session`: HttpOnly, SameSite=Lax, Secure on
https), whose id is renewed at sign-in; sign-in sessions expire after `SIGN_IN_LIFETIME` seconds.
Django's own `request.session` and `SESSION_ENGINE` stay the project's, for its own values.
`LogtoMiddleware` opens the request's Logto session and saves it at the end, and puts `request.logto` (the client bound to the session, and helpers, lazily) and
`request.user_claims` (the ID-token claims, or None) on every request, and turns a session
that ended at Logto into a redirect to sign-in. Signed in is the core's answer: an expired ID
token is renewed, a session Logto ended (back-channel logout, `BACKCHANNEL_LOGOUT = True` and
the `backchannel-logout` route) or whose grant is gone is signed out.

Every route answers what the core decides, the same as the Flask, FastAPI and axum faces. A
rotated refresh token is saved by the core the moment it arrives, in sync and async views alike;
sessions are saved by version, so a request that loaded the session before another one's refresh
never brings the consumed token back.
"""

import inspect
import logging
from functools import wraps
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence, Union, overload

from .. import sync as _sync
from ..LogtoClient import LogtoClient
from ..LogtoException import LogtoException
from ..models.oidc import IdTokenClaims
from ..web import Answer, RequestSession, errorPage, isSignedOut

if TYPE_CHECKING:
    from ..management import AccountClient
    from ..management.sync import AccountClient as SyncAccountClient

logger = logging.getLogger("logto.django")

__all__ = ["LogtoMiddleware", "RequestLogto", "logto_required", "access_token_required"]


class RequestLogto:
    """`request.logto`: the process's client bound to this request's session."""

    def __init__(self, request: Any) -> None:
        from .integration import web

        self._request = request
        self._web = web()
        self._session: RequestSession = request.logto_session
        self._client: Optional[_sync.LogtoClient] = None
        self._asyncClient: Optional[LogtoClient] = None
        self._claims: Optional[IdTokenClaims] = None
        self._claimsDecided = False

    @property
    def client(self) -> _sync.LogtoClient:
        """The plain `logto.sync.LogtoClient` (sync views)."""
        if self._client is None:
            self._client = self._web.syncClientFor(self._session)
        return self._client

    def account(self) -> "SyncAccountClient":
        """The signed-in user's own account (Logto's Account API), plain methods (sync views):
        `request.logto.account().my_account.get_profile()`."""
        from ..management.sync import AccountClient as SyncAccountClient

        return SyncAccountClient.forClient(self.client)

    def async_account(self) -> "AccountClient":
        """`account()` for async views: `await request.logto.async_account().my_account.get_profile()`."""
        from ..management import AccountClient

        return AccountClient.forClient(self.async_client)

    @property
    def async_client(self) -> LogtoClient:
        """The async `logto.LogtoClient` (async views)."""
        if self._asyncClient is None:
            self._asyncClient = self._web.clientFor(self._session)
        return self._asyncClient

    @property
    def is_authenticated(self) -> bool:
        """Whether a user is signed in (see `claims`)."""
        return self.claims is not None

    @property
    def claims(self) -> Optional[IdTokenClaims]:
        """The ID-token claims of the signed-in user, or None, decided once per request by the
        core (an expired ID token renewed, a session Logto ended signed out). Raises on failures
        of Logto (502/504). In async views `LogtoMiddleware` has already decided it; else use
        `await request.logto.aclaims()`."""
        if not self._claimsDecided:
            self._claims = self._web.drive.claims(self._session)
            self._claimsDecided = True
        return self._claims

    async def aclaims(self) -> Optional[IdTokenClaims]:
        """`claims` for async code."""
        if not self._claimsDecided:
            self._claims = await self._web.driveAsync.claims(self._session)
            self._claimsDecided = True
        return self._claims

    def sign_in_url(self, return_to: Optional[str] = None) -> str:
        """The sign-in route, coming back to `return_to` (default: this request's page)."""
        answer = self._web.signInRedirect(return_to if return_to is not None else self._request.get_full_path())
        return answer.header("location") or self._web.settings.signInPath


class LogtoMiddleware:
    """Opens the request's Logto session (`request.logto_session`) and saves it at the end
    (setting or removing its cookie), sets `request.logto` and `request.user_claims`, and
    answers a `LogtoException` a view lets through: a session that ended at Logto goes to
    sign-in, others get the status the error carries. Works under WSGI and ASGI."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[..., Any]) -> None:
        self.get_response = get_response
        self.is_async = inspect.iscoroutinefunction(get_response)
        if self.is_async:
            from asgiref.sync import markcoroutinefunction

            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if self.is_async:
            return self.__acall__(request)
        from .integration import web

        try:
            current = web()
            request.logto_session = current.drive.open(_cookieOf(request, current.settings.cookieName))
        except LogtoException as error:  # the store is unreachable: the core's status (503)
            return _failure(request, error, redirect=False)
        _attach(request)
        request.user_claims = _claimsOrNone(request)
        response = self.get_response(request)
        _setCookie(request, response, _finished(lambda: current.drive.finish(request.logto_session)))
        return response

    async def __acall__(self, request: Any) -> Any:
        from .integration import web

        try:
            current = web()
            request.logto_session = await current.driveAsync.open(_cookieOf(request, current.settings.cookieName))
        except LogtoException as error:
            return _failure(request, error, redirect=False)
        _attach(request)
        request.user_claims = await _claimsOrNoneAsync(request)
        response = await self.get_response(request)
        try:
            setCookie = await current.driveAsync.finish(request.logto_session)
        except LogtoException as error:
            logger.warning("logto: could not save the session: %s", error)
            setCookie = None
        _setCookie(request, response, setCookie)
        return response

    def process_exception(self, request: Any, exception: Exception) -> Any:
        if isinstance(exception, LogtoException):
            return _failure(request, exception, redirect=request.method == "GET")
        return None


def _cookieOf(request: Any, name: str) -> Optional[str]:
    """The session cookie, the first of its name in the `Cookie` header as in every face
    (Django's `request.COOKIES` keeps the last)."""
    from ..web.engine import cookieFrom

    return cookieFrom(request.META.get("HTTP_COOKIE"), name)


def _finished(finish: Callable[[], Optional[str]]) -> Optional[str]:
    """The session saved (its `Set-Cookie` value); a store failure leaves the answer as it is:
    what the request changed besides a rotated refresh token (saved when it arrived) is lost."""
    try:
        return finish()
    except LogtoException as error:
        logger.warning("logto: could not save the session: %s", error)
        return None


def _setCookie(request: Any, response: Any, setCookie: Optional[str]) -> None:
    from django.utils.cache import patch_vary_headers

    session: RequestSession = request.logto_session
    if setCookie is not None:
        # The core's cookie, with its attributes, in Django's cookie jar of the response.
        response.cookies.load(setCookie)
    if session.hadCookie or setCookie is not None:
        patch_vary_headers(response, ("Cookie",))


def answerOf(answer: Answer) -> Any:
    """The core's answer as a Django response, as it is."""
    from django.http import HttpResponse

    response = HttpResponse(answer.body, status=answer.status, content_type=answer.contentType)
    for name, value in answer.headers:
        if name != "content-type":
            response[name] = value
    return response


def _attach(request: Any) -> None:
    from django.utils.functional import SimpleLazyObject

    request.logto = SimpleLazyObject(lambda: RequestLogto(request))
    request.user_claims = None


def _hasSession(request: Any) -> bool:
    session: RequestSession = request.logto_session
    return session.hadCookie


def _claimsOrNone(request: Any) -> Optional[IdTokenClaims]:
    """`request.user_claims` of a page: a failure of Logto counts as signed out here (pages
    that need the user, `logto_required`, answer it as an error)."""
    if not _hasSession(request):
        return None
    try:
        return _logto(request).claims
    except LogtoException as error:
        logger.warning("logto: could not decide whether the request is signed in: %s", error)
        return None


async def _claimsOrNoneAsync(request: Any) -> Optional[IdTokenClaims]:
    if not _hasSession(request):
        return None
    try:
        return await _logto(request).aclaims()
    except LogtoException as error:
        logger.warning("logto: could not decide whether the request is signed in: %s", error)
        return None


def _logto(request: Any) -> RequestLogto:
    if getattr(request, "logto", None) is None:
        _attach(request)
    logto: RequestLogto = request.logto  # a lazy proxy of one
    return logto


def _signedOut(request: Any, redirect: bool) -> Any:
    from .integration import web

    if redirect:
        return answerOf(web().signInRedirect(request.get_full_path()))
    return answerOf(web().notAuthenticated())


def _failure(request: Any, error: LogtoException, redirect: bool) -> Any:
    from django.http import HttpResponse

    if isSignedOut(error):
        return _signedOut(request, redirect)
    page = errorPage(error)
    return HttpResponse(page.html, status=page.status, content_type="text/html; charset=utf-8")


@overload
def logto_required(view: Callable[..., Any], *, redirect: bool = ..., fetch_user_info: bool = ...) -> Callable[..., Any]: ...


@overload
def logto_required(
    view: None = None, *, redirect: bool = ..., fetch_user_info: bool = ...
) -> Callable[[Callable[..., Any]], Callable[..., Any]]: ...


def logto_required(
    view: Optional[Callable[..., Any]] = None, *, redirect: bool = True, fetch_user_info: bool = False
) -> Union[Callable[..., Any], Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """
    Lets only signed-in users into a view (sync or async): `request.user_claims` holds their
    ID-token claims, and with `fetch_user_info` `request.user_info` their userinfo. Others are
    redirected to sign-in (and come back) with `redirect`, else answered 401. A session that
    ended at Logto counts as signed out. Use bare (`@logto_required`) or with arguments.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(view):

            @wraps(view)
            async def asyncWrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
                logto = _logto(request)
                try:
                    claims = await logto.aclaims()
                    if claims is None:
                        return _signedOut(request, redirect)
                    request.user_claims = claims
                    if fetch_user_info:
                        request.user_info = await logto.async_client.fetchUserInfo()
                except LogtoException as error:
                    return _failure(request, error, redirect)
                return await view(request, *args, **kwargs)

            return asyncWrapper

        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            logto = _logto(request)
            try:
                claims = logto.claims
                if claims is None:
                    return _signedOut(request, redirect)
                request.user_claims = claims
                if fetch_user_info:
                    request.user_info = logto.client.fetchUserInfo()
            except LogtoException as error:
                return _failure(request, error, redirect)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def access_token_required(audience: str, scopes: Sequence[str] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """
    Protects an API view (sync or async): the request's `Authorization: Bearer` token must be a
    valid access token of `audience` with `scopes`; its claims are in
    `request.access_token_claims`. Refused tokens get 401/403 (503 when Logto's keys cannot be
    fetched) with the RFC 6750 `WWW-Authenticate` challenge.
    """
    from ..web.bearer import bearerRefusal, verifierFor

    def answer(error: LogtoException) -> Any:
        from django.http import JsonResponse

        refusal = bearerRefusal(error)
        response = JsonResponse(refusal.body, status=refusal.status)
        for name, value in refusal.headers.items():
            response[name] = value
        return response

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        def verifier() -> Any:
            from .integration import web

            return verifierFor(web().settings.endpoint, audience, scopes)

        if inspect.iscoroutinefunction(view):

            @wraps(view)
            async def asyncWrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
                try:
                    request.access_token_claims = await verifier().verifyHeaderAsync(request.headers.get("Authorization"))
                except LogtoException as error:
                    return answer(error)
                return await view(request, *args, **kwargs)

            return asyncWrapper

        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                request.access_token_claims = verifier().verifyHeader(request.headers.get("Authorization"))
            except LogtoException as error:
                return answer(error)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
