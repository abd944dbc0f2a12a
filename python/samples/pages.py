"""The HTML of the framework samples (Flask, Django, FastAPI): the same pages in each, so one
browser walk checks them all. Plain functions of plain data; every value is escaped."""

import html
import json
import os
from typing import Any, Dict, Iterable, Optional

from logto import UserInfoScope

API_RESOURCE = os.environ.get("LOGTO_API_RESOURCE") or os.environ.get("API_RESOURCE") or "https://api.example.com"
API_SCOPE = "read:data"
"""The scope the sample's API (`/api/data`) requires of the access token."""
SCOPES = [
    API_SCOPE,
    UserInfoScope.email,
    UserInfoScope.phone,
    UserInfoScope.customData,
    UserInfoScope.identities,
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


def _json(model: Any) -> str:
    data = model.model_dump(exclude_unset=True) if hasattr(model, "model_dump") else model
    return html.escape(json.dumps(data, indent=2, default=str))


def layout(title: str, body: str, signedIn: bool) -> str:
    nav = (
        "<nav><a href='/'>Home</a> | <a href='/protected'>Protected</a> | "
        "<a id='nav-userinfo' href='/protected/userinfo'>User info</a> | "
        "<a id='nav-organizations' href='/protected/organizations'>Organizations</a> | "
        "<a id='nav-api' href='/protected/api'>API call</a></nav>"
    )
    if signedIn:
        account = (
            "<form method='post' action='/sign-out'>"
            "<button id='sign-out' type='submit'>Sign out</button></form>"
        )
    else:
        account = "<a id='sign-in' href='/sign-in'>Sign in</a> | <a id='sign-up' href='/sign-up'>Sign up</a>"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        "<body style='font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto'>"
        f"{nav}<div>{account}</div><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def home(claims: Optional[Any], framework: str) -> str:
    if claims is None:
        return layout(f"Logto {framework} sample", "<p id='status'>Not authenticated</p>", False)
    body = (
        f"<p id='status'>Signed in as <span id='user-name'>{html.escape(str(claims.name or claims.sub))}</span></p>"
        f"<p>Subject: <code id='user-sub'>{html.escape(claims.sub)}</code></p>"
    )
    return layout(f"Logto {framework} sample", body, True)


def protected(claims: Any) -> str:
    return layout("ID token claims", f"<pre id='claims'>{_json(claims)}</pre>", True)


def userInfo(info: Any) -> str:
    return layout("User info", f"<pre id='userinfo'>{_json(info)}</pre>", True)


def organizations(tokens: Iterable[Any]) -> str:
    items = "".join(
        f"<li><h3>{html.escape(organizationId)}</h3><pre>{_json(claims)}</pre></li>" for organizationId, claims in tokens
    )
    return layout("Organizations", f"<ul id='organizations'>{items or '<li>none</li>'}</ul>", True)


def apiCall(resource: str, status: int, result: str) -> str:
    body = (
        f"<p>Called <code>{html.escape(resource)}</code> with an access token: "
        f"<span id='api-status'>HTTP {status}</span></p><pre id='api-result'>{html.escape(result)}</pre>"
    )
    return layout("API call", body, True)
