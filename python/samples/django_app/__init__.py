"""The guide's sample on `logto.django`: a minimal Django project (settings, urls, views).

    python/scripts/sample.sh django           # starts the test identity server and this app
    python -m samples.django_app              # or against LOGTO_ENDPOINT / LOGTO_APP_ID / ...
"""

import os
from typing import Any


def configure(**logto: Any) -> None:
    """Sets the project up in this process (tests): the environment's settings, with `logto`
    overriding the LOGTO setting. Redis (REDIS_URL / redisUrl) is fixed at the first call."""
    import django
    from django.conf import settings
    from django.test.signals import setting_changed

    os.environ["DJANGO_SETTINGS_MODULE"] = "samples.django_app.settings"
    if logto.get("redisUrl"):
        os.environ.setdefault("REDIS_URL", logto["redisUrl"])
    if not settings.configured or not hasattr(settings, "LOGTO"):
        django.setup()
    from samples.pages import sampleSettings

    value = sampleSettings(**logto)
    settings.LOGTO = value
    settings.SESSION_COOKIE_SECURE = value.get("cookieSecure", value["baseUrl"].startswith("https://"))
    setting_changed.send(sender=type(settings), setting="LOGTO", value=value, enter=True)
