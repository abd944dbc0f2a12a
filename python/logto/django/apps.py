"""The Django app of `logto.django` (`INSTALLED_APPS = [..., "logto.django"]`)."""

from django.apps import AppConfig
from django.core import checks


class LogtoAppConfig(AppConfig):  # type: ignore[misc]  # Django ships no types: AppConfig is Any
    name = "logto.django"
    label = "logto"
    verbose_name = "Logto"

    def ready(self) -> None:
        from . import integration

        checks.register(integration.checkSettings, checks.Tags.security)
