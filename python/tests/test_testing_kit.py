"""`logto.testing` as a user's test suite uses it: the pytest plugin's fixtures and `MockLogto`,
with the three framework samples under their own test clients, no Node and no network beyond
loopback. (The SDK itself is proven against `testing/idp` and a real Logto, never only the kit.)"""

import asyncio
from typing import Any, Dict, Tuple

import pytest
import requests

from logto import LogtoConfig
from logto.machine import MachineClient
from logto.Storage import MemoryStorage
from logto.testing import MockLogto
from samples.pages import API_RESOURCE, API_SCOPE
from webapps import Served

FRAMEWORKS = ["flask", "django", "fastapi"]


def app_and_client(framework: str, logto: MockLogto, **settings: Any) -> Tuple[Any, Any]:
    """The framework's sample configured for `logto`, and its test client."""
    base = "http://localhost" if framework == "flask" else "http://testserver"
    options: Dict[str, Any] = {
        "endpoint": logto.endpoint,
        "appId": logto.app_id,
        "appSecret": logto.app_secret,
        "baseUrl": base,
        "redisUrl": None,
    }
    options.update(settings)
    if framework == "flask":
        from samples.flask_app import create_app

        app = create_app(**options)
        return app, app.test_client()
    if framework == "fastapi":
        from fastapi.testclient import TestClient

        from samples.fastapi_app import create_app as create_fastapi

        app = create_fastapi(**options)
        return app, TestClient(app)
    from django.test import Client

    from samples.django_app import configure

    configure(**options)
    return None, Client()


