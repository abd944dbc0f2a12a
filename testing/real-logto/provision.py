#!/usr/bin/env python3
"""Prepare a Logto OSS instance for the SDK's real-Logto tests.

Starts from a freshly seeded Logto (see compose.yaml) and uses only Logto's HTTP APIs:

1. the first admin-console user, registered and signed in through the admin tenant's own
   experience API, which gives a Management API token (skipped once the env file holds the
   credentials of the management app made in step 2);
2. a machine-to-machine app with the "Logto Management API access" role;
3. an API resource with two scopes, a user role and a machine-to-machine role;
4. organization scopes and roles (user and machine types), two organizations;
5. two users with passwords, one of them a member of an organization;
6. a traditional web app, a single-page app and a machine-to-machine app;
7. an env file with everything the tests need (secrets go only there, never to stdout).

Every object is looked up by name before it is created, so a second run changes nothing.
Standard library only, Python 3.9+.
"""

import argparse
import base64
import hashlib
import http.cookiejar
import json
import os
import secrets
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

# testing/real-logto/.env.local, wherever the script is run from; git-ignored.
DEFAULT_ENV_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".env.local")

# Logto OSS names its only tenant "default"; its Management API is this resource, scope "all".
MANAGEMENT_API_RESOURCE = "https://default.logto.app/api"
MANAGEMENT_API_SCOPE = "all"
MANAGEMENT_ACCESS_ROLE = "Logto Management API access"  # seeded M2M role
ADMIN_CONSOLE_APP_ID = "admin-console"  # built-in SPA of the admin tenant

MANAGEMENT_APP_NAME = "SDK management"
API_RESOURCE = "https://api.example.com"
API_RESOURCE_NAME = "SDK test API"
API_SCOPES = ("read:data", "write:data")
USER_ROLE_NAME = "SDK user role"
M2M_ROLE_NAME = "SDK machine role"
ORG_SCOPES = ("read:org", "write:org")
ORG_USER_ROLE_NAME = "SDK org member"  # user type: both org scopes + API scope read:data
ORG_USER_ROLE_API_SCOPES = ("read:data",)
ORG_M2M_ROLE_NAME = "SDK org machine"  # machine-to-machine type: read:org
ORGANIZATIONS = ("Acme", "Globex")
MEMBER_USERNAME = "sdk_member"  # member of Acme with the org member role, custom data plan=pro
OUTSIDER_USERNAME = "sdk_outsider"  # member of no organization
ADMIN_USERNAME = "sdk_admin"  # the admin console's first user
WEB_APP_NAME = "SDK web app"
SPA_APP_NAME = "SDK single-page app"
M2M_APP_NAME = "SDK machine"
WEB_REDIRECT_URIS = ["http://127.0.0.1:3000/callback", "http://127.0.0.1:5000/callback"]
WEB_POST_LOGOUT_URIS = ["http://127.0.0.1:3000/", "http://127.0.0.1:5000/"]
WEB_BACKCHANNEL_LOGOUT_URI = "http://127.0.0.1:5000/backchannel-logout"
ORGANIZATIONS_RESOURCE = "urn:logto:resource:organizations"

SECRET_KEYS = frozenset(
    {
        "LOGTO_ADMIN_PASSWORD",
        "LOGTO_MANAGEMENT_APP_SECRET",
        "LOGTO_WEB_APP_SECRET",
        "LOGTO_M2M_APP_SECRET",
        "LOGTO_MEMBER_PASSWORD",
        "LOGTO_OUTSIDER_PASSWORD",
    }
)


class ProvisionError(Exception):
    pass


class HttpError(ProvisionError):
    def __init__(self, method, url, status, body):
        self.status = status
        self.body = body
        self.code = body.get("code") if isinstance(body, dict) else None
        detail = ""
        if isinstance(body, dict):
            detail = " ".join(
                str(body[key]) for key in ("code", "message", "error_description") if body.get(key)
            )
        elif body:
            detail = str(body)[:200]
        path = urllib.parse.urlsplit(url).path
        super().__init__(f"{method} {path} -> HTTP {status} {detail}".rstrip())


# --------------------------------------------------------------------------------------------
# HTTP


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw

    def json(self):
        if not self.raw:
            return None
        try:
            return json.loads(self.raw.decode("utf-8"))
        except ValueError:
            return self.raw.decode("utf-8", "replace")


