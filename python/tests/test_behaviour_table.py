"""The session engine's behaviour table (`testing/behaviour/table.json`), run as it is through
the Flask, Django and FastAPI faces; `crates/logto-axum/tests/behaviour.rs` runs the same table
through axum. Every row is a request and the answer every face must give."""

import json
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from test_web_integrations import FRAMEWORKS, build, sign_in
from webapps import COOKIE, Answer, Browser, parseSetCookie

TABLE = json.loads((Path(__file__).resolve().parents[2] / "testing" / "behaviour" / "table.json").read_text())


@pytest.fixture(params=FRAMEWORKS)
def framework(request: Any) -> str:
    return str(request.param)


def expand(value: str, browser: Browser, idp: Any) -> str:
    return value.replace("$BASE", browser.baseUrl).replace("$IDP", idp.endpoint)


def cookie_change(answer: Answer) -> str:
    """What the answer does to the session cookie: `set`, `clear` or `keep`."""
    for header in answer.setCookies:
        for name, morsel in parseSetCookie(header).items():
            if name == COOKIE:
                return "clear" if not morsel.value or morsel["max-age"] == "0" else "set"
    return "keep"


def signed_in(browser: Browser) -> bool:
    return "Signed in as" in browser.get("/").text


def check(answer: Answer, row: Dict[str, Any], browser: Browser, idp: Any) -> None:
    assert answer.status == row["status"], (row, answer.status, answer.text[:300])
    if "location" in row:
        assert answer.location == expand(row["location"], browser, idp), row
    if "location_starts" in row:
        assert (answer.location or "").startswith(expand(row["location_starts"], browser, idp)), (row, answer.location)
    if "cookie" in row:
        assert cookie_change(answer) == row["cookie"], (row, answer.setCookies)
    if "signed_in_after" in row:
        assert signed_in(browser) is row["signed_in_after"], row


@pytest.mark.parametrize("row", TABLE["return_to"], ids=lambda row: row["query"])
def test_return_to(framework: str, idp: Any, redis_server: Any, row: Dict[str, Any]) -> None:
    browser = build(framework, idp, redisUrl=redis_server.url)
    assert sign_in(browser, idp, "/sign-in?return_to=" + row["query"]) == row["lands_on"]


@pytest.mark.parametrize("row", TABLE["callback"], ids=lambda row: row["query"] + (" signed in" if row["signed_in"] else ""))
def test_callback(framework: str, idp: Any, redis_server: Any, row: Dict[str, Any]) -> None:
    browser = build(framework, idp, redisUrl=redis_server.url)
    if row["signed_in"]:
        sign_in(browser, idp)
    else:
        browser.get("/sign-in")
    check(browser.get("/callback?" + row["query"]), row, browser, idp)


@pytest.mark.parametrize("row", TABLE["sign_out"], ids=lambda row: f"{row['method']} {row['headers']} get={row['on_get']}")
def test_sign_out(framework: str, idp: Any, redis_server: Any, row: Dict[str, Any]) -> None:
    browser = build(framework, idp, redisUrl=redis_server.url, signOutOnGet=row["on_get"])
    sign_in(browser, idp)
    headers = {name: expand(value, browser, idp) for name, value in row["headers"].items()}
    answer = browser.get("/sign-out", headers) if row["method"] == "GET" else browser.post("/sign-out", headers)
    check(answer, row, browser, idp)


@pytest.mark.parametrize("row", TABLE["signed_out_page"], ids=lambda row: row["path"])
def test_signed_out_page(framework: str, idp: Any, redis_server: Any, row: Dict[str, Any]) -> None:
    browser = build(framework, idp, redisUrl=redis_server.url)
    check(browser.get(row["path"]), row, browser, idp)


@pytest.mark.parametrize("row", TABLE["backchannel_logout"], ids=lambda row: f"enabled={row['enabled']} {sorted(row['form'])}")
def test_backchannel_logout(framework: str, idp: Any, redis_server: Any, row: Dict[str, Any]) -> None:
    browser = build(framework, idp, redisUrl=redis_server.url, backchannelLogout=row["enabled"])
    form: Optional[Dict[str, str]] = row["form"]
    answer = browser.post("/backchannel-logout", {}, form)
    check(answer, row, browser, idp)
    assert json.loads(answer.text)["error"] == row["error"]
    assert answer.headers.get("cache-control") == "no-store"
