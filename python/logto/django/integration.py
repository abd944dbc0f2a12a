"""The process's `LogtoWeb` built from `settings.LOGTO`, and the system checks of
`logto.django`."""

from typing import Any, List, Optional

from django.conf import settings as djangoSettings
from django.core import checks
from django.core.signals import setting_changed

from ..web import LogtoWeb, WebSettings

_web: Optional[LogtoWeb] = None


def web() -> LogtoWeb:
    """The integration built from `settings.LOGTO` (once per process; rebuilt when tests
    override the setting)."""
    global _web
    if _web is None:
        values = getattr(djangoSettings, "LOGTO", None)
        if not values:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("logto.django needs settings.LOGTO = {'ENDPOINT': ..., 'APP_ID': ..., ...}")
        _web = LogtoWeb(values if isinstance(values, WebSettings) else WebSettings.fromMapping(values))
    return _web


def _settingChanged(setting: str, **kwargs: Any) -> None:
    global _web
    if setting == "LOGTO":
        _web = None


setting_changed.connect(_settingChanged)


def checkSettings(app_configs: Any = None, **kwargs: Any) -> List[checks.CheckMessage]:
    """Checks `settings.LOGTO` (the tokens are the core's, under their own cookie: Django's
    session engine never holds them)."""
    messages: List[checks.CheckMessage] = []
    values = getattr(djangoSettings, "LOGTO", None)
    if not values:
        messages.append(checks.Error("settings.LOGTO is missing", id="logto.E002"))
        return messages
    try:
        current = web().settings
    except Exception as error:  # noqa: BLE001 - reported as a check
        messages.append(checks.Error(f"settings.LOGTO: {error}", id="logto.E003"))
        return messages
    if current.baseUrl.startswith("https://") and not current.cookieSecure:
        messages.append(checks.Warning("the base URL is https: leave COOKIE_SECURE on", id="logto.W001"))
    return messages

__all__ = ["web", "checkSettings"]