class Http:
    """A small urllib client: no redirects followed, optional cookie jar, JSON or form bodies."""

    def __init__(self, cookies=False, timeout=60):
        handlers = [_NoRedirect(), urllib.request.ProxyHandler({})]
        self.jar = None
        if cookies:
            self.jar = http.cookiejar.CookieJar()
            handlers.append(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener = urllib.request.build_opener(*handlers)
        self.timeout = timeout

    def request(self, method, url, json_body=None, form=None, headers=None, ok=(200, 201, 204)):
        data = None
        all_headers = {"Accept": "application/json"}
        if json_body is not None:
            data = json.dumps(json_body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode("ascii")
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        all_headers.update(headers or {})
        req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                response = Response(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as error:
            response = Response(error.code, error.headers, error.read())
        except urllib.error.URLError as error:
            raise ProvisionError(f"{method} {url}: {error.reason}") from None
        if ok is not None and response.status not in ok:
            raise HttpError(method, url, response.status, response.json())
        return response


def basic_auth(client_id, client_secret):
    # RFC 6749 section 2.3.1: both parts form-urlencoded before base64.
    pair = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(client_secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def jwt_claims(token):
    """Claims of a JWT, unverified: only to report what Logto issued."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


def client_credentials_token(http_client, endpoint, client_id, client_secret, **params):
    form = {"grant_type": "client_credentials", **params}
    response = http_client.request(
        "POST",
        f"{endpoint}/oidc/token",
        form=form,
        headers={"Authorization": basic_auth(client_id, client_secret)},
    )
    return response.json()


# --------------------------------------------------------------------------------------------
# The browser-less sign-in: an authorization request, the experience API, then the code.


class ExperienceSignIn:
    """One authorization-code + PKCE sign-in through Logto's experience API (`/api/experience`).

    This is what Logto's own sign-in page does: the authorization request sets the interaction
    cookies, the experience API verifies the user, and `submit` hands back the URL that resumes
    the authorization request; first-party apps are consented automatically.
    """

    def __init__(self, endpoint, client_id, redirect_uri, scopes, resources=()):
        self.endpoint = endpoint
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.http = Http(cookies=True)
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(16)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest())
        params = [
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("scope", " ".join(scopes)),
            ("prompt", "consent"),
            ("code_challenge", challenge.decode("ascii").rstrip("=")),
            ("code_challenge_method", "S256"),
            ("state", self.state),
        ]
        params += [("resource", resource) for resource in resources]
        response = self.http.request(
            "GET",
            f"{endpoint}/oidc/auth?{urllib.parse.urlencode(params)}",
            ok=(302, 303),
        )
        # Logto answers with its sign-in page; the experience API below does that page's work.
        self.sign_in_page = response.headers.get("Location", "")

    def api(self, method, path, body=None, ok=(200, 201, 204)):
        return self.http.request(
            method, f"{self.endpoint}/api/experience{path}", json_body=body, ok=ok
        ).json()

    def register_with_password(self, username, password):
        self.api("PUT", "", {"interactionEvent": "Register"})
        verification = self.api(
            "POST",
            "/verification/new-password-identity",
            {"identifier": {"type": "username", "value": username}, "password": password},
        )
        self.api("POST", "/identification", {"verificationId": verification["verificationId"]})
        return self.finish()

    def sign_in_with_password(self, username, password):
        self.api("PUT", "", {"interactionEvent": "SignIn"})
        verification = self.api(
            "POST",
            "/verification/password",
            {"identifier": {"type": "username", "value": username}, "password": password},
        )
        self.api("POST", "/identification", {"verificationId": verification["verificationId"]})
        return self.finish()

    def finish(self):
        """Submit the interaction and follow the redirects up to the app's callback."""
        location = self.api("POST", "/submit")["redirectTo"]
        for _ in range(10):
            if location.split("?")[0] == self.redirect_uri:
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
                if "error" in query:
                    raise ProvisionError(
                        f"sign-in ended with {query['error']}: {query.get('error_description', '')}"
                    )
                if query.get("state") != self.state:
                    raise ProvisionError("the callback's state does not match the request's")
                return query
            url = urllib.parse.urljoin(self.endpoint + "/", location)
            response = self.http.request("GET", url, ok=(302, 303))
            location = response.headers.get("Location", "")
        raise ProvisionError("too many redirects after the sign-in was submitted")

    def exchange_code(self, callback, client_secret=None):
        form = {
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "code": callback["code"],
            "code_verifier": self.verifier,
            "redirect_uri": self.redirect_uri,
        }
        headers = {}
        if client_secret:
            headers["Authorization"] = basic_auth(self.client_id, client_secret)
            del form["client_id"]
        return self.http.request(
            "POST", f"{self.endpoint}/oidc/token", form=form, headers=headers
        ).json()

    def refresh(self, refresh_token, client_secret=None, **params):
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, **params}
        headers = {}
        if client_secret:
            headers["Authorization"] = basic_auth(self.client_id, client_secret)
        else:
            form["client_id"] = self.client_id
        return self.http.request(
            "POST", f"{self.endpoint}/oidc/token", form=form, headers=headers
        ).json()


def admin_console_token(admin_endpoint, username, password, register):
    """A Management API token for the default tenant, as the admin console gets one.

    The admin console is the built-in SPA `admin-console` of the admin tenant; its redirect URI
    is `{admin endpoint}/console/callback`. Its users get the Management API scope `all` from
    the admin tenant's role for the default tenant, given to the first registered user.
    """
    flow = ExperienceSignIn(
        admin_endpoint,
        ADMIN_CONSOLE_APP_ID,
        f"{admin_endpoint}/console/callback",
        scopes=["openid", "offline_access", "profile", MANAGEMENT_API_SCOPE],
        resources=[MANAGEMENT_API_RESOURCE],
    )
    try:
        if register:
            callback = flow.register_with_password(username, password)
        else:
            callback = flow.sign_in_with_password(username, password)
    except HttpError as error:
        if register and error.status >= 500:
            raise ProvisionError(
                f"registering the first admin failed ({error}). Logto checks new passwords "
                "against an online breached-password service; a Logto without internet access "
                "fails here."
            ) from None
        raise
    tokens = flow.exchange_code(callback)
    tokens = flow.refresh(tokens["refresh_token"], resource=MANAGEMENT_API_RESOURCE)
    if MANAGEMENT_API_SCOPE not in tokens.get("scope", "").split():
        raise ProvisionError(
            f"the admin user {username!r} did not get the Management API scope "
            f"{MANAGEMENT_API_SCOPE!r} (got {tokens.get('scope')!r})"
        )
    return tokens["access_token"]


# --------------------------------------------------------------------------------------------
# Management API


class Management:
    def __init__(self, endpoint, token):
        self.endpoint = endpoint
        self.token = token
        self.http = Http()
        self.changes = 0

    def call(self, method, path, body=None, params=None, ok=(200, 201, 204)):
        url = f"{self.endpoint}/api{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        response = self.http.request(
            method, url, json_body=body, headers={"Authorization": f"Bearer {self.token}"}, ok=ok
        )
        return response.json()

    def get(self, path, params=None):
        return self.call("GET", path, params=params)

    def change(self, method, path, body=None):
        self.changes += 1
        return self.call(method, path, body)

    def list_all(self, path, params=None):
        items, page = [], 1
        while True:
            batch = self.get(path, {**(params or {}), "page": page, "page_size": 100})
            items.extend(batch)
            if len(batch) < 100:
                return items
            page += 1

    def find(self, path, params=None, **match):
        for item in self.list_all(path, params):
            if all(item.get(key) == value for key, value in match.items()):
                return item
        return None


def say(message):
    print(message, flush=True)


def ensure(mgmt, label, path, match, create_body, params=None):
    item = mgmt.find(path, params, **match)
    if item is None:
        item = mgmt.change("POST", path, create_body)
        say(f"created {label}: {item.get('name') or item.get('username')} ({item['id']})")
    return item


def ensure_links(mgmt, path, wanted_ids, body_key):
    """Add the ids in `wanted_ids` that the list at `path` lacks (POST to the same path)."""
    present = {item["id"] for item in mgmt.list_all(path)}
    missing = [item_id for item_id in wanted_ids if item_id not in present]
    if missing:
        mgmt.change("POST", path, {body_key: missing})
    return missing


def ensure_app_secret(mgmt, app_id, known=None):
    """A usable client secret of an app: the env file's when still valid, else Logto's own."""
    secrets_list = mgmt.get(f"/applications/{app_id}/secrets")
    values = [item["value"] for item in secrets_list if not item.get("expiresAt")]
    if known and known in values:
        return known
    if values:
        return values[0]
    created = mgmt.change("POST", f"/applications/{app_id}/secrets", {"name": "sdk-tests"})
    return created["value"]


def ensure_app(mgmt, name, app_type, oidc=None, custom=None):
    body = {"name": name, "type": app_type}
    if oidc is not None:
        body["oidcClientMetadata"] = oidc
    if custom is not None:
        body["customClientMetadata"] = custom
    app = mgmt.find("/applications", name=name, type=app_type)
    if app is None:
        app = mgmt.change("POST", "/applications", body)
        say(f"created application: {name} ({app['id']})")
        return app
    patch = {}
    if oidc is not None and any(
        app["oidcClientMetadata"].get(key) != value for key, value in oidc.items()
    ):
        patch["oidcClientMetadata"] = {**app["oidcClientMetadata"], **oidc}
    if custom is not None and any(
        app["customClientMetadata"].get(key) != value for key, value in custom.items()
    ):
        patch["customClientMetadata"] = {**app["customClientMetadata"], **custom}
    if patch:
        app = mgmt.change("PATCH", f"/applications/{app['id']}", patch)
        say(f"updated application: {name} ({app['id']})")
    return app


def ensure_user(mgmt, username, password):
    """The user named `username`, whose password is `password` afterwards."""
    user = mgmt.find("/users", username=username)
    if user is None:
        user = mgmt.change("POST", "/users", {"username": username, "password": password})
        say(f"created user: {username} ({user['id']})")
        return user
    verified = mgmt.call(
        "POST",
        f"/users/{user['id']}/password/verify",
        {"password": password},
        ok=(204, 400, 401, 422),
    )
    if verified is not None:  # 204 has no body; a mismatch or no password has one
        mgmt.change("PATCH", f"/users/{user['id']}/password", {"password": password})
        say(f"reset the password of user: {username} ({user['id']})")
    return user


def new_password():
    # 28 random characters with letters, digits and symbols: Logto's default password policy
    # accepts it (its repetition, sequence and user-information rules reject a password only
    # when such phrases make up a large part of it).
    return "Sdk-" + secrets.token_urlsafe(18)


# --------------------------------------------------------------------------------------------
# Provisioning


def management_token(args, env):
    """A Management API access token, and the management app's credentials for the env file."""
    probe = Http()
    app_id = env.get("LOGTO_MANAGEMENT_APP_ID")
    app_secret = env.get("LOGTO_MANAGEMENT_APP_SECRET")
    if app_id and app_secret:
        try:
            tokens = client_credentials_token(
                probe,
                args.endpoint,
                app_id,
                app_secret,
                resource=MANAGEMENT_API_RESOURCE,
                scope=MANAGEMENT_API_SCOPE,
            )
            say(f"management app from the env file: {app_id}")
            return tokens["access_token"], False
        except HttpError as error:
            say(f"the env file's management app cannot get a token ({error}); using the admin user")

    sign_in_exp = probe.request("GET", f"{args.admin_endpoint}/api/.well-known/sign-in-exp").json()
    # A fresh OSS admin tenant only registers; once its first user exists it only signs in.
    register = sign_in_exp.get("signInMode") == "Register"
    username = env.get("LOGTO_ADMIN_USERNAME") or ADMIN_USERNAME
    password = env.get("LOGTO_ADMIN_PASSWORD")
    if args.admin_username:
        username = args.admin_username
    if os.environ.get("LOGTO_ADMIN_PASSWORD"):
        password = os.environ["LOGTO_ADMIN_PASSWORD"]
    if register:
        password = password or new_password()
    elif not password:
        raise ProvisionError(
            "the admin console already has its first user: put its username and password in "
            "the env file (LOGTO_ADMIN_USERNAME, LOGTO_ADMIN_PASSWORD) or pass --admin-username "
            "with LOGTO_ADMIN_PASSWORD in the environment, or add LOGTO_MANAGEMENT_APP_ID and "
            "LOGTO_MANAGEMENT_APP_SECRET of an app with the Management API role"
        )
    token = admin_console_token(args.admin_endpoint, username, password, register)
    say(("registered" if register else "signed in") + f" the admin console user: {username}")
    env["LOGTO_ADMIN_USERNAME"] = username
    env["LOGTO_ADMIN_PASSWORD"] = password
    return token, True


def disable_breached_password_check(mgmt):
    """Turn off the default tenant's check of new passwords against the online service.

    Logto asks an outside breached-password service about every new password (sign-up,
    reset); a Logto without internet access then answers HTTP 500. Only for such instances.
    """
    policy = mgmt.get("/sign-in-exp").get("passwordPolicy") or {}
    rejects = policy.get("rejects") or {}
    if rejects.get("pwned", True):
        mgmt.change(
            "PATCH",
            "/sign-in-exp",
            {"passwordPolicy": {**policy, "rejects": {**rejects, "pwned": False}}},
        )
        say("turned off the breached-password check of the default tenant")


def provision(args, env):
    token, from_admin = management_token(args, env)
    mgmt = Management(args.endpoint, token)
    out = {
        "LOGTO_ENDPOINT": args.endpoint,
        "LOGTO_ADMIN_ENDPOINT": args.admin_endpoint,
        "LOGTO_MANAGEMENT_API_RESOURCE": MANAGEMENT_API_RESOURCE,
    }
    for key in ("LOGTO_ADMIN_USERNAME", "LOGTO_ADMIN_PASSWORD"):
        if env.get(key):
            out[key] = env[key]

    # 2. The management app: later runs use its client credentials only.
    access_role = mgmt.find("/roles", name=MANAGEMENT_ACCESS_ROLE, type="MachineToMachine")
    if access_role is None:
        raise ProvisionError(f"no role {MANAGEMENT_ACCESS_ROLE!r}: is this a seeded Logto OSS?")
    management_app = ensure_app(mgmt, MANAGEMENT_APP_NAME, "MachineToMachine")
    ensure_links(
        mgmt,
        f"/applications/{management_app['id']}/roles",
        [access_role["id"]],
        "roleIds",
    )
    out["LOGTO_MANAGEMENT_APP_ID"] = management_app["id"]
    out["LOGTO_MANAGEMENT_APP_SECRET"] = ensure_app_secret(
        mgmt, management_app["id"], env.get("LOGTO_MANAGEMENT_APP_SECRET")
    )
    if from_admin:
        # Switch to the management app at once: it proves its credentials work.
        mgmt.token = client_credentials_token(
            mgmt.http,
            args.endpoint,
            out["LOGTO_MANAGEMENT_APP_ID"],
            out["LOGTO_MANAGEMENT_APP_SECRET"],
            resource=MANAGEMENT_API_RESOURCE,
            scope=MANAGEMENT_API_SCOPE,
        )["access_token"]

    if args.no_breached_password_check:
        disable_breached_password_check(mgmt)

    # 3. API resource, its scopes, a user role and an M2M role.
    resource = ensure(
        mgmt,
        "API resource",
        "/resources",
        {"indicator": API_RESOURCE},
        {"name": API_RESOURCE_NAME, "indicator": API_RESOURCE},
    )
    if resource["name"] != API_RESOURCE_NAME:
        mgmt.change("PATCH", f"/resources/{resource['id']}", {"name": API_RESOURCE_NAME})
    api_scopes = {}
    for scope_name in API_SCOPES:
        scope = ensure(
            mgmt,
            "API scope",
            f"/resources/{resource['id']}/scopes",
            {"name": scope_name},
            {"name": scope_name, "description": f"SDK tests: {scope_name}"},
        )
        api_scopes[scope_name] = scope["id"]
    roles = {}
    for role_name, role_type in ((USER_ROLE_NAME, "User"), (M2M_ROLE_NAME, "MachineToMachine")):
        role = ensure(
            mgmt,
            "role",
            "/roles",
            {"name": role_name},
            {
                "name": role_name,
                "description": f"SDK tests: {', '.join(API_SCOPES)}",
                "type": role_type,
                "scopeIds": list(api_scopes.values()),
            },
        )
        if role.get("type") != role_type:
            raise ProvisionError(f"role {role_name!r} exists with type {role.get('type')}")
        ensure_links(
            mgmt,
            f"/roles/{role['id']}/scopes",
            list(api_scopes.values()),
            "scopeIds",
        )
        roles[role_name] = role["id"]

    # 4. Organization template and organizations.
    org_scopes = {}
    for scope_name in ORG_SCOPES:
        scope = ensure(
            mgmt,
            "organization scope",
            "/organization-scopes",
            {"name": scope_name},
            {"name": scope_name, "description": f"SDK tests: {scope_name}"},
        )
        org_scopes[scope_name] = scope["id"]
    org_roles = {}
    for role_name, role_type, scope_names, api_scope_names in (
        (ORG_USER_ROLE_NAME, "User", ORG_SCOPES, ORG_USER_ROLE_API_SCOPES),
        (ORG_M2M_ROLE_NAME, "MachineToMachine", ("read:org",), ()),
    ):
        role = ensure(
            mgmt,
            "organization role",
            "/organization-roles",
            {"name": role_name},
            {
                "name": role_name,
                "description": "SDK tests",
                "type": role_type,
                "organizationScopeIds": [org_scopes[name] for name in scope_names],
                "resourceScopeIds": [api_scopes[name] for name in api_scope_names],
            },
        )
        if role.get("type") != role_type:
            raise ProvisionError(f"organization role {role_name!r} has type {role.get('type')}")
        ensure_links(
            mgmt,
            f"/organization-roles/{role['id']}/scopes",
            [org_scopes[name] for name in scope_names],
            "organizationScopeIds",
        )
        if api_scope_names:
            ensure_links(
                mgmt,
                f"/organization-roles/{role['id']}/resource-scopes",
                [api_scopes[name] for name in api_scope_names],
                "scopeIds",
            )
        org_roles[role_name] = role["id"]
    organizations = {}
    for org_name in ORGANIZATIONS:
        org = ensure(
            mgmt,
            "organization",
            "/organizations",
            {"name": org_name},
            {"name": org_name, "description": "SDK tests"},
        )
        organizations[org_name] = org["id"]
    acme = organizations["Acme"]

    # 5. Users.
    member_password = env.get("LOGTO_MEMBER_PASSWORD") or new_password()
    outsider_password = env.get("LOGTO_OUTSIDER_PASSWORD") or new_password()
    member = ensure_user(mgmt, MEMBER_USERNAME, member_password)
    outsider = ensure_user(mgmt, OUTSIDER_USERNAME, outsider_password)
    custom_data = mgmt.get(f"/users/{member['id']}/custom-data") or {}
    if custom_data.get("plan") != "pro":
        mgmt.change(
            "PATCH",
            f"/users/{member['id']}/custom-data",
            {"customData": {**custom_data, "plan": "pro"}},
        )
    ensure_links(
        mgmt,
        f"/users/{member['id']}/roles",
        [roles[USER_ROLE_NAME]],
        "roleIds",
    )
    ensure_links(
        mgmt,
        f"/organizations/{acme}/users",
        [member["id"]],
        "userIds",
    )
    ensure_links(
        mgmt,
        f"/organizations/{acme}/users/{member['id']}/roles",
        [org_roles[ORG_USER_ROLE_NAME]],
        "organizationRoleIds",
    )
    for org_id in organizations.values():
        members = {user["id"] for user in mgmt.list_all(f"/organizations/{org_id}/users")}
        if outsider["id"] in members:
            mgmt.change("DELETE", f"/organizations/{org_id}/users/{outsider['id']}")

    # 6. Applications.
    web_app = ensure_app(
        mgmt,
        WEB_APP_NAME,
        "Traditional",
        oidc={
            "redirectUris": WEB_REDIRECT_URIS,
            "postLogoutRedirectUris": WEB_POST_LOGOUT_URIS,
            "backchannelLogoutUri": WEB_BACKCHANNEL_LOGOUT_URI,
            "backchannelLogoutSessionRequired": True,
        },
        custom={"allowTokenExchange": True},
    )
    spa_app = ensure_app(
        mgmt,
        SPA_APP_NAME,
        "SPA",
        oidc={"redirectUris": WEB_REDIRECT_URIS, "postLogoutRedirectUris": WEB_POST_LOGOUT_URIS},
    )
    m2m_app = ensure_app(mgmt, M2M_APP_NAME, "MachineToMachine")
    ensure_links(
        mgmt,
        f"/applications/{m2m_app['id']}/roles",
        [roles[M2M_ROLE_NAME]],
        "roleIds",
    )
    ensure_links(
        mgmt,
        f"/organizations/{acme}/applications",
        [m2m_app["id"]],
        "applicationIds",
    )
    ensure_links(
        mgmt,
        f"/organizations/{acme}/applications/{m2m_app['id']}/roles",
        [org_roles[ORG_M2M_ROLE_NAME]],
        "organizationRoleIds",
    )

    out.update(
        {
            "LOGTO_WEB_APP_ID": web_app["id"],
            "LOGTO_WEB_APP_SECRET": ensure_app_secret(
                mgmt, web_app["id"], env.get("LOGTO_WEB_APP_SECRET")
            ),
            "LOGTO_WEB_REDIRECT_URI": WEB_REDIRECT_URIS[0],
            "LOGTO_WEB_POST_LOGOUT_REDIRECT_URI": WEB_POST_LOGOUT_URIS[0],
            "LOGTO_WEB_BACKCHANNEL_LOGOUT_URI": WEB_BACKCHANNEL_LOGOUT_URI,
            "LOGTO_SPA_APP_ID": spa_app["id"],
            "LOGTO_M2M_APP_ID": m2m_app["id"],
            "LOGTO_M2M_APP_SECRET": ensure_app_secret(
                mgmt, m2m_app["id"], env.get("LOGTO_M2M_APP_SECRET")
            ),
            "LOGTO_API_RESOURCE": API_RESOURCE,
            "LOGTO_API_SCOPES": " ".join(API_SCOPES),
            "LOGTO_USER_ROLE_ID": roles[USER_ROLE_NAME],
            "LOGTO_M2M_ROLE_ID": roles[M2M_ROLE_NAME],
            "LOGTO_ORG_SCOPES": " ".join(ORG_SCOPES),
            "LOGTO_ORG_USER_ROLE": ORG_USER_ROLE_NAME,
            "LOGTO_ORG_USER_ROLE_ID": org_roles[ORG_USER_ROLE_NAME],
            "LOGTO_ORG_M2M_ROLE": ORG_M2M_ROLE_NAME,
            "LOGTO_ORG_M2M_ROLE_ID": org_roles[ORG_M2M_ROLE_NAME],
            "LOGTO_ORG_ACME_ID": organizations["Acme"],
            "LOGTO_ORG_GLOBEX_ID": organizations["Globex"],
            "LOGTO_MEMBER_USERNAME": MEMBER_USERNAME,
            "LOGTO_MEMBER_PASSWORD": member_password,
            "LOGTO_MEMBER_ID": member["id"],
            "LOGTO_OUTSIDER_USERNAME": OUTSIDER_USERNAME,
            "LOGTO_OUTSIDER_PASSWORD": outsider_password,
            "LOGTO_OUTSIDER_ID": outsider["id"],
        }
    )
    return out, mgmt.changes


# --------------------------------------------------------------------------------------------
# Env file


def read_env_file(path):
    env = {}
    try:
        with open(path, encoding="utf-8") as file:
            for line in file:
                line = line.strip()
                if not line or line.startswith("#") or "=" not in line:
                    continue
                key, value = line.split("=", 1)
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                    value = value[1:-1]
                env[key.strip()] = value
    except FileNotFoundError:
        pass
    return env


def render_env_file(values):
    lines = [
        "# Written by testing/real-logto/provision.py; holds secrets: keep it out of git.",
    ]
    for key, value in values.items():
        text = str(value)
        if any(char in text for char in " #'\"$\\`"):
            text = "'" + text.replace("'", "'\\''") + "'"
        lines.append(f"{key}={text}")
    return "\n".join(lines) + "\n"


def write_env_file(path, values):
    content = render_env_file(values)
    try:
        with open(path, encoding="utf-8") as file:
            if file.read() == content:
                return False
    except FileNotFoundError:
        pass
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".env-", text=True)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(content)
        os.chmod(temp_path, 0o600)
        os.replace(temp_path, path)
    except BaseException:
        os.unlink(temp_path)
        raise
    return True


# --------------------------------------------------------------------------------------------
# Sanity check


def check(env):
    """Sign the member in with a password through the experience API and use the tokens."""
    endpoint = env["LOGTO_ENDPOINT"]
    flow = ExperienceSignIn(
        endpoint,
        env["LOGTO_WEB_APP_ID"],
        env["LOGTO_WEB_REDIRECT_URI"],
        scopes=[
            "openid",
            "offline_access",
            "profile",
            "custom_data",
            "urn:logto:scope:organizations",
            "urn:logto:scope:organization_roles",
            *env["LOGTO_API_SCOPES"].split(),
            *env["LOGTO_ORG_SCOPES"].split(),
        ],
        resources=[env["LOGTO_API_RESOURCE"], ORGANIZATIONS_RESOURCE],
    )
    callback = flow.sign_in_with_password(
        env["LOGTO_MEMBER_USERNAME"], env["LOGTO_MEMBER_PASSWORD"]
    )
    if callback.get("iss") != f"{endpoint}/oidc":
        raise ProvisionError(f"the callback's iss is {callback.get('iss')!r}")
    secret = env["LOGTO_WEB_APP_SECRET"]
    tokens = flow.exchange_code(callback, client_secret=secret)
    id_claims = jwt_claims(tokens["id_token"])
    if id_claims.get("sub") != env["LOGTO_MEMBER_ID"]:
        raise ProvisionError("the ID token's sub is not the member's id")
    say(f"check: password sign-in of {env['LOGTO_MEMBER_USERNAME']} ok (sub {id_claims['sub']})")

    api = flow.refresh(
        tokens["refresh_token"], client_secret=secret, resource=env["LOGTO_API_RESOURCE"]
    )
    api_claims = jwt_claims(api["access_token"])
    if "read:data" not in api_claims.get("scope", "").split():
        raise ProvisionError(f"the API token's scope is {api_claims.get('scope')!r}")
    say(f"check: API token ok (aud {api_claims.get('aud')}, scope {api_claims.get('scope')!r})")

    acme = env["LOGTO_ORG_ACME_ID"]
    org = flow.refresh(tokens["refresh_token"], client_secret=secret, organization_id=acme)
    org_claims = jwt_claims(org["access_token"])
    if org_claims.get("aud") != f"urn:logto:organization:{acme}":
        raise ProvisionError(f"the organization token's aud is {org_claims.get('aud')!r}")
    say(f"check: organization token ok (scope {org_claims.get('scope')!r})")

    globex = env["LOGTO_ORG_GLOBEX_ID"]
    denied = flow.http.request(
        "POST",
        f"{endpoint}/oidc/token",
        form={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "organization_id": globex,
        },
        headers={"Authorization": basic_auth(flow.client_id, secret)},
        ok=None,
    )
    if denied.status != 403:
        raise ProvisionError(f"a non-member organization token gave HTTP {denied.status}")
    say("check: non-member organization refused (403) ok")

    m2m = client_credentials_token(
        Http(),
        endpoint,
        env["LOGTO_M2M_APP_ID"],
        env["LOGTO_M2M_APP_SECRET"],
        resource=env["LOGTO_API_RESOURCE"],
        scope=env["LOGTO_API_SCOPES"],
    )
    say(f"check: M2M API token ok (scope {jwt_claims(m2m['access_token']).get('scope')!r})")
    m2m_org = client_credentials_token(
        Http(),
        endpoint,
        env["LOGTO_M2M_APP_ID"],
        env["LOGTO_M2M_APP_SECRET"],
        organization_id=acme,
        scope="read:org",
    )
    m2m_org_scope = jwt_claims(m2m_org["access_token"]).get("scope")
    say(f"check: M2M organization token ok (scope {m2m_org_scope!r})")


# --------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default="http://127.0.0.1:3001", help="Logto's endpoint")
    parser.add_argument(
        "--admin-endpoint", default="http://127.0.0.1:3002", help="the admin console's endpoint"
    )
    parser.add_argument(
        "--env-file",
        default=DEFAULT_ENV_FILE,
        help="where to write (default: .env.local beside this script)",
    )
    parser.add_argument(
        "--admin-username",
        help="the admin console user to sign in with (its password from LOGTO_ADMIN_PASSWORD)",
    )
    parser.add_argument(
        "--no-breached-password-check",
        action="store_true",
        help="turn off the default tenant's online breached-password check (for a Logto "
        "without internet access, where that check fails every sign-up)",
    )
    parser.add_argument(
        "--check", action="store_true", help="then sign the member in through the experience API"
    )
    args = parser.parse_args(argv)
    args.endpoint = args.endpoint.rstrip("/")
    args.admin_endpoint = args.admin_endpoint.rstrip("/")

    try:
        env = read_env_file(args.env_file)
        values, changes = provision(args, env)
        written = write_env_file(args.env_file, values)
        ids = [f"{key}={value}" for key, value in values.items() if key.endswith("_ID")]
        say("ids: " + " ".join(ids))
        say(
            f"{changes} change(s) in Logto; env file {args.env_file} "
            + ("written" if written else "unchanged")
        )
        if args.check:
            check(values)
    except ProvisionError as error:
        print(f"provision.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
