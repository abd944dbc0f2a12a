"""The samples' page shell and the small HTML pieces their pages are made of (claim rows, scope
chips, dates with live expiry countdowns, the avatar), and their error pages. The same look as the
axum demo (`examples/axum-sample`): its style sheet and script are `templates/style.css` and
`templates/script.js`, inlined in every page. Every value from a token or the identity server is
escaped here."""

import html
import json
import time
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional

_TEMPLATES = Path(__file__).resolve().parent / "templates"
STYLE = (_TEMPLATES / "style.css").read_text(encoding="utf-8")
SCRIPT = (_TEMPLATES / "script.js").read_text(encoding="utf-8")

NAVIGATION = [
    ("/", "Home", "nav-home"),
    ("/protected", "ID token", "nav-claims"),
    ("/protected/userinfo", "User info", "nav-userinfo"),
    ("/protected/organizations", "Organizations", "nav-organizations"),
    ("/protected/api", "API call", "nav-api"),
    ("/protected/account", "My account", "nav-account"),
]
"""The pages of the top bar (path, label, element id)."""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def page(framework: str, title: str, current: str, user: Optional[Mapping[str, Any]], body: str) -> str:
    """A full page: `title` in the browser tab, `body` (HTML) as the content. The top bar shows
    the navigation and a sign-out button when `user` (claims) is given; `current` is the path
    of the navigation entry to highlight."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · Logto {esc(framework)} sample</title><style>{STYLE}</style></head>"
        f'<body><header class="top"><div class="wrap"><a class="brand" href="/"><span class="mark">L</span>'
        f"Logto {esc(framework)} sample</a>{_topBar(current, user)}</div></header>"
        f'<main class="wrap">{body}</main>'
        f'<footer class="wrap">Python SDK sample: <code>logto</code> + <code>logto.{esc(framework.lower())}</code> '
        f"on {esc(framework)}. Tokens stay on the server; the browser holds only a session cookie.</footer>"
        f"<script>{SCRIPT}</script></body></html>"
    )


def heading(title: str, lead: str) -> str:
    """A page heading with its lead paragraph (`lead` is HTML)."""
    return f'<h1>{esc(title)}</h1><p class="lead">{lead}</p>'


def _topBar(current: str, user: Optional[Mapping[str, Any]]) -> str:
    if user is None:
        return '<span class="spacer"></span>'
    links = "".join(
        f'<a id="{ident}" href="{path}"{" aria-current=page" if path == current else ""}>{label}</a>'
        for path, label, ident in NAVIGATION
    )
    return (
        f'<nav class="main">{links}</nav><div class="who">{avatar(user.get("picture"), displayName(user), "small")}'
        f'<span class="who-name">{esc(displayName(user))}</span>'
        '<form method="post" action="/sign-out"><button id="sign-out" class="btn ghost" type="submit">Sign out</button></form></div>'
    )


def displayName(claims: Mapping[str, Any]) -> str:
    """The name to greet the user with: name, username, email, or the user id."""
    return str(claims.get("name") or claims.get("username") or claims.get("email") or claims.get("sub") or "")


def avatar(picture: Any, name: str, size: str = "") -> str:
    """A round avatar: the initials, covered by the picture when there is one and it loads."""
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    image = ""
    # Only web addresses: a `javascript:` or `data:` URL from a profile has no place in the page.
    if isinstance(picture, str) and picture.startswith(("https://", "http://")):
        image = f'<img src="{esc(picture)}" alt="" referrerpolicy="no-referrer" onerror="this.remove()">'
    return f'<span class="avatar {size}" aria-hidden="true">{esc(initials)}{image}</span>'


def code(text: Any) -> str:
    return f"<code>{esc(text)}</code>"


def chips(items: Optional[Iterable[Any]], empty: str, kind: str = "chip") -> str:
    """One chip per item (`kind` "chip role" for roles), or a muted `empty` text."""
    parts = "".join(f'<span class="{kind}">{esc(item)}</span>' for item in items or [])
    return parts or f'<span class="muted">{esc(empty)}</span>'


def roleChips(items: Optional[Iterable[Any]], empty: str = "none") -> str:
    return chips(items, empty, "chip role")


def link(url: Any) -> str:
    """A web address as a link (anything else as text)."""
    text = str(url)
    if text.startswith(("https://", "http://")):
        return f'<a href="{esc(text)}" rel="noreferrer">{esc(text)}</a>'
    return esc(text)


def audience(aud: Any) -> str:
    return " ".join(code(item) for item in (aud if isinstance(aud, list) else [aud]))


def badge(kind: str, text: str) -> str:
    """A small coloured label (`ok`, `warn`, `bad`, `muted`)."""
    return f'<span class="badge {kind}">{esc(text)}</span>'


def verified(flag: Optional[bool]) -> str:
    if flag is None:
        return ""
    return " " + (badge("ok", "verified") if flag else badge("warn", "not verified"))


def span(seconds: int) -> str:
    """"1h 02m 05s", "59m 12s", "12s", "13d 23h 59m"."""
    d, h, m, s = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60, seconds % 60
    if d:
        return f"{d}d {h}h {m:02}m"
    if h:
        return f"{h}h {m:02}m {s:02}s"
    if m:
        return f"{m}m {s:02}s"
    return f"{s}s"


def date(seconds: Any) -> str:
    """An absolute time (UTC from the server, the reader's local time once the script ran)."""
    moment = datetime.fromtimestamp(int(seconds), timezone.utc)
    return (
        f'<time class="local" datetime="{moment.strftime("%Y-%m-%dT%H:%M:%SZ")}">'
        f'{moment.strftime("%Y-%m-%d %H:%M:%S UTC")}</time>'
    )


def countdown(seconds: Any) -> str:
    """A live "expires in 59m 12s" countdown, right from the server even without the script."""
    left = int(seconds) - int(time.time())
    if left > 0:
        kind, text = ("countdown soon" if left < 300 else "countdown"), f"expires in {span(left)}"
    else:
        kind, text = "countdown expired", f"expired {span(-left)} ago"
    return f'<span class="{kind}" data-expires="{int(seconds)}">{text}</span>'


def expiry(seconds: Any) -> str:
    """The countdown with the absolute time under it."""
    return f'{countdown(seconds)}<span class="note">{date(seconds)}</span>'


def row(label: str, claim: str, value: str) -> str:
    """A key-value row: a readable label, the claim name under it, and the value (HTML)."""
    name = f'<span class="claim">{esc(claim)}</span>' if claim else ""
    return f"<tr><th>{esc(label)}{name}</th><td>{value}</td></tr>"


def pretty(value: Any) -> str:
    """Pretty-printed, escaped JSON."""
    return esc(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def jsonValue(value: Any) -> str:
    """Any JSON value, readably: strings as text, lists of strings as chips, structures
    pretty-printed, other scalars as code."""
    if isinstance(value, str):
        return esc(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return chips(value, "none")
    if isinstance(value, (list, dict)):
        return f"<pre>{pretty(value)}</pre>"
    return code(json.dumps(value))


def extraClaimRow(claim: str, value: Any) -> str:
    """A row for a claim the models do not name, readable where its shape is known (Logto's
    `address`, `created_at` / `updated_at` in milliseconds, `organization_data`)."""
    if claim == "address" and isinstance(value, dict):
        return row("Address", claim, esc(value["formatted"]) if isinstance(value.get("formatted"), str) else jsonValue(value))
    if claim in ("created_at", "updated_at") and isinstance(value, (int, float)):
        return row("Created" if claim == "created_at" else "Updated", claim, date(value / 1000))
    if claim == "organization_data" and isinstance(value, list):
        names = "".join(
            f"<div><strong>{esc(item.get('name') or item.get('id'))}</strong> {code(item.get('id'))}</div>"
            for item in value
            if isinstance(item, dict) and item.get("id")
        )
        return row("Organization details", claim, names)
    if claim == "sso_identities" and value == []:
        return row("SSO identities", claim, '<span class="muted">none</span>')
    return row(claim, "", jsonValue(value))


def accessTokenRows(claims: Mapping[str, Any]) -> str:
    """The rows every JWT access token shows: audience, scopes, issued, expiry."""
    return (
        row("Audience", "aud", audience(claims.get("aud")))
        + row("Scopes", "scope", chips(str(claims.get("scope") or "").split(), "no scopes granted"))
        + row("Issued", "iat", date(claims["iat"]))
        + row("Expiry", "exp", expiry(claims["exp"]))
    )


# -- error pages --------------------------------------------------------------------------------

_HINTS = {
    400: "This happens when a sign-in link is opened twice, in another browser, or too late. Start again.",
    401: "The session has ended. Sign in again to continue.",
    403: "If this is unexpected, ask the app's administrator.",
}
_DEFAULT_TITLES = {403: "That was refused", 404: "There is no such page", 405: "Not like this"}
_DEFAULT_MESSAGES = {
    404: "The address does not lead to a page of this sample. The home page links to all of them.",
    405: "This address answers a form button, not a link. Sign out with the button at the top of the page.",
}


def errorPage(framework: str, status: int, title: str, message: str) -> str:
    """An error page: the status, `title`, `message` (text; shown as `#auth-error`) and the way back."""
    signIn = '<a class="btn secondary" href="/sign-in">Sign in again</a>' if status in (400, 401, 403) else ""
    hint = _HINTS.get(status, "The app or the identity server had a problem. Try again in a moment." if status >= 500 else "")
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    text = message[:1].upper() + message[1:]
    body = (
        f'<section class="card error-page"><span class="code">{status} {esc(reason)}</span><h1>{esc(title)}</h1>'
        f'<p class="message" id="auth-error">{esc(text)}</p><p class="hint">{hint}</p>'
        f'<div class="actions"><a class="btn primary" href="/">Back to the home page</a>{signIn}</div></section>'
    )
    return page(framework, title, "", None, body)


def defaultTitle(status: int) -> str:
    return _DEFAULT_TITLES.get(status, "Something went wrong" if status >= 500 else "The request could not be completed")


def defaultMessage(status: int) -> str:
    return _DEFAULT_MESSAGES.get(status, "Please try again in a moment." if status >= 500 else "Please go back and try again.")


def restyle(framework: str, status: int, contentType: str, body: str) -> Optional[str]:
    """The sample's error page for an error answer of the integration or the framework, keeping
    its words, or None to pass the answer on unchanged (a success, JSON such as the API's
    refusals, a page this does not know).

    The integrations answer a failed sign-in with a small page whose title is the `<h1>` and
    whose text is `#auth-error`; a refused sign-out is plain text; the frameworks have their own
    404 and 405 pages."""
    if status < 400 or 'class="card error-page"' in body or not contentType.startswith(("text/html", "text/plain")):
        return None  # a JSON answer is for a program (the API's refusals, back-channel logout)
    if contentType.startswith("text/html"):
        title, message = _between(body, "<h1>", "</h1>"), _between(body, '<p id="auth-error">', "</p>")
        if title is not None and message is not None:
            return errorPage(framework, status, html.unescape(title), html.unescape(message))
    elif body.strip():
        return errorPage(framework, status, defaultTitle(status), body.strip())
    if status in _DEFAULT_MESSAGES:
        return errorPage(framework, status, defaultTitle(status), defaultMessage(status))
    return None


def _between(text: str, start: str, end: str) -> Optional[str]:
    begin = text.find(start)
    if begin < 0:
        return None
    begin += len(start)
    stop = text.find(end, begin)
    return None if stop < 0 else text[begin:stop]


def claimsOf(model: Any) -> Dict[str, Any]:
    """A model's claims (extra claims included) as plain data, without the unset ones."""
    if model is None:
        return {}
    if hasattr(model, "model_dump"):
        return {key: value for key, value in model.model_dump(mode="json").items() if value is not None}
    return dict(model)
