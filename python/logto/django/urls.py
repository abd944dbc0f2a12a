"""`path("", include("logto.django.urls"))`: the sign-in, sign-up, callback, sign-out and
back-channel logout routes at the paths of `settings.LOGTO` (default `/sign-in`, `/sign-up`,
`/callback`, `/sign-out`, `/backchannel-logout`). Sign-out is POST from a form of this site
(CSRF-exempt: it checks the request's origin); the back-channel logout is Logto's POST
(CSRF-exempt: no browser, the core verifies its token) and answers 404 unless
`BACKCHANNEL_LOGOUT` is on."""

from django.conf import settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from ..web import WebSettings
from . import views

app_name = "logto"


def _paths() -> WebSettings:
    values = getattr(settings, "LOGTO", None) or {}
    return values if isinstance(values, WebSettings) else WebSettings.fromMapping(values)


_settings = _paths()

urlpatterns = [
    path(_settings.signInPath.lstrip("/"), views.sign_in, name="sign-in"),
    path(_settings.signUpPath.lstrip("/"), views.sign_up, name="sign-up"),
    path(_settings.callbackPath.lstrip("/"), views.callback, name="callback"),
    path(_settings.signOutPath.lstrip("/"), csrf_exempt(views.sign_out), name="sign-out"),
    path(_settings.backchannelLogoutPath.lstrip("/"), csrf_exempt(views.backchannel_logout), name="backchannel-logout"),
]
