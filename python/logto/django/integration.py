"""The process's `LogtoWeb` built from `settings.LOGTO`, the session adapter and the system
checks of `logto.django`."""

from typing import Any, Iterator, List, Optional

from django.conf import settings as djangoSettings
from django.core import checks
from django.core.signals import setting_changed

from ..web import LogtoWeb, WebSettings
from ..web.flow import WebSession
from .sessions import markTokensChanged

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
        if getattr(djangoSettings, "SESSION_ENGINE", "") == "django.contrib.sessions.backends.signed_cookies":
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                "logto.django keeps tokens in the session: the signed_cookies SESSION_ENGINE would send them to "
                "the browser; use the cache (Redis), db or cached_db engine"
            )
        _web = LogtoWeb(values if isinstance(values, WebSettings) else WebSettings.fromMapping(values))
    return _web


def _settingChanged(setting: str, **kwargs: Any) -> None:
    global _web
    if setting == "LOGTO":
        _web = None


setting_changed.connect(_settingChanged)


class DjangoSession(WebSession):
    """Django's `request.session` as the flow's session (its `SESSION_ENGINE` keeps the data)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def __getitem__(self, key: str) -> Any:
        return self.session[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.session[key] = value

    def __delitem__(self, key: str) -> None:
        del self.session[key]

    def __contains__(self, key: object) -> bool:
        return key in self.session

    def get(self, key: str, default: Any = None) -> Any:
        return self.session.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.session.keys())

    def __len__(self) -> int:
        return len(self.session.keys())

    def renew(self) -> None:
        self.session.cycle_key()

    def setLifetime(self, seconds: Optional[int]) -> None:
        self.session.set_expiry(seconds)

    def end(self) -> None:
        self.session.flush()

    def tokensChanged(self) -> None:
        markTokensChanged(self.session)


def checkSettings(app_configs: Any = None, **kwargs: Any) -> List[checks.CheckMessage]:
    """Refuses a session engine that would put tokens in the browser, and warns about cookie
    settings that do not fit the base URL."""
    messages: List[checks.CheckMessage] = []
    engine = getattr(djangoSettings, "SESSION_ENGINE", "")
    if engine == "django.contrib.sessions.backends.signed_cookies":
        messages.append(
            checks.Error(
                "logto.django keeps tokens in the session: the signed_cookies engine would send them to the browser",
                hint="use the cache (Redis), db or cached_db SESSION_ENGINE",
                id="logto.E001",
            )
        )
    values = getattr(djangoSettings, "LOGTO", None)
    if not values:
        messages.append(checks.Error("settings.LOGTO is missing", id="logto.E002"))
        return messages
    try:
        current = web().settings
    except Exception as error:  # noqa: BLE001 - reported as a check
        messages.append(checks.Error(f"settings.LOGTO: {error}", id="logto.E003"))
        return messages
    if current.baseUrl.startswith("https://") and not djangoSettings.SESSION_COOKIE_SECURE:
        messages.append(checks.Warning("the base URL is https: set SESSION_COOKIE_SECURE = True", id="logto.W001"))
    if not djangoSettings.SESSION_COOKIE_HTTPONLY:
        messages.append(checks.Error("SESSION_COOKIE_HTTPONLY must stay True", id="logto.E004"))
    return messages
