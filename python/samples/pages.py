"""The pages of the framework samples (Flask, Django, FastAPI): the same pages and content as the
axum demo, so one browser walk checks them all. `Site` renders them from plain data; the
`*Calls` functions name the SDK calls a page needs, and `settle` / `settleAsync` make them with
the sync or async client, so each framework's view is a few lines. Every value is escaped (see
`samples.view`), and no token value is ever put on a page: only its claims."""

import json
import os
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Tuple

from logto import LogtoException, UserInfoScope
from logto.LogtoException import LogtoApiError
from logto.web import errorPage, isSignedOut
from samples import view
from samples.view import (
    accessTokenRows,
    audience,
    avatar,
    badge,
    chips,
    code,
    date,
    displayName,
    esc,
    expiry,
    extraClaimRow,
    heading,
    link,
    pretty,
    roleChips,
    row,
    verified,
)

API_RESOURCE = os.environ.get("LOGTO_API_RESOURCE") or os.environ.get("API_RESOURCE") or "https://api.example.com"
API_SCOPE = "read:data"
"""The scope the sample's API (`/api/data`) requires of the access token."""
ORGANIZATION_SCOPES = ["read:org", "write:org"]
"""The organization scopes asked for at sign-in: an organization token carries those of them the
user's roles in the organization allow."""
SCOPES = [
    API_SCOPE,
    *ORGANIZATION_SCOPES,
    UserInfoScope.email,
    UserInfoScope.phone,
    UserInfoScope.customData,
    UserInfoScope.identities,
    UserInfoScope.roles,
    UserInfoScope.organizations,
    UserInfoScope.organization_roles,
]


def sampleSettings(**overrides: Any) -> Dict[str, Any]:
    """The samples' Logto settings from the environment (defaults: the repository's test server
    at http://127.0.0.1:3001 and its confidential app; the app at http://127.0.0.1:5000)."""
    values: Dict[str, Any] = {
        "endpoint": os.environ.get("LOGTO_ENDPOINT", "http://127.0.0.1:3001"),
        "appId": os.environ.get("LOGTO_APP_ID", "confidential-app"),
        # An empty LOGTO_APP_SECRET: a public client (no secret).
        "appSecret": os.environ.get("LOGTO_APP_SECRET", "confidential-secret") or None,
        "baseUrl": os.environ.get("APP_BASE_URL", "http://127.0.0.1:5000"),
        "redisUrl": os.environ.get("REDIS_URL") or None,
        "scopes": SCOPES,
        "resources": [API_RESOURCE],
    }
    if os.environ.get("COOKIE_SECURE"):
        values["cookieSecure"] = os.environ["COOKIE_SECURE"].lower() in ("1", "true", "yes")
    if os.environ.get("LOGTO_BACKCHANNEL_LOGOUT"):
        # Register APP_BASE_URL + /backchannel-logout as the app's back-channel logout URI.
        values["backchannelLogout"] = os.environ["LOGTO_BACKCHANNEL_LOGOUT"].lower() in ("1", "true", "yes")
    values.update(overrides)
    return values


def apiUrl(baseUrl: str) -> str:
    """Where the sample's API lives: API_URL, else this app's own `/api/data`."""
    return os.environ.get("API_URL") or baseUrl.rstrip("/") + "/api/data"



MAX_ORGANIZATION_ID = 128
"""The longest organization id the organizations page asks a token for (`?check=`)."""


# -- the SDK calls of a page ----------------------------------------------------------------------


@dataclass
class Outcome:
    """What one SDK call gave a page: the claims it returned (`{}` for an opaque token), or
    the text to show for its failure and, for an organization, the core's `reason`."""

    claims: Optional[Dict[str, Any]] = None
    error: Optional[str] = None
    reason: Optional[str] = None


Calls = Dict[str, Callable[[], Any]]


def _settled(value: Any) -> Outcome:
    if value is None:
        return Outcome(error="The session holds no such token.")
    # An opaque token (a string) has no claims to show, and its value is never shown.
    return Outcome(claims={} if isinstance(value, str) else view.claimsOf(value))


def _failed(error: LogtoException) -> Outcome:
    if isSignedOut(error):
        raise error  # the integration sends the browser to sign in again
    return Outcome(error=errorPage(error).message, reason=getattr(error, "reason", None))


