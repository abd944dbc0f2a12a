"""The sign-in, sign-up, callback, sign-out and back-channel logout views of `logto.django`
(plain views: Django runs them under WSGI and ASGI alike). Each sends the core's answer."""

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from ..web import RequestSession
from ..web.backchannel import FORM_FIELD
from . import answerOf
from .integration import web


def _session(request: HttpRequest) -> RequestSession:
    session = getattr(request, "logto_session", None)
    if not isinstance(session, RequestSession):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("logto.django needs its middleware: add logto.django.LogtoMiddleware to MIDDLEWARE")
    return session


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return answerOf(web().drive.signIn(_session(request), request.GET.get("return_to")))


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return answerOf(web().drive.signIn(_session(request), request.GET.get("return_to"), "register"))


def callback(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return answerOf(web().drive.callback(_session(request), request.META.get("QUERY_STRING", "")))


def sign_out(request: HttpRequest) -> Any:
    origin, fetchSite = request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site")
    return answerOf(web().drive.signOut(_session(request), request.method or "GET", origin, fetchSite))


def backchannel_logout(request: HttpRequest) -> HttpResponse:
    """Logto's server-to-server POST of a `logout_token` (CSRF-exempt in `urls`: it carries no
    browser session; the core verifies the token). 404 unless `BACKCHANNEL_LOGOUT` is on."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return answerOf(web().drive.backchannelLogout(request.POST.get(FORM_FIELD)))

__all__ = ["sign_in", "sign_up", "callback", "sign_out", "backchannel_logout"]
