"""The guide's sample on `logto.flask`: home, sign-in, sign-up, callback, sign-out, protected
claims, user info, organizations and an API call with an access token.

    python/scripts/sample.sh flask            # starts the test identity server and this app
    python -m samples.flask_app               # or against LOGTO_ENDPOINT / LOGTO_APP_ID / ...

Sessions live in Redis when REDIS_URL is set, else in memory (development). Behind a reverse
proxy set APP_BASE_URL to the public URL; ProxyFix honours X-Forwarded-Proto/-Host.
"""

import os
from typing import Any

import requests
from flask import Flask, g, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from logto.flask import LogtoFlask
from samples import pages


def create_app(**settings: Any) -> Flask:
    app = Flask(__name__)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    logto = LogtoFlask(app, **pages.sampleSettings(**settings))

    @app.route("/")
    def home() -> str:
        return pages.home(logto.claims(), "Flask")

    @app.route("/protected")
    @logto.authenticated(shouldRedirect=True)
    def protected() -> str:
        return pages.protected(g.user)

    @app.route("/protected/userinfo")
    @logto.authenticated(shouldRedirect=True, fetchUserInfo=True)
    async def protected_userinfo() -> str:  # an async view: the same decorator
        return pages.userInfo(g.user)

    @app.route("/protected/organizations")
    @logto.authenticated(shouldRedirect=True)
    def protected_organizations() -> str:
        tokens = [(org, logto.client.getOrganizationTokenClaims(org)) for org in g.user.organizations or []]
        return pages.organizations(tokens)

    @app.route("/protected/api")
    @logto.authenticated(shouldRedirect=True)
    def protected_api() -> str:
        token = logto.client.getAccessToken(pages.API_RESOURCE)
        response = requests.get(pages.apiUrl(logto.settings.baseUrl), headers={"Authorization": f"Bearer {token}"}, timeout=10)
        return pages.apiCall(pages.API_RESOURCE, response.status_code, response.text)

    @app.route("/api/data")
    @logto.requireAccessToken(pages.API_RESOURCE, [pages.API_SCOPE])
    def api_data() -> Any:
        # The API: a bearer access token for API_RESOURCE with `read:data`, verified by the core.
        claims = g.access_token_claims
        return jsonify(data="hello from the API", sub=claims.sub, aud=claims.aud, scope=claims.scope)

    return app


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "5000"))
    os.environ.setdefault("APP_BASE_URL", f"http://127.0.0.1:{port}")
    create_app().run(host=os.environ.get("HOST", "127.0.0.1"), port=port)
