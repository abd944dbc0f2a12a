"""The per-request path of a signed-in page in Flask, Django and FastAPI, for `compare.py`.

The page does what a signed-in page does on every request: `isAuthenticated`, `getIdTokenClaims`
(ours: the integration's signed-in check, `claims`) and a cached `getAccessToken`, through the framework's own test client (session loaded and
saved as in production). One side per process:

- official `logto==0.2.1`, glued in by hand as its guide and users do: a `Storage` over the
  framework's session (Flask's signed cookie; Django's session with `async_to_sync` around the
  async calls; in FastAPI either Starlette's `SessionMiddleware` cookie or `starsessions` with
  its Redis store, the common server-side choice), async views where the SDK needs them;
- ours: `logto.flask`, `logto.django`, `logto.fastapi`, sessions server-side in Redis.

Django's session engine is the same on both sides (the cache engine on the same Redis).
"""

import os
import sys
import time
from typing import Any, Callable, Dict

from conftest import TestIdp  # the scripted browser login

APP_ID, APP_SECRET = "confidential-app", "confidential-secret"
BASE = "http://127.0.0.1:5998"

FRAMEWORK_ROWS = [
    ("flask_page", "Flask signed-in page (official: Flask's cookie session)"),
    ("django_page", "Django signed-in page (both: Django's cache sessions on Redis)"),
    ("fastapi_page", "FastAPI signed-in page (both: sessions in Redis; official via `starsessions`)"),
]
# Not the same setup on both sides: ours reads the session from Redis, the official side decodes
# a signed cookie that carries the tokens to the browser. Shown apart, for what that costs.
REFERENCE_ROWS = [
    ("fastapi_cookie_page", "FastAPI signed-in page, official with Starlette's cookie session (tokens in the browser)"),
]


COUNT: Callable[[], int] = lambda: 0  # the server's request counter (set by compare.py)


def _measure(results: Dict[str, dict], name: str, iterations: int, request: Callable[[], Any], check: Callable[[Any], bool]) -> None:
    for _ in range(20):  # warm-up
        assert check(request()), f"{name}: the page did not answer as signed in"
    count = COUNT()
    start = time.perf_counter()
    for _ in range(iterations):
        request()
    elapsed = time.perf_counter() - start
    round_trips = COUNT() - count
    assert check(request())
    results[name] = {"iterations": iterations, "mean_us": elapsed / iterations * 1e6, "round_trips": round_trips / iterations}


def _ok(text: str) -> bool:
    return text.startswith("u_demo_0001:")


# -- Flask ---------------------------------------------------------------------------------------


def flask_official(endpoint: str) -> Any:
    from flask import Flask, redirect, request, session

    from logto import LogtoClient, LogtoConfig, Storage

    class SessionStorage(Storage):
        def get(self, key):
            return session.get(key, None)

        def set(self, key, value):
            session[key] = value

        def delete(self, key):
            session.pop(key, None)

    client = LogtoClient(LogtoConfig(endpoint=endpoint, appId=APP_ID, appSecret=APP_SECRET), storage=SessionStorage())
    app = Flask("official")
    app.secret_key = "bench"

    @app.route("/sign-in")
    async def sign_in():
        return redirect(await client.signIn(redirectUri=BASE + "/callback"))

    @app.route("/callback")
    async def callback():
        await client.handleSignInCallback(request.url)
        return redirect("/")

    @app.route("/page")
    async def page():
        if not client.isAuthenticated():
            return "signed out", 401
        claims = client.getIdTokenClaims()
        token = await client.getAccessToken()
        return f"{claims.sub}:{len(token)}"

    return app


def flask_ours(endpoint: str, redis_url: str) -> Any:
    from flask import Flask

    from logto.flask import LogtoFlask

    app = Flask("ours")
    logto = LogtoFlask(app, endpoint=endpoint, appId=APP_ID, appSecret=APP_SECRET, baseUrl=BASE, redisUrl=redis_url)

    @app.route("/page")
    def page():
        claims = logto.claims()  # the signed-in check: the core's answer, no I/O while fresh
        if claims is None:
            return "signed out", 401
        token = logto.client.getAccessToken()
        return f"{claims.sub}:{len(token)}"

    return app


