"""The framework samples' pages (python/samples/pages.py, view.py): what they show, that every
value is escaped and no token value reaches a page, and that errors are pages in the samples'
style; then the pages of each framework signed in at the test identity server."""

import time

import pytest

from conftest import DEMO_SUB
from logto import IdTokenClaims
from samples import pages, view
from test_web_integrations import FRAMEWORKS, build, sign_in

NOW = int(time.time())
SITE = pages.Site("Flask", {"redisUrl": "redis://127.0.0.1:6379/0"})


def claims(**extra):
    values = {"iss": "https://logto.example/oidc", "sub": "u_1", "aud": "app", "iat": NOW, "exp": NOW + 3600}
    values.update(extra)
    return IdTokenClaims(**values)


def test_the_session_card_and_the_token_table():
    tokens = {
        "userinfo": pages._settled("opaque-user-info-token-value"),
        "api": pages.Outcome(claims={"aud": "https://api.example.com", "scope": "read:data", "iat": NOW, "exp": NOW + 3600}),
        "org:org-a": pages.Outcome(error="No token: the store is down.", reason=None),
    }
    # An hour and half a minute from now: "expires in 1h 00m ..." however slow the machine.
    page = SITE.home(claims(name="Ann", sid="sid-123", roles=["admin"], exp=int(time.time()) + 3630), tokens)
    assert 'id="status">Signed in as' in page and 'id="user-name">Ann' in page and 'id="user-sub">u_1' in page
    assert 'id="session-sid">sid-123' in page and "expires in 1h 00m" in page and "Redis" in page
    assert "opaque" in page and "opaque-user-info-token-value" not in page, "a token value is never shown"
    assert '<td class="scopes"><span class="chip">read:data</span>' in page and "unavailable" in page
    signed_out = SITE.home(None)
    assert 'id="status">Not authenticated' in signed_out and 'id="sign-in"' in signed_out and 'id="sign-up"' in signed_out
    assert "sign-out" not in signed_out


def test_values_are_escaped():
    page = SITE.home(claims(name="<script>x</script>", picture="javascript:alert(1)"), {})
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<img" not in page, "only web addresses as pictures"
    assert "&quot;&gt;" in view.avatar('https://x/"><script>', "A B")
    info = SITE.userInfo({"sub": "u_1", "custom_data": {"note": "<b>"}, "identities": {"<gh>": {"userId": "<1>"}}})
    assert "<b>" not in info and "&lt;gh&gt;" in info and "&lt;1&gt;" in info
    refused = SITE.organizations(claims(organizations=[]), {"check": pages.Outcome(error="x", reason="not_member")}, "<org>")
    assert "<org>" not in refused and 'value="&lt;org&gt;"' in refused and "not a member" in refused


def test_organizations_with_their_tokens():
    # Fresh times: the module's NOW may be minutes old when this test runs ("soon" is < 5 min).
    now = int(time.time())
    token = {"aud": "urn:logto:organization:org-a", "scope": "read:org write:org", "iat": now, "exp": now + 120}
    user = claims(organizations=["org-a"], organization_roles=["org-a:admin", "org-b:member"])
    outcomes = {"org:org-a": pages.Outcome(claims=token), "userinfo": pages.Outcome(claims={"organization_data": [{"id": "org-a", "name": "Acme"}]})}
    page = SITE.organizations(user, outcomes)
    assert "<h2>Acme</h2>" in page and '<span class="chip role">admin</span>' in page and 'role">member' not in page
    assert "urn:logto:organization:org-a" in page and "write:org" in page and "countdown soon" in page
    assert 'id="granted"' in SITE.organizations(user, outcomes, "org-a"), "a member's token is shown above"
    assert "longer than any organization id" in SITE.organizations(user, outcomes, "x" * 129)


def test_errors_are_pages_in_the_samples_style():
    integration = '<!doctype html><h1>Access was denied</h1><p id="auth-error">access_denied: no</p>'
    styled = SITE.restyle(403, "text/html; charset=utf-8", integration)
    assert styled is not None and 'class="card error-page"' in styled
    assert '<p class="message" id="auth-error">Access_denied: no</p>' in styled and "<h1>Access was denied</h1>" in styled
    assert SITE.restyle(403, "application/json", '{"error": "insufficient_scope"}') is None, "the API's answers pass"
    assert SITE.restyle(200, "text/html", integration) is None
    assert SITE.restyle(403, "text/html", styled or "") is None, "never twice"
    assert "Cross-site sign-out refused" in (SITE.restyle(403, "text/plain", "Cross-site sign-out refused") or "")
    assert "There is no such page" in (SITE.restyle(404, "text/html", "<h1>Not Found</h1>") or "")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_pages_signed_in(framework, idp, redis_server):
    browser = build(framework, idp, redisUrl=redis_server.url)
    sign_in(browser, idp)
    home = browser.get("/")
    assert home.status == 200 and 'id="session"' in home.text and 'id="tokens"' in home.text
    assert "urn:logto:organization:org-acme" in home.text and "read:data" in home.text and "expires in" in home.text
    assert DEMO_SUB in browser.get("/protected").text
    refused = browser.get("/protected/organizations?check=org-initech")
    assert refused.status == 200 and 'id="refusal"' in refused.text and "not a member" in refused.text
    for path in ("/", "/protected", "/protected/userinfo", "/protected/organizations"):
        assert "eyJ" not in browser.get(path).text, f"{framework} {path}: no token value on a page"
    missing = browser.get("/no-such-page")
    assert missing.status == 404 and "There is no such page" in missing.text and 'class="card error-page"' in missing.text
