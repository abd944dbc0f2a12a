"""The guide's sample on `logto.flask`: home, sign-in, sign-up, callback, sign-out, protected
claims, user info, organizations, an API call with an access token, the user's own account
(Logto's Account API) and an organization admin page (Logto's Management API, with
LOGTO_M2M_APP_ID / LOGTO_M2M_APP_SECRET).

    python/scripts/sample.sh flask            # starts the test identity server and this app
    python -m samples.flask_app               # or against LOGTO_ENDPOINT / LOGTO_APP_ID / ...

Sessions live in Redis when REDIS_URL is set, else in memory (development). Behind a reverse
proxy set APP_BASE_URL to the public URL; ProxyFix honours X-Forwarded-Proto/-Host.
"""

import os
from typing import Any, Optional, Tuple

from flask import Flask, Response, g, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from logto.flask import LogtoFlask
from logto.LogtoException import LogtoApiError
from logto.management.sync import ManagementClient
from samples import pages


def create_app(managementApp: Optional[Tuple[str, str]] = None, **settings: Any) -> Flask:
    app = Flask(__name__)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    values = pages.sampleSettings(**settings)
    logto = LogtoFlask(app, **values)
    site = pages.Site("Flask", values)

    @app.route("/")
    def home() -> str:
        claims = logto.claims()
        if claims is None:
            return site.home(None)
        return site.home(claims, pages.settle(pages.homeCalls(logto.client, claims)))

    @app.route("/protected")
    @logto.authenticated(shouldRedirect=True)
    def protected() -> str:
        return site.idToken(g.user)

    @app.route("/protected/userinfo")
    @logto.authenticated(shouldRedirect=True, fetchUserInfo=True)
    async def protected_userinfo() -> str:  # an async view: the same decorator
        return site.userInfo(g.user)

    @app.route("/protected/organizations")
    @logto.authenticated(shouldRedirect=True)
    def protected_organizations() -> str:
        check = request.args.get("check")
        return site.organizations(g.user, pages.settle(pages.organizationCalls(logto.client, g.user, check)), check)

    @app.route("/protected/api")
    @logto.authenticated(shouldRedirect=True)
    def protected_api() -> str:
        token = logto.client.getAccessToken(pages.API_RESOURCE)
        url = pages.apiUrl(logto.settings.baseUrl)
        return site.apiCall(g.user, url, logto.client.getAccessTokenClaims(pages.API_RESOURCE), pages.callApi(url, token))

    @app.route("/protected/account", methods=["GET", "POST"])
    @logto.authenticated(shouldRedirect=True)
    def protected_account() -> str:
        # The user's own account, through Logto's Account API with the session's access token.
        account = logto.account()
        if request.method == "POST":
            answer = pages.accountAnswer(lambda: account.my_account.update_profile(pages.accountChange(request.form)), saved=True)
        else:
            answer = pages.accountAnswer(account.my_account.get_profile)
        return site.account(g.user, answer)

    management_app = managementApp or pages.managementApp()
    management = ManagementClient(values["endpoint"], *management_app) if management_app else None

    @app.route("/protected/organizations/<organization>/members", methods=["GET", "POST"])
    @logto.authenticated(shouldRedirect=True)
    def organization_members(organization: str) -> Any:
        # An organization's admin page: Logto's Management API with the app's M2M credentials.
        if not pages.isOrganizationAdmin(g.user, organization):
            return site.members(g.user, organization, None, admin=False), 403
        if management is None:
            return site.members(g.user, organization, None, enabled=False)
        note, error = None, None
        if request.method == "POST":
            userId = request.form.get("user_id", "").strip()
            role = request.form.get("role", "").strip()
            try:
                if role:
                    management.organizations.replace_organization_user_roles(organization, userId, {"organizationRoleNames": [role]})
                    note = f"{userId} now has the role {role}."
                else:
                    management.organizations.add_organization_users(organization, {"userIds": [userId]})
                    note = f"{userId} is now a member."
            except LogtoApiError as refused:
                error = pages.explainApiError(refused)
        try:
            members = list(management.organizations.list_organization_users_all(organization))
        except LogtoApiError as refused:
            return site.members(g.user, organization, None, pages.explainApiError(refused))
        return site.members(g.user, organization, members, error, note)

    @app.route("/api/data")
    @logto.requireAccessToken(pages.API_RESOURCE, [pages.API_SCOPE])
    def api_data() -> Any:
        # The API: a bearer access token for API_RESOURCE with `read:data`, verified by the core.
        claims = g.access_token_claims
        return jsonify(data="hello from the API", sub=claims.sub, aud=claims.aud, scope=claims.scope)

    @app.after_request
    def restyle_errors(response: Response) -> Response:
        # The integration's error pages (a refused sign-in, a store that is down) and Flask's
        # 404/405, in the sample's style; the API's JSON refusals pass unchanged.
        if response.status_code >= 400 and not response.direct_passthrough:
            styled = site.restyle(response.status_code, response.content_type or "", response.get_data(as_text=True))
            if styled is not None:
                response.set_data(styled)
                response.content_type = "text/html; charset=utf-8"
        return response

    return app


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "5000"))
    os.environ.setdefault("APP_BASE_URL", f"http://127.0.0.1:{port}")
    create_app().run(host=os.environ.get("HOST", "127.0.0.1"), port=port)