def bench_flask(results: Dict[str, dict], endpoint: str, side: str, redis_url: str, iterations: int) -> None:
    app = flask_official(endpoint) if side == "official" else flask_ours(endpoint, redis_url)
    browser = app.test_client()
    idp = TestIdp.attach(endpoint)
    callback = idp.login(browser.get("/sign-in", base_url=BASE).headers["location"])
    browser.get(callback[len(BASE) :], base_url=BASE)
    _measure(results, "flask_page", iterations, lambda: browser.get("/page", base_url=BASE).get_data(as_text=True), _ok)


# -- FastAPI -------------------------------------------------------------------------------------


def fastapi_official(endpoint: str, redis_url: str = "") -> Any:
    from fastapi import FastAPI, Request
    from fastapi.responses import PlainTextResponse, RedirectResponse

    from logto import LogtoClient, LogtoConfig, Storage

    config = LogtoConfig(endpoint=endpoint, appId=APP_ID, appSecret=APP_SECRET)

    class SessionStorage(Storage):
        def __init__(self, session):
            self.session = session

        def get(self, key):
            return self.session.get(key, None)

        def set(self, key, value):
            self.session[key] = value

        def delete(self, key):
            self.session.pop(key, None)

    def client_for(request: Request) -> LogtoClient:
        return LogtoClient(config, storage=SessionStorage(request.session))

    app = FastAPI()
    if redis_url:
        import redis.asyncio
        from starsessions import SessionAutoloadMiddleware, SessionMiddleware
        from starsessions.stores.redis import RedisStore

        app.add_middleware(SessionAutoloadMiddleware)
        app.add_middleware(SessionMiddleware, store=RedisStore(connection=redis.asyncio.from_url(redis_url)), cookie_https_only=False, lifetime=3600)
    else:
        from starlette.middleware.sessions import SessionMiddleware as CookieSessionMiddleware

        app.add_middleware(CookieSessionMiddleware, secret_key="bench")

    @app.get("/sign-in")
    async def sign_in(request: Request):
        return RedirectResponse(await client_for(request).signIn(redirectUri=BASE + "/callback"), 302)

    @app.get("/callback")
    async def callback(request: Request):
        await client_for(request).handleSignInCallback(str(request.url))
        return RedirectResponse("/", 302)

    @app.get("/page", response_class=PlainTextResponse)
    async def page(request: Request):
        client = client_for(request)
        if not client.isAuthenticated():
            return PlainTextResponse("signed out", 401)
        claims = client.getIdTokenClaims()
        token = await client.getAccessToken()
        return f"{claims.sub}:{len(token)}"

    return app


def fastapi_ours(endpoint: str, redis_url: str) -> Any:
    from fastapi import Depends, FastAPI
    from fastapi.responses import PlainTextResponse

    from logto.fastapi import LogtoFastAPI

    app = FastAPI()
    logto = LogtoFastAPI(endpoint=endpoint, appId=APP_ID, appSecret=APP_SECRET, baseUrl=BASE, redisUrl=redis_url)
    logto.init_app(app)

    @app.get("/page", response_class=PlainTextResponse)
    async def page(user=Depends(logto.requireUser(redirect=False)), client=Depends(logto.client)):
        token = await client.getAccessToken()
        return f"{user.sub}:{len(token)}"

    return app


def bench_fastapi(results: Dict[str, dict], endpoint: str, side: str, redis_url: str, iterations: int, row: str = "fastapi_page") -> None:
    # The app is driven in this thread's event loop through httpx's ASGI transport (what
    # FastAPI's TestClient does, without its thread hop per request, which would dwarf the page).
    import asyncio

    import httpx

    if side == "official":
        app = fastapi_official(endpoint, redis_url if row == "fastapi_page" else "")
    else:
        app = fastapi_ours(endpoint, redis_url)

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE, follow_redirects=False) as browser:
            location = (await browser.get("/sign-in")).headers["location"]
            callback = await asyncio.to_thread(TestIdp.attach(endpoint).login, location)
            await browser.get(callback[len(BASE) :])
            for _ in range(20):
                assert _ok((await browser.get("/page")).text), "fastapi_page: not signed in"
            count = COUNT()
            start = time.perf_counter()
            for _ in range(iterations):
                await browser.get("/page")
            elapsed = time.perf_counter() - start
            round_trips = COUNT() - count
            results[row] = {"iterations": iterations, "mean_us": elapsed / iterations * 1e6, "round_trips": round_trips / iterations}

    asyncio.run(run())