def text(response: Any) -> str:
    return response.text if hasattr(response, "text") and isinstance(response.text, str) else response.get_data(as_text=True) if hasattr(response, "get_data") else response.content.decode()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_fixtures_sign_a_user_in_through_the_apps_own_routes(framework, mock_logto, logto_user, logto_sign_in):
    sub = logto_user("u_alice", username="alice", name="Alice Example", email="alice@example.com")
    _, client = app_and_client(framework, mock_logto)

    answer = logto_sign_in(client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    page = client.get("/protected")
    assert page.status_code == 200
    assert sub in text(page) and "Alice Example" in text(page)
    assert mock_logto.count_token_requests("authorization_code", "ok") == 1

    info = client.get("/protected/userinfo")
    assert info.status_code == 200 and "alice@example.com" in text(info)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_my_account_reads_and_changes_the_profile_through_the_account_api(framework, mock_logto, logto_user, logto_sign_in):
    # Each framework's `account()` gives the Account API with the session's access token; the
    # kit serves the profile part of it.
    logto_user("u_alice", username="alice", name="Alice Example", custom_data={"plan": "pro"})
    _, client = app_and_client(framework, mock_logto)
    logto_sign_in(client)

    page = text(client.get("/protected/account"))
    assert 'id="account-name">Alice Example<' in page and "alice" in page and "pro" in page
    changed = client.post("/protected/account", data={"name": "Alice B."})
    assert changed.status_code == 200
    assert 'id="account-name">Alice B.<' in text(changed) and 'id="account-saved"' in text(changed)
    assert 'id="account-name">Alice B.<' in text(client.get("/protected/account")), "stored at Logto"


def test_the_flask_samples_organization_admin_page_manages_members(mock_logto, logto_user, logto_sign_in):
    # The Management API part the kit serves: an organization's members and their roles.
    from samples.flask_app import create_app

    admin = mock_logto.add_m2m_app("sample-admin", "admin-secret", api_scopes={"https://default.logto.app/api": ["all"]})
    mock_logto.add_user("u_bob", username="bob")
    mock_logto.add_user("u_carol", username="carol", organizations={"org_acme": (["member"], ["read:org"])})
    logto_user("u_alice", username="alice", organizations={"org_acme": (["admin"], ["read:org"])})
    app = create_app(
        managementApp=admin, endpoint=mock_logto.endpoint, appId=mock_logto.app_id, appSecret=mock_logto.app_secret,
        baseUrl="http://localhost", redisUrl=None,
    )
    client = app.test_client()
    logto_sign_in(client)
    members = "/protected/organizations/org_acme/members"

    page = text(client.get(members))
    assert 'data-member="u_alice"' in page and 'data-member="u_carol"' in page and 'data-member="u_bob"' not in page
    added = text(client.post(members, data={"user_id": "u_bob"}))
    assert "members-saved" in added and 'data-member="u_bob"' in added
    assert "u_carol now has the role admin" in text(client.post(members, data={"user_id": "u_carol", "role": "admin"}))
    refused = text(client.post(members, data={"user_id": "u_nobody"}))
    assert "members-error" in refused and "422" in refused, "Logto's refusal is shown"
    assert client.get("/protected/organizations/org_other/members").status_code == 403, "admin of org_acme only"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_minted_token_opens_the_protected_api_and_a_token_without_its_scope_does_not(framework, mock_logto):
    _, client = app_and_client(framework, mock_logto)
    token = mock_logto.mint_access_token(API_RESOURCE, [API_SCOPE], sub="u_reader")
    answer = client.get("/api/data", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and "u_reader" in text(answer)

    without_scope = mock_logto.mint_access_token(API_RESOURCE, [], sub="u_reader")
    assert client.get("/api/data", headers={"Authorization": f"Bearer {without_scope}"}).status_code == 403
    other_audience = mock_logto.mint_access_token("https://other.example.com", [API_SCOPE])
    assert client.get("/api/data", headers={"Authorization": f"Bearer {other_audience}"}).status_code == 401


def test_a_signed_in_page_survives_logto_going_down_until_it_needs_logto(mock_logto):
    _, client = app_and_client("flask", mock_logto)
    mock_logto.sign_in(client)
    mock_logto.set_down()
    assert client.get("/protected").status_code == 200, "the ID token is in the session"
    assert client.get("/protected/userinfo").status_code >= 500, "user info needs Logto"
    mock_logto.set_down(False)
    assert client.get("/protected/userinfo").status_code == 200, "still signed in"


def test_revoked_grants_and_ended_sessions_sign_the_user_out(mock_logto):
    # The app served for real on loopback: Logto delivers the logout token to it over HTTP.
    from samples.flask_app import create_app

    served_port = __import__("conftest").free_port()
    base = f"http://127.0.0.1:{served_port}"
    mock_logto.add_app("bcl-app", "bcl-secret", backchannel_logout_uri=f"{base}/backchannel-logout")
    app = create_app(endpoint=mock_logto.endpoint, appId="bcl-app", appSecret="bcl-secret", baseUrl=base, backchannelLogout=True, redisUrl=None)
    served = Served(app, port=served_port)
    try:
        browser = requests.Session()
        start = browser.get(base + "/sign-in", allow_redirects=False, timeout=10)
        done = browser.get(mock_logto.callback_for(start.headers["Location"]), allow_redirects=False, timeout=10)
        assert done.status_code == 302
        assert browser.get(base + "/protected", allow_redirects=False, timeout=10).status_code == 200

        assert mock_logto.end_sessions() == 1, "the app accepted the logout token"
        after = browser.get(base + "/protected", allow_redirects=False, timeout=10)
        assert after.status_code == 302 and "/sign-in" in after.headers["Location"], "signed out"
    finally:
        served.stop()


def test_a_machine_app_gets_tokens_the_api_accepts(mock_logto):
    app_id, app_secret = mock_logto.add_m2m_app(api_scopes={API_RESOURCE: [API_SCOPE]})
    machine = MachineClient(mock_logto.endpoint, app_id, app_secret)
    token = asyncio.run(machine.getToken(API_RESOURCE))
    _, client = app_and_client("flask", mock_logto)
    answer = client.get("/api/data", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and app_id in text(answer)


def test_a_public_app_rotates_and_a_reused_refresh_token_is_refused():
    with MockLogto(refresh_token_reuse_interval=0) as logto:
        logto.add_app("spa", kind="spa")
        from logto.sync import LogtoClient as SyncClient

        storage = MemoryStorage()
        client = SyncClient(
            LogtoConfig(endpoint=logto.endpoint, appId="spa", resources=[API_RESOURCE], scopes=[API_SCOPE]), storage
        )
        client.handleSignInCallback(logto.callback_for(client.signIn(redirectUri="http://localhost/callback")))
        first = storage.get("refreshToken")
        assert first and client.getAccessToken(API_RESOURCE)
        assert logto.token_requests()[-1].rotated
        answer = requests.post(
            logto.issuer + "/token",
            data={"grant_type": "refresh_token", "client_id": "spa", "refresh_token": first},
            timeout=10,
        )
        assert answer.status_code == 400 and answer.json()["code"] == "oidc.invalid_grant"


def test_token_exchange_and_the_servers_clock(mock_logto):
    mock_logto.add_app("exchanger", "x-secret", kind="machine_to_machine", token_exchange=True)
    mock_logto.add_user("u_alice", api_scopes={API_RESOURCE: [API_SCOPE, "write:data"]})
    machine = MachineClient(mock_logto.endpoint, "exchanger", "x-secret")
    response = asyncio.run(machine.exchangeToken(mock_logto.mint_subject_token("u_alice"), resource=API_RESOURCE, scopes=[API_SCOPE]))
    _, client = app_and_client("flask", mock_logto)
    answer = client.get("/api/data", headers={"Authorization": f"Bearer {response.access_token}"})
    assert answer.status_code == 200 and "u_alice" in text(answer)

    # A subject token lives 600 s on the server's clock.
    subject = mock_logto.mint_subject_token("u_alice")
    mock_logto.advance_clock(601)
    with pytest.raises(Exception):
        asyncio.run(machine.exchangeToken(subject, resource=API_RESOURCE))


def test_a_login_page_for_browser_tests(mock_logto):
    mock_logto.add_user("u_bob", username="bob").set_login_page()
    _, client = app_and_client("flask", mock_logto)
    start = client.get("/sign-in")
    page = requests.get(start.headers["Location"], timeout=10)
    assert page.status_code == 200 and "Sign in as bob" in page.text and "Sign in as test-user" in page.text
    action = page.text.split('action="')[1].split('"')[0]
    chosen = requests.post(mock_logto.endpoint + action, data={"sub": "u_bob"}, allow_redirects=False, timeout=10)
    callback = chosen.headers["Location"].split("localhost", 1)[1]
    assert client.get(callback).status_code == 302
    assert "u_bob" in text(client.get("/protected"))