def settle(calls: Calls) -> Dict[str, Outcome]:
    """Makes the calls with a sync client (Flask, Django)."""
    outcomes = {}
    for key, call in calls.items():
        try:
            outcomes[key] = _settled(call())
        except LogtoException as error:
            outcomes[key] = _failed(error)
    return outcomes


async def settleAsync(calls: Dict[str, Callable[[], Awaitable[Any]]]) -> Dict[str, Outcome]:
    """Makes the calls with an async client (FastAPI)."""
    outcomes = {}
    for key, call in calls.items():
        try:
            outcomes[key] = _settled(await call())
        except LogtoException as error:
            outcomes[key] = _failed(error)
    return outcomes


def homeCalls(client: Any, claims: Any) -> Calls:
    """The session's access tokens: the user-info token, the API resource's, one per organization."""
    calls: Calls = {"userinfo": lambda: client.getAccessToken(), "api": lambda: client.getAccessTokenClaims(API_RESOURCE)}
    calls.update(_organizationTokenCalls(client, claims))
    return calls


def _organizationTokenCalls(client: Any, claims: Any) -> Calls:
    def token(organization: str) -> Callable[[], Any]:
        return lambda: client.getOrganizationTokenClaims(organization)

    return {"org:" + organization: token(organization) for organization in claims.organizations or []}


def organizationCalls(client: Any, claims: Any, check: Optional[str]) -> Calls:
    """The user info (for the organizations' names), each organization's token, and the token of
    the organization `check` when it is one the user is not a member of."""
    calls: Calls = {"userinfo": lambda: client.fetchUserInfo()}
    calls.update(_organizationTokenCalls(client, claims))
    check = checkedId(check)
    if check and len(check) <= MAX_ORGANIZATION_ID and check not in (claims.organizations or []):
        calls["check"] = lambda: client.getOrganizationTokenClaims(check)
    return calls


@dataclass
class AccountAnswer:
    """What Logto's Account API gave the "My account" page: the profile, or why not."""

    profile: Optional[Dict[str, Any]] = None
    error: Optional[str] = None
    saved: bool = False


def accountAnswer(call: Callable[[], Any], saved: bool = False) -> AccountAnswer:
    """The profile a sync Account API call returns (Flask, Django), or its refusal."""
    try:
        return AccountAnswer(profile=call().model_dump(mode="json", by_alias=True, exclude_none=True), saved=saved)
    except LogtoApiError as error:
        return AccountAnswer(error=f"Logto's Account API answered HTTP {error.status} ({error.code or 'no code'}): {error.logto_message}")


async def accountAnswerAsync(call: Callable[[], Awaitable[Any]], saved: bool = False) -> AccountAnswer:
    """`accountAnswer` with an async client (FastAPI)."""
    try:
        return AccountAnswer(profile=(await call()).model_dump(mode="json", by_alias=True, exclude_none=True), saved=saved)
    except LogtoApiError as error:
        return AccountAnswer(error=f"Logto's Account API answered HTTP {error.status} ({error.code or 'no code'}): {error.logto_message}")


def accountChange(form: Mapping[str, Any]) -> Dict[str, Any]:
    """The change the page's form asks for: the display name (empty: none)."""
    name = str(form.get("name") or "").strip()[:128]
    return {"name": name or None}


ADMIN_ROLE = "admin"
"""The organization role that may administer an organization in the samples."""


def isOrganizationAdmin(claims: Any, organization: str) -> bool:
    """Whether the ID token gives the user the admin role in `organization`."""
    return f"{organization}:{ADMIN_ROLE}" in (view.claimsOf(claims).get("organization_roles") or [])


def managementApp() -> Optional[Tuple[str, str]]:
    """The sample's machine-to-machine app for the Management API, from the environment."""
    appId, secret = os.environ.get("LOGTO_M2M_APP_ID"), os.environ.get("LOGTO_M2M_APP_SECRET")
    return (appId, secret) if appId and secret else None


def explainApiError(error: LogtoApiError) -> str:
    return f"Logto answered HTTP {error.status} ({error.code or 'no code'}): {error.logto_message}"


def checkedId(check: Optional[str]) -> Optional[str]:
    return (check or "").strip() or None


