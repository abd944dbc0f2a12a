"""
`logto.flask`: Logto for Flask, in one extension object (`pip install "logto-rs[flask]"`).

```python
from flask import Flask, g
from logto.flask import LogtoFlask

app = Flask(__name__)
logto = LogtoFlask(app, endpoint="https://tenant.logto.app", appId="...", appSecret="...",
                   baseUrl="https://app.example.com", redisUrl="redis://localhost:6379/0")

@app.route("/")
@logto.authenticated(shouldRedirect=True)
def home():
    return f"Hello {g.user.name}"            # g.user: the ID-token claims (or userinfo)

@app.route("/orders")
@logto.authenticated(shouldRedirect=True)
async def orders():                          # async views too (flask[async])
    token = await logto.asyncClient.getAccessToken("https://api.example.com")
    ...
```

It gives the app:
- `/sign-in`, `/sign-up` (both take `?return_to=/local/path`), `/callback` and `/sign-out`
  (POST from a form of this site; GET too with `signOutOnGet=True`);
- server-side sessions, the core's session engine: `flask.session` (the app's own values, JSON)
  and the user's tokens live in Redis (`redisUrl`) or, for development, in memory; the cookie
  (HttpOnly, SameSite=Lax, Secure on https) holds only an opaque id, renewed at sign-in;
- `logto.client` / `logto.asyncClient`: the process's client bound to the request's session;
- `@logto.authenticated(shouldRedirect=..., fetchUserInfo=...)`, the guide's decorator, for
  sync and async views: signed in is the core's answer (an expired ID token is renewed, a
  session Logto ended or whose grant is gone is signed out);
- `@logto.requireAccessToken(audience, scopes)` for API views (bearer access tokens);
- with `backchannelLogout=True`, `POST /backchannel-logout` for Logto's logout tokens.

Every route answers what the core decides, the same as the Django, FastAPI and axum faces. A
rotated refresh token is saved at once; sessions are saved by version, so a request that loaded
the session before another one's refresh never brings the consumed token back.

Settings come from keyword arguments, a `WebSettings`, or `app.config["LOGTO"]` (a dict).
"""

import inspect
from functools import wraps
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from flask import Blueprint, Flask, Request, Response, g, jsonify, request, session
from flask.sessions import SessionInterface, SessionMixin

from . import sync as _sync
from .LogtoClient import LogtoClient
from .LogtoException import LogtoConfigError, LogtoException
from .models.oidc import IdTokenClaims
from .web import Answer, AppSession, LogtoWeb, RequestSession, WebSettings, errorPage, isSignedOut
from .web.engine import cookieFrom
from .web.backchannel import FORM_FIELD
from .web.bearer import bearerRefusal, verifierFor

if TYPE_CHECKING:
    from .management import AccountClient
    from .management.sync import AccountClient as SyncAccountClient

__all__ = ["LogtoFlask", "ServerSessionInterface", "FlaskServerSession"]


class FlaskServerSession(AppSession, SessionMixin):
    """`flask.session`: the app's values of the request's server-side session."""

    logto: RequestSession
    """The request's session in the core."""


class ServerSessionInterface(SessionInterface):
    """Flask sessions kept by the core's session engine; the cookie carries only the id."""

    def __init__(self, web: LogtoWeb) -> None:
        self.web = web

    def open_session(self, app: Flask, request: Request) -> FlaskServerSession:
        try:
            cookie = cookieFrom(request.headers.getlist("Cookie"), self.web.settings.cookieName)
            opened = self.web.drive.open(cookie, FlaskServerSession)
        except LogtoException as error:
            # The store is unreachable: answered by the extension's `before_request` (503).
            request.environ[_OPEN_FAILED] = error
            return FlaskServerSession()
        current = opened.app
        if not isinstance(current, FlaskServerSession):  # pragma: no cover - open made it one
            raise LogtoConfigError("the session is not a FlaskServerSession")
        current.logto = opened
        return current

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, FlaskServerSession) or not hasattr(session, "logto"):
            return  # not opened here (or the store was down): nothing of it is stored
        try:
            setCookie = self.web.drive.finish(session.logto)
        except LogtoException as error:
            # The answer is decided; what the request changed besides a rotated refresh token
            # (saved when it arrived) is lost.
            app.logger.warning("logto: could not save the session: %s", error)
            return
        if session.logto.hadCookie:
            response.vary.add("Cookie")
        if setCookie is not None:
            response.headers.add("Set-Cookie", setCookie)
            response.vary.add("Cookie")


