"""Routes the session-state tests add to a sample app (never part of a sample):

- `/t/refresh`: gets an API access token (a refresh: the sign-in asked for none);
- `/t/refresh-then-fail`: the same, then raises (an error page, 500);
- `/t/refresh-timeout` (FastAPI): the same, given up after 0.3 s (`asyncio.wait_for`);
- `/t/refresh-in-background` (FastAPI): the same in a background task, after the response;
- `/t/stale-note`: loads the session, waits for the test (`GATE`), then writes a value of its own
  and saves its copy, which another request has made stale meanwhile.
"""

import threading
from typing import Any

from conftest import API_RESOURCE


class Gate:
    """Holds `/t/stale-note` between loading the session and writing to it."""

    def __init__(self) -> None:
        self.loaded = threading.Event()
        self.go = threading.Event()

    def reset(self) -> None:
        self.loaded.clear()
        self.go.clear()

    def hold(self) -> None:
        self.loaded.set()
        assert self.go.wait(20), "the test never released the stale request"


GATE = Gate()
NOTE = "written by the stale request"


class ViewFailed(RuntimeError):
    """The failure of `/t/refresh-then-fail`."""


def addRoutes(browser: Any, request: Any) -> None:
    """Adds the routes to `browser`'s app (`request`: pytest's, to undo the Django setting)."""
    if browser.framework == "flask":
        _flask(browser.app)
    elif browser.framework == "fastapi":
        _fastapi(browser.app)
    else:
        from django.test import override_settings

        override = override_settings(ROOT_URLCONF="django_extra_urls")
        override.enable()
        request.addfinalizer(override.disable)


def _flask(app: Any) -> None:
    from flask import session

    logto = app.extensions["logto"]

    def refresh() -> str:
        assert logto.client.getAccessToken(API_RESOURCE)
        return "refreshed"

    def refreshThenFail() -> str:
        assert logto.client.getAccessToken(API_RESOURCE)
        raise ViewFailed("the view failed after a refresh")

    def staleNote() -> str:
        session.get("note")
        GATE.hold()
        session["note"] = NOTE
        return "noted"

    app.add_url_rule("/t/refresh", "t_refresh", refresh)
    app.add_url_rule("/t/refresh-then-fail", "t_refresh_then_fail", refreshThenFail)
    app.add_url_rule("/t/stale-note", "t_stale_note", staleNote)


def _fastapi(app: Any) -> None:
    from fastapi import Request
    from fastapi.responses import PlainTextResponse

    web = app.state.logto.web

    async def refresh(request: Request) -> Any:
        assert await web.clientFor(request.scope["logto.session"]).getAccessToken(API_RESOURCE)
        return PlainTextResponse("refreshed")

    async def refreshThenFail(request: Request) -> Any:
        assert await web.clientFor(request.scope["logto.session"]).getAccessToken(API_RESOURCE)
        raise ViewFailed("the view failed after a refresh")

    def staleNote(request: Request) -> Any:  # a plain route: FastAPI runs it in a worker thread
        request.session.get("note")
        GATE.hold()
        request.session["note"] = NOTE
        return PlainTextResponse("noted")

    async def refreshTimeout(request: Request) -> Any:
        import asyncio

        try:
            await asyncio.wait_for(web.clientFor(request.scope["logto.session"]).getAccessToken(API_RESOURCE), 0.3)
        except asyncio.TimeoutError:
            return PlainTextResponse("timed out")
        return PlainTextResponse("refreshed")

    async def refreshInBackground(request: Request) -> Any:
        from starlette.background import BackgroundTask

        async def refresh() -> None:
            assert await web.clientFor(request.scope["logto.session"]).getAccessToken(API_RESOURCE)

        return PlainTextResponse("answered", background=BackgroundTask(refresh))

    app.add_api_route("/t/refresh-timeout", refreshTimeout)
    app.add_api_route("/t/refresh-in-background", refreshInBackground)
    app.add_api_route("/t/refresh", refresh)
    app.add_api_route("/t/refresh-then-fail", refreshThenFail)
    app.add_api_route("/t/stale-note", staleNote)