@dataclass
class ApiAnswer:
    """The API's answer to one call: status, bearer challenge, body (None: it did not answer)."""

    status: int
    challenge: Optional[str]
    body: str


def callApi(url: str, token: Optional[str]) -> Tuple[Optional[ApiAnswer], Optional[ApiAnswer]]:
    """Calls the API at `url` with `token` as a bearer token, and without a token (requests)."""
    import requests

    def call(headers: Dict[str, str]) -> Optional[ApiAnswer]:
        try:
            response = requests.get(url, headers=headers, timeout=10)
        except requests.RequestException:
            return None
        return ApiAnswer(response.status_code, response.headers.get("WWW-Authenticate"), response.text)

    return call({"Authorization": f"Bearer {token}"}), call({})


async def callApiAsync(url: str, token: Optional[str]) -> Tuple[Optional[ApiAnswer], Optional[ApiAnswer]]:
    """`callApi` with httpx, for async views."""
    import httpx

    async with httpx.AsyncClient(timeout=10) as http:

        async def call(headers: Dict[str, str]) -> Optional[ApiAnswer]:
            try:
                response = await http.get(url, headers=headers)
            except httpx.HTTPError:
                return None
            return ApiAnswer(response.status_code, response.headers.get("WWW-Authenticate"), response.text)

        return await call({"Authorization": f"Bearer {token}"}), await call({})


# -- the pages ----------------------------------------------------------------------------------