# -- Django --------------------------------------------------------------------------------------


def bench_django(results: Dict[str, dict], endpoint: str, side: str, redis_url: str, iterations: int) -> None:
    import django
    from django.conf import settings

    module = sys.modules[__name__]
    middleware = ["django.contrib.sessions.middleware.SessionMiddleware"]
    if side == "ours":
        middleware.append("logto.django.LogtoMiddleware")
    settings.configure(
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=module.__name__,
        INSTALLED_APPS=["django.contrib.sessions"] + (["logto.django"] if side == "ours" else []),
        MIDDLEWARE=middleware,
        SESSION_ENGINE="django.contrib.sessions.backends.cache",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}},
        LOGTO={"endpoint": endpoint, "appId": APP_ID, "appSecret": APP_SECRET, "baseUrl": BASE},
        DATABASES={},
    )
    module.urlpatterns = _django_urls(endpoint, side)
    django.setup()
    from django.test import Client

    browser = Client(HTTP_HOST="127.0.0.1:5998")
    idp = TestIdp.attach(endpoint)
    callback = idp.login(browser.get("/sign-in")["Location"])
    browser.get(callback[len(BASE) :])
    _measure(results, "django_page", iterations, lambda: browser.get("/page").content.decode(), _ok)


def _django_urls(endpoint: str, side: str) -> list:
    from django.http import HttpResponse, HttpResponseRedirect
    from django.urls import include, path

    if side == "ours":
        from logto.django import logto_required

        @logto_required(redirect=False)
        def page(request):
            token = request.logto.client.getAccessToken()
            return HttpResponse(f"{request.user_claims.sub}:{len(token)}")

        return [path("page", page), path("", include("logto.django.urls"))]

    from asgiref.sync import async_to_sync

    from logto import LogtoClient, LogtoConfig, Storage

    config = LogtoConfig(endpoint=endpoint, appId=APP_ID, appSecret=APP_SECRET)

    class SessionStorage(Storage):
        def __init__(self, session):
            self.session = session

        def get(self, key):
            return self.session.get(key, None)

        def set(self, key, value):
            self.session[key] = value

        def delete(self, key):
            self.session.pop(key, None)

    def client_for(request):
        return LogtoClient(config, storage=SessionStorage(request.session))

    def sign_in(request):
        return HttpResponseRedirect(async_to_sync(client_for(request).signIn)(redirectUri=BASE + "/callback"))

    def callback(request):
        async_to_sync(client_for(request).handleSignInCallback)(request.build_absolute_uri())
        return HttpResponseRedirect("/")

    def page(request):
        client = client_for(request)
        if not client.isAuthenticated():
            return HttpResponse("signed out", status=401)
        claims = client.getIdTokenClaims()
        token = async_to_sync(client.getAccessToken)()
        return HttpResponse(f"{claims.sub}:{len(token)}")

    return [path("sign-in", sign_in), path("callback", callback), path("page", page)]


def web_worker(endpoint: str, side: str, scale: float, redis_url: str) -> Dict[str, dict]:
    """The framework rows of one side (each framework once; Django last: it configures the process)."""
    results: Dict[str, dict] = {}
    iterations = max(50, int(2000 * scale))
    bench_flask(results, endpoint, side, redis_url, iterations)
    bench_fastapi(results, endpoint, side, redis_url, iterations)
    # Our side has one setup: the same page, measured again for the cookie row.
    bench_fastapi(results, endpoint, side, redis_url, iterations, row="fastapi_cookie_page")
    bench_django(results, endpoint, side, redis_url, iterations)
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    return results
