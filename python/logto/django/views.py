"""The sign-in, sign-up, callback, sign-out and back-channel logout views of `logto.django`
(plain views: Django runs them under WSGI and ASGI alike)."""

import logging
from typing import Any, Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse

from ..LogtoException import LogtoException
from ..web import errorPage
from ..web.backchannel import FORM_FIELD
from .integration import DjangoSession, web

logger = logging.getLogger("logto.django")


def _answer(step: Callable[[], str]) -> HttpResponse:
    try:
        return HttpResponseRedirect(step())
    except LogtoException as error:
        page = errorPage(error)
        return HttpResponse(page.html, status=page.status, content_type="text/html; charset=utf-8")


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _answer(lambda: web().startSignInSync(DjangoSession(request.session), request.GET.get("return_to")))


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _answer(lambda: web().startSignInSync(DjangoSession(request.session), request.GET.get("return_to"), "register"))


def callback(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _answer(lambda: web().finishSignInSync(DjangoSession(request.session), request.META.get("QUERY_STRING", "")))


def sign_out(request: HttpRequest) -> Any:
    current = web()
    allowed = ["GET", "POST"] if current.settings.signOutOnGet else ["POST"]
    if request.method not in allowed:
        return HttpResponseNotAllowed(allowed)
    if not current.sameOrigin(request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site")):
        logger.info("logto: refused a cross-site sign-out request")
        return HttpResponse("cross-site sign-out refused", status=403, content_type="text/plain")
    return _answer(lambda: current.signOutSync(DjangoSession(request.session)))


def backchannel_logout(request: HttpRequest) -> HttpResponse:
    """Logto's server-to-server POST of a `logout_token` (CSRF-exempt in `urls`: it carries no
    browser session; the core verifies the token). 404 unless `BACKCHANNEL_LOGOUT` is on."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    answer = web().backchannelLogoutSync(request.POST.get(FORM_FIELD))
    response = JsonResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response