class Site:
    """The sample's pages for one framework (`framework` names it in the page shell); `settings`
    are the sample's Logto settings (where sessions are stored is shown on the home page)."""

    def __init__(self, framework: str, settings: Mapping[str, Any]) -> None:
        self.framework = framework
        self.store = "Redis" if settings.get("redisUrl") else "this process's memory (development)"

    def page(self, title: str, current: str, user: Optional[Mapping[str, Any]], body: str) -> str:
        return view.page(self.framework, title, current, user, body)

    # -- home --

    def home(self, claims: Any, tokens: Optional[Dict[str, Outcome]] = None) -> str:
        """The home page: the sign-in buttons, or who is signed in, the session and its tokens."""
        if claims is None:
            return self._signedOut()
        user = view.claimsOf(claims)
        session = (
            row("Issuer", "iss", code(user.get("iss")))
            + row("Audience", "aud", f'{audience(user.get("aud"))} <span class="note">this app\'s id</span>')
            + row("Session at Logto", "sid", self._sid(user))
            + row("Issued", "iat", date(user["iat"]))
            + row("Expiry", "exp", f'<span id="session-expiry">{expiry(user["exp"])}</span>')
            + row("Stored in", "", f'{esc(self.store)} <span class="note">The cookie holds only the session id.</span>')
        )
        body = (
            f'<div class="home-top">{self._profile(user)}'
            '<section class="card"><h2>Session</h2><p class="sub">From the ID token, verified at sign-in.</p>'
            f'<table class="kv" id="session">{session}</table></section></div>'
            '<section class="card"><h2>Access tokens</h2><p class="sub">The tokens this session holds, decoded '
            "(not verified: the API they are for verifies them). The values are never shown.</p>"
            f"{self._tokenTable(tokens or {})}</section>"
        )
        return self.page("Home", "/", user, body)

    @staticmethod
    def _sid(user: Mapping[str, Any]) -> str:
        if user.get("sid"):
            return f'<code id="session-sid">{esc(user["sid"])}</code> <span class="note">ends with a sign-out at Logto</span>'
        return '<span class="muted" id="session-sid">none</span> <span class="note">The identity server sent no session id.</span>'

    def _signedOut(self) -> str:
        features = [
            ("Who is signed in", "The profile from the ID token, and everything Logto's userinfo endpoint knows."),
            ("The session's tokens", "Each access token with its audience, scopes and a live expiry countdown."),
            ("Organizations", "The organizations the user belongs to, the roles there, the organization tokens."),
            ("A protected API", "A server-side call of this app's own API with the access token, and without."),
        ]
        cards = "".join(f'<div class="card feature"><h2>{title}</h2><p>{text}</p></div>' for title, text in features)
        body = (
            '<section class="card hero"><div><span class="badge muted dot" id="status">Not authenticated</span>'
            f"<h1>Sign in with Logto, from {esc(self.framework)}</h1>"
            f'<p class="lead">This is the Logto {esc(self.framework)} sample: a small web app built with the Logto '
            f"Python SDK (<code>logto</code> and <code>logto.{esc(self.framework.lower())}</code>). "
            "Sign in to see your session the way the app sees it.</p>"
            '<div class="actions"><a id="sign-in" class="btn primary" href="/sign-in">Sign in</a>'
            '<a id="sign-up" class="btn secondary" href="/sign-up">Create account</a></div></div>'
            '<ol class="steps"><li><strong>You sign in at Logto</strong>on its sign-in page, not on this app.</li>'
            "<li><strong>Logto sends you back</strong>and the app's server trades the code for tokens, checking each one.</li>"
            "<li><strong>The tokens stay on the server</strong>in your session; your browser keeps only a cookie.</li></ol></section>"
            f'<div class="grid four">{cards}</div>'
        )
        return self.page("Welcome", "/", None, body)

    def _profile(self, user: Mapping[str, Any]) -> str:
        facts = []
        if user.get("email"):
            facts.append(("Email", esc(user["email"]) + verified(user.get("email_verified"))))
        if user.get("phone_number"):
            facts.append(("Phone", esc(user["phone_number"]) + verified(user.get("phone_number_verified"))))
        facts.append(("User id", f'<code id="user-sub">{esc(user.get("sub"))}</code>'))
        if user.get("roles") is not None:
            facts.append(("Roles", roleChips(user["roles"])))
        handle = f'<p class="handle">@{esc(user["username"])}</p>' if user.get("username") else ""
        return (
            f'<section class="card profile"><div class="profile-head">{avatar(user.get("picture"), displayName(user))}<div>'
            '<span class="badge ok dot" id="status">Signed in as</span>'
            f'<h1 class="name" id="user-name">{esc(displayName(user))}</h1>{handle}</div></div>'
            f'<dl class="facts">{"".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts)}</dl>'
            '<a class="more" href="/protected/userinfo">All user info &rarr;</a></section>'
        )

    def _tokenTable(self, tokens: Dict[str, Outcome]) -> str:
        rows = ""
        for key, outcome in tokens.items():
            if key == "userinfo":
                label, note = "User info", "for the userinfo endpoint"
            elif key == "api":
                label, note = "API resource", "sent to the API as a bearer token"
            else:
                label, note = "Organization", code(key[len("org:") :])
            if outcome.error is not None:
                cells = f'<td colspan="3">{badge("bad", "unavailable")} <span class="explain">{esc(outcome.error)}</span></td>'
            elif not outcome.claims:
                cells = (
                    f'<td colspan="3">{badge("muted", "opaque")} <span class="explain">Not a JWT: the app cannot read '
                    "it. The SDK knows its lifetime from the token response and renews it in time.</span></td>"
                )
            else:
                claims = outcome.claims
                cells = (
                    f'<td class="aud">{audience(claims.get("aud"))}</td>'
                    f'<td class="scopes">{chips(str(claims.get("scope") or "").split(), "no scopes granted")}</td>'
                    f'<td class="exp">{expiry(claims["exp"])}</td>'
                )
            rows += f'<tr class="token" data-token="{esc(key)}"><td><strong>{label}</strong><span class="note">{note}</span></td>{cells}</tr>'
        return (
            '<table class="list" id="tokens"><thead><tr><th style="width:22%">Token</th><th style="width:32%">Audience</th>'
            f'<th>Scopes</th><th style="width:23%">Expiry</th></tr></thead><tbody>{rows}</tbody></table>'
        )

    # -- ID token --

    def idToken(self, claims: Any) -> str:
        """`/protected`: the ID token's claims, as a table."""
        user = view.claimsOf(claims)
        token = (
            row("Subject (user id)", "sub", code(user.get("sub")))
            + row("Issuer", "iss", code(user.get("iss")))
            + row("Audience (app id)", "aud", audience(user.get("aud")))
            + row("Issued", "iat", date(user["iat"]))
            + row("Expiry", "exp", expiry(user["exp"]))
            + (row("Session at Logto", "sid", code(user["sid"])) if user.get("sid") else "")
        )
        known = {"sub", "iss", "aud", "iat", "exp", "sid", "at_hash", "auth_time", "nonce", "acr", "amr", "azp"}
        about = self._userRows(user, known)
        body = heading(
            "ID token",
            "A protected page: visitors who are not signed in are sent to sign in first and come back here. "
            "These are the claims of the session's ID token, which the SDK verified (signature, issuer, "
            "audience, expiry) when it received it.",
        ) + (
            '<div id="claims"><section class="card"><h2>The token</h2><p class="sub">Who issued it, for which app, '
            f'and for how long.</p><table class="kv">{token}</table></section>'
            '<section class="card"><h2>The user</h2><p class="sub">What the token says about the user, by the '
            f'scopes the app asked for.</p><table class="kv">{about}</table></section></div>'
        )
        return self.page("ID token", "/protected", user, body)

    # -- user info --

    _GROUPS = [
        ("Profile", "Who the user is.", ["sub", "name", "username", "picture", "email", "phone_number", "address", "created_at", "updated_at"]),
        ("Roles and organizations", "What the user may do, here and in each organization.", ["roles", "organizations", "organization_roles", "organization_data"]),
        ("Custom data and identities", "Only the userinfo endpoint has these: they are not in the ID token.", ["custom_data", "identities", "sso_identities"]),
    ]

    def userInfo(self, info: Any) -> str:
        """`/protected/userinfo`: the claims of Logto's userinfo endpoint, by topic."""
        user = view.claimsOf(info)
        rows = self._claimRows(user)
        cards = ""
        for title, about, claims in self._GROUPS:
            group = "".join(rows.pop(claim) for claim in claims if claim in rows)
            if group:
                cards += f'<section class="card"><h2>{title}</h2><p class="sub">{about}</p><table class="kv">{group}</table></section>'
        if rows:
            other = "".join(rows[claim] for claim in sorted(rows))
            cards += f'<section class="card"><h2>Other claims</h2><p class="sub">Claims this page does not know by name.</p><table class="kv">{other}</table></section>'
        body = heading(
            "User info",
            "Fresh from Logto's userinfo endpoint, asked with the session's user-info token. It has what the "
            "ID token leaves out, such as custom data and linked identities.",
        ) + f'<div id="userinfo">{cards}</div>'
        return self.page("User info", "/protected/userinfo", user, body)

    def _userRows(self, user: Mapping[str, Any], skip: Any) -> str:
        rows = self._claimRows({claim: value for claim, value in user.items() if claim not in skip})
        order = [claim for _, _, claims in self._GROUPS for claim in claims]
        return "".join(rows.pop(claim) for claim in order if claim in rows) + "".join(rows[claim] for claim in sorted(rows))

    def _claimRows(self, user: Mapping[str, Any]) -> Dict[str, str]:
        """A table row per claim, by claim name."""
        rows: Dict[str, str] = {}
        for claim, value in user.items():
            if claim == "sub":
                rows[claim] = row("Subject (user id)", claim, code(value))
            elif claim in ("name", "username"):
                rows[claim] = row(claim.capitalize(), claim, esc(value))
            elif claim == "picture":
                rows[claim] = row("Picture", claim, link(value))
            elif claim == "email":
                rows[claim] = row("Email", claim, esc(value) + verified(user.get("email_verified")))
            elif claim == "phone_number":
                rows[claim] = row("Phone", claim, esc(value) + verified(user.get("phone_number_verified")))
            elif claim in ("email_verified", "phone_number_verified"):
                continue
            elif claim in ("roles", "organization_roles"):
                rows[claim] = row("Roles" if claim == "roles" else "Organization roles", claim, roleChips(value))
            elif claim == "organizations":
                rows[claim] = row("Organizations", claim, chips(value, "none"))
            elif claim == "custom_data":
                rows[claim] = row("Custom data", claim, f'<pre id="custom-data">{pretty(value)}</pre>')
            elif claim == "identities" and isinstance(value, dict):
                linked = "".join(
                    f'<div><strong>{esc(provider)}</strong> <span class="muted">as</span> {code((identity or {}).get("userId"))}</div>'
                    for provider, identity in sorted(value.items())
                )
                rows[claim] = row("Linked identities", claim, linked or '<span class="muted">none</span>')
            else:
                rows[claim] = extraClaimRow(claim, value)
        return rows

    # -- my account --

    def account(self, claims: Any, answer: AccountAnswer, hidden: Optional[Mapping[str, str]] = None) -> str:
        """`/protected/account`: the user's own profile from Logto's Account API (not the ID
        token), with a form that changes the display name through the same API; `hidden` are
        the form's hidden fields (Django's CSRF token)."""
        user = view.claimsOf(claims)
        if answer.profile is None:
            content = (
                '<section class="card"><h2>Not available</h2>'
                f'<p class="sub" id="account-error">{esc(answer.error or "No answer.")}</p>'
                "<p>The Account API must be enabled in the tenant's account center (Console → "
                "Sign-in &amp; account → Account center) for the fields users may read and change.</p></section>"
            )
        else:
            profile = answer.profile
            rows = (
                row("User id", "id", code(profile.get("id")))
                + row("Username", "username", esc(profile.get("username") or "—"))
                + row("Name", "name", f'<span id="account-name">{esc(profile.get("name") or "—")}</span>')
                + row("Email", "primaryEmail", esc(profile.get("primaryEmail") or "—"))
                + row("Phone", "primaryPhone", esc(profile.get("primaryPhone") or "—"))
                + row("Custom data", "customData", f'<span id="account-custom-data">{view.jsonValue(profile.get("customData") or {})}</span>')
            )
            saved = '<p class="granted" id="account-saved">Saved at Logto.</p>' if answer.saved else ""
            content = (
                '<section class="card"><h2>Profile</h2><p class="sub">From Logto\'s Account API, with the user\'s own access token.</p>'
                f'<table class="kv" id="account">{rows}</table></section>'
                '<section class="card"><h2>Change your name</h2><p class="sub">Sent to the Account API; the next sign-in\'s ID token has it too.</p>'
                '<form class="inline" method="post" action="/protected/account">'
                + "".join(f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in (hidden or {}).items())
                + f'<input type="text" name="name" id="name" maxlength="128" value="{esc(profile.get("name") or "")}" placeholder="display name">'
                f'<button class="btn primary" type="submit" id="save-name">Save</button></form>{saved}</section>'
            )
        body = heading("My account", "The signed-in user's own account at Logto, read and changed through Logto's Account API.") + content
        return self.page("My account", "/protected/account", user, body)

    # -- an organization's admin page --

    def members(
        self, claims: Any, organization: str, members: Optional[List[Any]], error: Optional[str] = None, note: Optional[str] = None, *, admin: bool = True, enabled: bool = True
    ) -> str:
        """`/protected/organizations/<id>/members`: the members of `organization` and their roles,
        with forms to add a member and change a member's role (Logto's Management API)."""
        user = view.claimsOf(claims)
        title = f"Members of {organization}"
        top = heading(title, "An organization admin page: the members and their roles, read and changed through Logto's Management API with the app's machine-to-machine credentials.")
        if not admin:
            content = (
                '<section class="card"><h2>Not an admin</h2>'
                f'<p class="sub" id="members-refused">Only a user whose role in {code(organization)} is <code>{ADMIN_ROLE}</code> may administer it.</p></section>'
            )
            return self.page(title, "/protected/organizations", user, top + content)
        if not enabled:
            content = (
                '<section class="card"><h2>Off</h2><p class="sub" id="members-off">Set <code>LOGTO_M2M_APP_ID</code> and '
                "<code>LOGTO_M2M_APP_SECRET</code> (a machine-to-machine app with the Management API's <code>all</code> permission) "
                "to manage members here.</p></section>"
            )
            return self.page(title, "/protected/organizations", user, top + content)
        if members is None:
            rows = f'<tr><td colspan="3" id="members-error">{esc(error or "No answer.")}</td></tr>'
        else:
            rows = "".join(
                f'<tr data-member="{esc(m.id)}"><td>{code(m.id)}</td><td>{esc(m.username or m.name or "—")}</td>'
                f'<td>{roleChips([r.name for r in m.organization_roles], "no roles")}</td></tr>'
                for m in members
            )
        shown = ""
        if note:
            shown = f'<p class="granted" id="members-saved">{esc(note)}</p>'
        if error and members is not None:
            shown = f'<p class="refused" id="members-error">{esc(error)}</p>'
        action = f"/protected/organizations/{esc(organization)}/members"
        content = (
            f'<section class="card"><h2>Members</h2><table class="kv" id="members"><tr><th>User id</th><th>User</th><th>Roles</th></tr>{rows}</table>{shown}</section>'
            '<div class="grid"><section class="card"><h2>Add a member</h2>'
            f'<form class="inline" method="post" action="{action}"><input type="text" name="user_id" id="add-user-id" placeholder="user id" required>'
            '<button class="btn primary" type="submit" id="add-member">Add</button></form></section>'
            '<section class="card"><h2>Change a role</h2>'
            f'<form class="inline" method="post" action="{action}"><input type="text" name="user_id" id="role-user-id" placeholder="user id" required>'
            '<input type="text" name="role" id="role-name" placeholder="role name" required>'
            '<button class="btn secondary" type="submit" id="change-role">Change</button></form></section></div>'
        )
        return self.page(title, "/protected/organizations", user, top + content)

    # -- organizations --

    def organizations(self, claims: Any, outcomes: Dict[str, Outcome], check: Optional[str] = None) -> str:
        """`/protected/organizations`: each organization of the user, the user's roles there and
        its token; with `check`, the answer for that organization id (a refusal for one the user
        is not a member of)."""
        user = view.claimsOf(claims)
        memberOf: List[str] = list(user.get("organizations") or [])
        names = self._organizationNames(outcomes.get("userinfo"))
        cards = "".join(self._organizationCard(user, organization, names.get(organization), outcomes.get("org:" + organization)) for organization in memberOf)
        if not memberOf:
            cards = '<section class="card"><h2>No organizations</h2><p class="sub">The user is not a member of any organization.</p></section>'
        check = checkedId(check)
        checked = ""
        if check is not None and len(check) > MAX_ORGANIZATION_ID:
            checked = self._refusal(check, "That is longer than any organization id.")
        elif check is not None and check in memberOf:
            checked = f'<div class="granted" id="granted">The user is a member of {code(check)}: its token is shown above.</div>'
        elif check is not None:
            answer = outcomes.get("check") or Outcome(error="The token was not asked for.")
            if answer.claims is not None:
                checked = f'<div class="granted" id="granted"><strong>A token for {code(check)}</strong><table class="kv">{accessTokenRows(answer.claims)}</table></div>'
            else:
                checked = self._refusal(check, self._refusalReason(answer))
        body = heading(
            "Organizations",
            "The organizations in the ID token, the user's roles in each, and the organization token the session "
            "gets for each: its scopes are what the user's roles allow there.",
        ) + (
            f'<div class="grid" id="organizations">{cards}</div>'
            '<section class="card"><h2>Ask for another organization\'s token</h2>'
            '<p class="sub">The identity server decides: a token for an organization the user is not a member of is refused.</p>'
            '<form class="inline" method="get" action="/protected/organizations">'
            f'<input type="text" name="check" id="check" placeholder="organization id" maxlength="{MAX_ORGANIZATION_ID}" value="{esc(check or "")}" required>'
            f'<button class="btn secondary" type="submit">Ask for a token</button></form>{checked}</section>'
        )
        return self.page("Organizations", "/protected/organizations", user, body)

    def _organizationCard(self, user: Mapping[str, Any], organization: str, name: Optional[str], outcome: Optional[Outcome]) -> str:
        prefix = organization + ":"
        roles = [role[len(prefix) :] for role in user.get("organization_roles") or [] if role.startswith(prefix)]
        outcome = outcome or Outcome(error="The token was not asked for.")
        if outcome.claims is not None:
            token = f'<table class="kv">{accessTokenRows(outcome.claims)}</table>'
        else:
            token = f"<p>{badge('bad', 'no token')} {esc(self._refusalReason(outcome))}</p>"
        return (
            f'<section class="card organization" data-organization="{esc(organization)}"><div class="org-head">'
            f"<h2>{esc(name or organization)}</h2>{code(organization)}</div>"
            f'<p class="sub">Roles: {roleChips(roles, "no roles")}</p><h3>Organization token</h3>{token}</section>'
        )

    @staticmethod
    def _organizationNames(info: Optional[Outcome]) -> Dict[str, str]:
        """Organization names by id, from the userinfo `organization_data` claim."""
        data = (info.claims or {}).get("organization_data") if info else None
        return {
            str(item["id"]): str(item["name"])
            for item in data or []
            if isinstance(item, dict) and item.get("id") and item.get("name")
        }

    @staticmethod
    def _refusal(organization: str, reason: str) -> str:
        return f'<div class="refusal" id="refusal"><strong>No token for {code(organization)}</strong><p>{esc(reason)}</p></div>'

    @staticmethod
    def _refusalReason(outcome: Outcome) -> str:
        if outcome.reason in ("not_member", "app_not_in_organization"):
            return "The user is not a member of this organization, so the identity server refused the token (403 access_denied)."
        if outcome.reason == "insufficient_scope":
            return "This session was not granted the organizations scope. Sign out and sign in again."
        return outcome.error or "No token."

    # -- the API call --

    def apiCall(self, claims: Any, url: str, token: Any, answers: Tuple[Optional[ApiAnswer], Optional[ApiAnswer]]) -> str:
        """`/protected/api`: the API's answers to the call with the session's access token for
        API_RESOURCE (`token`: its claims) and to the call without a token."""
        withToken, withoutToken = answers
        request = code(f"GET {url}")
        body = heading(
            "API call",
            "The app's server calls a protected API, here this sample's own <code>/api/data</code>, with the access "
            "token the session holds for the API resource. The API checks the token with "
            f"<code>requireAccessToken</code> and answers with what it read from it.",
        ) + (
            '<div class="grid"><section class="card" id="with-token"><h2>With the access token</h2>'
            f'<p class="sub">{request} with <code>Authorization: Bearer</code> and the session\'s token for {code(API_RESOURCE)}.</p>'
            f'{self._answer(withToken, url, "api-status", "api-result")}</section>'
            '<section class="card" id="without-token"><h2>Without a token</h2>'
            f'<p class="sub">{request} with no <code>Authorization</code> header: the bearer guard refuses it.</p>'
            f'{self._answer(withoutToken, url, "api-status-without", "api-result-without")}</section></div>'
            '<section class="card"><h2>The token that was sent</h2><p class="sub">Decoded here for you to read; the API '
            f"verified it (signature, issuer, audience, expiry, the <code>{esc(API_SCOPE)}</code> scope). Its value is not shown.</p>"
            f'<table class="kv" id="api-token">{accessTokenRows(view.claimsOf(token))}</table></section>'
        )
        return self.page("API call", "/protected/api", view.claimsOf(claims), body)

    @staticmethod
    def _answer(answer: Optional[ApiAnswer], url: str, statusId: str, bodyId: str) -> str:
        if answer is None:
            return (
                f"<p>{badge('bad', 'no answer')} The API at {code(url)} did not answer. Set <code>API_URL</code> "
                "if the app cannot reach its own public address.</p>"
            )
        try:
            reason = HTTPStatus(answer.status).phrase
        except ValueError:
            reason = ""
        kind = "ok" if answer.status < 400 else "bad"
        challenge = (
            f'<p style="margin:10px 0 0"><span class="muted">WWW-Authenticate:</span> {code(answer.challenge)}</p>' if answer.challenge else ""
        )
        try:
            text = pretty(json.loads(answer.body))
        except ValueError:
            text = esc(answer.body)
        shown = f'<pre class="api-body" id="{bodyId}">{text}</pre>' if answer.body else f'<p class="muted" id="{bodyId}">(empty body)</p>'
        return (
            f'<p style="margin:0"><span class="muted">Response</span> '
            f'<span class="badge {kind} status" id="{statusId}">HTTP {answer.status} {esc(reason)}</span></p>{challenge}{shown}'
        )

    # -- errors --

    def error(self, status: int, title: str, message: str) -> str:
        return view.errorPage(self.framework, status, title, message)

    def restyle(self, status: int, contentType: str, body: str) -> Optional[str]:
        """The sample's page for an error answer of the integration or the framework (see `view.restyle`)."""
        return view.restyle(self.framework, status, contentType, body)
