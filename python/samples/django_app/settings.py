"""Settings of the Django sample, from the environment (see `samples/pages.py`)."""

import os
from typing import Any, Dict

from samples.pages import sampleSettings

LOGTO = sampleSettings()

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or os.urandom(32).hex()
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "samples.django_app.urls"
INSTALLED_APPS = ["django.contrib.sessions", "logto.django"]
MIDDLEWARE = [
    # Outermost: error answers of everything below in the sample's style.
    "samples.django_app.views.RestyleErrors",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "logto.django.LogtoMiddleware",
]
# The user's tokens are Logto's session (its own cookie, in Redis with REDIS_URL); Django's
# session is the app's own (in the cache: Redis, or for development this process's memory).
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": LOGTO["redisUrl"]}
        if LOGTO.get("redisUrl")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SESSION_COOKIE_SECURE = LOGTO.get("cookieSecure", LOGTO["baseUrl"].startswith("https://"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Behind a reverse proxy that sets X-Forwarded-Proto: https.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True
DATABASES: Dict[str, Dict[str, Any]] = {}
USE_TZ = True