_OPEN_FAILED = "logto.open_failed"
"""The request's `environ` key of a failure to open its session."""


def _current() -> RequestSession:
    """This request's session in the core."""
    if not isinstance(session, FlaskServerSession):
        raise LogtoConfigError("logto.flask needs its session interface: call LogtoFlask(app) or init_app(app)")
    return session.logto


def _response(answer: Answer) -> Response:
    response = Response(answer.body, answer.status, content_type=answer.contentType)
    for name, value in answer.headers:
        if name != "content-type":
            response.headers.add(name, value)
    return response


def _bearerAnswer(error: LogtoException) -> Response:
    refusal = bearerRefusal(error)
    response = jsonify(refusal.body)
    response.status_code = refusal.status
    response.headers.update(refusal.headers)
    return response


class LogtoFlask:
    """The Logto extension of a Flask app (see the module's documentation)."""

    def __init__(self, app: Optional[Flask] = None, settings: Optional[WebSettings] = None, **options: Any) -> None:
        self._settings = settings
        self._options = options
        self.web: Optional[LogtoWeb] = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Adds the routes and the server-side sessions to `app`."""
        settings = self._settings
        if settings is None:
            values = dict(app.config.get("LOGTO") or {})
            values.update(self._options)
            settings = WebSettings.fromMapping(values)
        elif self._options:
            raise LogtoConfigError("give either settings or keyword options, not both")
        self.web = LogtoWeb(settings)
        app.session_interface = ServerSessionInterface(self.web)
        app.register_blueprint(self._blueprint(settings))
        app.register_error_handler(LogtoException, self._handleError)
        app.before_request(self._openFailed)
        app.extensions["logto"] = self

    def _openFailed(self) -> Any:
        """The answer to a request whose session could not be opened (the store is down)."""
        error = request.environ.get(_OPEN_FAILED)
        if error is None:
            return None
        page = errorPage(error)
        return Response(page.html, page.status, mimetype="text/html")

    def _handleError(self, error: LogtoException) -> Any:
        """A `LogtoException` a view let through: a session that ended at Logto sends the
        browser to sign in again (the core has already cleared it), anything else is answered
        with the status the error carries."""
        return self._failed(error, shouldRedirect=request.method == "GET")

    @property
    def settings(self) -> WebSettings:
        return self._web().settings

    def _web(self) -> LogtoWeb:
        if self.web is None:
            raise LogtoConfigError("LogtoFlask is not initialized: call init_app(app)")
        return self.web

    # -- the request's client -----------------------------------------------------------------

    @property
    def client(self) -> _sync.LogtoClient:
        """The plain client bound to this request's session (for sync views)."""
        client: Optional[_sync.LogtoClient] = g.get("_logto_client")
        if client is None:
            client = g._logto_client = self._web().syncClientFor(_current())
        return client

    def account(self) -> "SyncAccountClient":
        """The signed-in user's own account (Logto's Account API) with this request's session,
        with plain methods: `logto.account().my_account.get_profile()`."""
        from .management.sync import AccountClient as SyncAccountClient

        return SyncAccountClient.forClient(self.client)

    def asyncAccount(self) -> "AccountClient":
        """`account()` for async views: `await logto.asyncAccount().my_account.get_profile()`."""
        from .management import AccountClient

        return AccountClient.forClient(self.asyncClient)

    @property
    def asyncClient(self) -> LogtoClient:
        """The async client bound to this request's session (for async views)."""
        client: Optional[LogtoClient] = g.get("_logto_async_client")
        if client is None:
            client = g._logto_async_client = self._web().clientFor(_current())
        return client

    def isAuthenticated(self) -> bool:
        """Whether this request's session holds an ID token (no network). Gate pages on
        `claims()` (or the decorator): the ID token may have expired or Logto ended the session."""
        return self.client.isAuthenticated()

    def claims(self) -> Optional[IdTokenClaims]:
        """The signed-in user's ID-token claims, or None (the core's decision)."""
        return self._web().drive.claims(_current())

    async def claimsAsync(self) -> Optional[IdTokenClaims]:
        """`claims()` for async views."""
        return await self._web().driveAsync.claims(_current())

    # -- the decorator ------------------------------------------------------------------------

    def authenticated(self, shouldRedirect: bool = False, fetchUserInfo: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """
        Lets only signed-in users in: `g.user` is their ID-token claims (or, with
        `fetchUserInfo`, their userinfo). Others are redirected to sign-in (and come back here)
        with `shouldRedirect`, else answered 401. An expired ID token is renewed; a session
        that ended at Logto (back-channel logout, grant revoked) counts as signed out. Works on
        sync and async views.
        """

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            if inspect.iscoroutinefunction(view):

                @wraps(view)
                async def asyncWrapper(*args: Any, **kwargs: Any) -> Any:
                    try:
                        claims = await self.claimsAsync()
                        if claims is None:
                            return self._signedOut(shouldRedirect)
                        g.user = await self.asyncClient.fetchUserInfo() if fetchUserInfo else claims
                    except LogtoException as error:
                        return self._failed(error, shouldRedirect)
                    return await view(*args, **kwargs)

                return asyncWrapper

            @wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    claims = self.claims()
                    if claims is None:
                        return self._signedOut(shouldRedirect)
                    g.user = self.client.fetchUserInfo() if fetchUserInfo else claims
                except LogtoException as error:
                    return self._failed(error, shouldRedirect)
                return view(*args, **kwargs)

            return wrapper

        return decorator

    def _signedOut(self, shouldRedirect: bool) -> Any:
        if shouldRedirect:
            path = request.full_path if request.query_string else request.path
            return _response(self._web().signInRedirect(path))
        return _response(self._web().notAuthenticated())

    def _failed(self, error: LogtoException, shouldRedirect: bool) -> Any:
        if isSignedOut(error):
            return self._signedOut(shouldRedirect)
        page = errorPage(error)
        return Response(page.html, page.status, mimetype="text/html")

    # -- API protection -----------------------------------------------------------------------

    def requireAccessToken(self, audience: str, scopes: Sequence[str] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """
        Protects an API view: the request's `Authorization: Bearer` token must be a valid access
        token of `audience` (an API resource indicator) with `scopes`; its claims are in
        `g.access_token_claims`. Refused tokens get 401/403 (503 when Logto's keys cannot be
        fetched) with the RFC 6750 `WWW-Authenticate` challenge. Sync and async views.
        """

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            verifier = verifierFor(self.settings.endpoint, audience, scopes)
            if inspect.iscoroutinefunction(view):

                @wraps(view)
                async def asyncWrapper(*args: Any, **kwargs: Any) -> Any:
                    try:
                        g.access_token_claims = await verifier.verifyHeaderAsync(request.headers.get("Authorization"))
                    except LogtoException as error:
                        return _bearerAnswer(error)
                    return await view(*args, **kwargs)

                return asyncWrapper

            @wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    g.access_token_claims = verifier.verifyHeader(request.headers.get("Authorization"))
                except LogtoException as error:
                    return _bearerAnswer(error)
                return view(*args, **kwargs)

            return wrapper

        return decorator

    # -- the routes: the core's answers -------------------------------------------------------

    def _blueprint(self, settings: WebSettings) -> Blueprint:
        blueprint = Blueprint("logto", __name__)
        drive = self._web().drive

        def signIn() -> Any:
            return _response(drive.signIn(_current(), request.args.get("return_to")))

        def signUp() -> Any:
            return _response(drive.signIn(_current(), request.args.get("return_to"), "register"))

        def callback() -> Any:
            return _response(drive.callback(_current(), request.query_string.decode("latin-1")))

        def signOut() -> Any:
            origin, fetchSite = request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site")
            return _response(drive.signOut(_current(), request.method, origin, fetchSite))

        def backchannelLogout() -> Any:
            # Logto's server-to-server POST: no origin check (the token is verified by the core);
            # Flask itself has no CSRF protection to exempt it from.
            return _response(drive.backchannelLogout(request.form.get(FORM_FIELD)))

        blueprint.add_url_rule(settings.signInPath, "sign_in", signIn, methods=["GET"])
        blueprint.add_url_rule(settings.signUpPath, "sign_up", signUp, methods=["GET"])
        blueprint.add_url_rule(settings.callbackPath, "callback", callback, methods=["GET"])
        blueprint.add_url_rule(settings.signOutPath, "sign_out", signOut, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        blueprint.add_url_rule(settings.backchannelLogoutPath, "backchannel_logout", backchannelLogout, methods=["POST"])
        return blueprint
