"""The real-Logto leg: the Flask, Django and FastAPI samples against a real Logto, provisioned by
`testing/real-logto/provision.py` (see `testing/real-logto/README.md`). It runs when
`LOGTO_REAL_ENV` names the env file the script wrote, and is skipped, saying so, otherwise (the
project's CI has no Logto to run).

Sign-in goes through Logto's experience API (what Logto's own sign-in page does); back-channel
logout is delivered by Logto itself to the app served live on the registered URI
(`http://127.0.0.1:5000/backchannel-logout`)."""

import os
import re
import time
from html import unescape
from pathlib import Path
from typing import Any, Dict, Iterator
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests

from test_web_integrations import FRAMEWORKS, build
from webapps import Browser, Served

ENV_FILE = os.environ.get("LOGTO_REAL_ENV")
pytestmark = pytest.mark.skipif(
    not ENV_FILE, reason="LOGTO_REAL_ENV is not set: no real Logto to run against (testing/real-logto/README.md)"
)
BASE_URL = "http://127.0.0.1:5000"


def real_env() -> Dict[str, str]:
    assert ENV_FILE is not None
    values = {}
    for line in Path(ENV_FILE).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]  # quoted as the shell quotes it
            values[key.strip()] = value
    return values


@pytest.fixture(scope="module")
def env() -> Dict[str, str]:
    return real_env()


@pytest.fixture(params=FRAMEWORKS)
def framework(request: Any) -> str:
    return str(request.param)


class RealIdp:
    """What the sample builder needs of an identity server."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint


def face(framework: str, env: Dict[str, str], redis_server: Any, **settings: Any) -> Browser:
    return build(
        framework,
        RealIdp(env["LOGTO_ENDPOINT"]),
        appId=env["LOGTO_WEB_APP_ID"],
        appSecret=env["LOGTO_WEB_APP_SECRET"],
        baseUrl=BASE_URL,
        redisUrl=redis_server.url,
        **settings,
    )


def experience_sign_in(logto: requests.Session, endpoint: str, username: str, password: str) -> str:
    """Signs `username` in through Logto's experience API, in the interaction `logto`'s cookie
    jar already has; returns where Logto sends the browser next."""

    def api(method: str, path: str, body: Any = None) -> Any:
        response = logto.request(method, f"{endpoint}/api/experience{path}", json=body, timeout=30)
        assert response.status_code in (200, 201, 204), (path, response.status_code, response.text[:300])
        return response.json() if response.content else None

    api("PUT", "", {"interactionEvent": "SignIn"})
    verification = api("POST", "/verification/password", {"identifier": {"type": "username", "value": username}, "password": password})
    api("POST", "/identification", {"verificationId": verification["verificationId"]})
    return str(api("POST", "/submit")["redirectTo"])


def logto_sign_in(logto: requests.Session, sign_in_url: str, username: str, password: str) -> str:
    """Signs `username` in at Logto through its experience API, in `logto`'s cookie jar (Logto's
    session); returns the callback URL Logto redirects to."""
    endpoint = f"{urlsplit(sign_in_url).scheme}://{urlsplit(sign_in_url).netloc}"
    answer = logto.get(sign_in_url, allow_redirects=False, timeout=30)
    assert answer.status_code in (302, 303), answer.text[:300]
    location = experience_sign_in(logto, endpoint, username, password)
    for _ in range(10):
        if location.startswith(BASE_URL):
            return str(location)
        response = logto.get(urljoin(endpoint + "/", location), allow_redirects=False, timeout=30)
        location = response.headers.get("location", "")
    raise AssertionError("Logto never sent the browser back to the app")


def answer_device(env: Dict[str, str], link: str, approve: bool) -> str:
    """Answers a device sign-in (Logto 1.38+) as its user does on Logto's device page opened at
    `link` (the code filled in): the page's form posts to `/oidc/device` with the session's
    `xsrf`, then confirms (the member signs in through the experience API) or aborts. Returns
    the page the browser ends on."""
    endpoint = env["LOGTO_ENDPOINT"]
    user_code = dict(parse_qsl(urlsplit(link).query))["user_code"]
    logto = requests.Session()
    page = logto.get(link, allow_redirects=False, timeout=30)
    assert page.status_code in (302, 303), page.status_code
    form = logto.get(urljoin(endpoint + "/", page.headers["location"]), allow_redirects=False, timeout=30).text
    found = re.search(r'name="xsrf" value="([^"]+)"', form)
    assert found, form[:300]
    xsrf = found.group(1)
    entered = logto.post(f"{endpoint}/oidc/device", data={"xsrf": xsrf, "user_code": user_code}, allow_redirects=False, timeout=30)
    assert entered.status_code in (302, 303), entered.status_code
    answer = "confirm" if approve else "abort"
    answered = logto.post(
        f"{endpoint}/oidc/device", data={answer: "yes", "user_code": user_code, "xsrf": xsrf}, allow_redirects=False, timeout=30
    )
    assert answered.status_code in (302, 303), answered.status_code
    if not approve:
        return str(answered.headers["location"])
    location = experience_sign_in(logto, endpoint, env["LOGTO_MEMBER_USERNAME"], env["LOGTO_MEMBER_PASSWORD"])
    for _ in range(10):
        if urlsplit(location).path == "/device/success":
            return location
        response = logto.get(urljoin(endpoint + "/", location), allow_redirects=False, timeout=30)
        location = response.headers.get("location", "")
    raise AssertionError("Logto never showed the device sign-in's success page")


def signed_in_browser(framework: str, env: Dict[str, str], redis_server: Any, **settings: Any) -> Browser:
    browser = face(framework, env, redis_server, **settings)
    start = browser.get("/sign-in")
    assert start.status == 302 and start.location and start.location.startswith(env["LOGTO_ENDPOINT"] + "/oidc/auth?")
    callback = logto_sign_in(requests.Session(), start.location, env["LOGTO_MEMBER_USERNAME"], env["LOGTO_MEMBER_PASSWORD"])
    done = browser.get(browser.local(callback))
    assert done.status == 302, done.text[:300]
    return browser


def test_sign_in_claims_user_info_and_organizations(framework: str, env: Dict[str, str], redis_server: Any) -> None:
    browser = signed_in_browser(framework, env, redis_server)
    page = browser.get("/protected")
    assert page.status == 200 and env["LOGTO_MEMBER_ID"] in page.text
    info = browser.get("/protected/userinfo")
    assert info.status == 200 and "pro" in info.text, "custom data from Logto's userinfo"
    organizations = browser.get("/protected/organizations")
    assert organizations.status == 200 and env["LOGTO_ORG_ACME_ID"] in organizations.text
    assert f"urn:logto:organization:{env['LOGTO_ORG_ACME_ID']}" in organizations.text, "an organization token"


def test_sign_out_ends_the_session_at_logto(framework: str, env: Dict[str, str], redis_server: Any) -> None:
    browser = signed_in_browser(framework, env, redis_server)
    out = browser.post("/sign-out", {"Origin": BASE_URL})
    assert out.status == 302 and out.location and out.location.startswith(env["LOGTO_ENDPOINT"] + "/oidc/session/end")
    assert "Not authenticated" in browser.get("/").text


def end_logto_session(logto: requests.Session, end_session_url: str) -> None:
    """Follows Logto's end-session page as a browser does (its form confirms the logout)."""
    page = logto.get(end_session_url, allow_redirects=False, timeout=30)
    assert page.status_code == 200, page.status_code
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
    fields["logout"] = "yes"
    confirmed = logto.post(urljoin(end_session_url, action), data=fields, allow_redirects=False, timeout=30)
    assert confirmed.status_code in (302, 303), (confirmed.status_code, confirmed.text[:300])


@pytest.fixture
def live(request: Any) -> Iterator[Any]:
    servers = []

    def serve(browser: Browser) -> Served:
        app = browser.app
        if browser.framework == "django":
            from django.core.wsgi import get_wsgi_application

            app = get_wsgi_application()
        server = Served(app, asgi=browser.framework == "fastapi", port=5000)
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()
        time.sleep(0.2)


def test_backchannel_logout_from_logto_ends_the_session(framework: str, env: Dict[str, str], redis_server: Any, live: Any) -> None:
    """Two app sessions on one Logto session: signing out of one, Logto posts its logout token
    (no `exp` before Logto 1.42) to the app, which ends the other on its next request."""
    browser = face(framework, env, redis_server, backchannelLogout=True)
    live(browser)
    logto = requests.Session()
    first, second = requests.Session(), requests.Session()
    for app in (first, second):
        start = app.get(BASE_URL + "/sign-in", allow_redirects=False, timeout=30)
        assert start.status_code == 302, (start.status_code, start.text[:300])
        callback = logto_sign_in(logto, start.headers["location"], env["LOGTO_MEMBER_USERNAME"], env["LOGTO_MEMBER_PASSWORD"])
        assert app.get(callback, allow_redirects=False, timeout=30).status_code == 302
        assert "Signed in as" in app.get(BASE_URL + "/", timeout=30).text
    out = second.post(BASE_URL + "/sign-out", headers={"Origin": BASE_URL}, allow_redirects=False, timeout=30)
    assert out.status_code == 302
    end_logto_session(logto, out.headers["location"])
    for _ in range(50):
        if "Not authenticated" in first.get(BASE_URL + "/", timeout=30).text:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("Logto's back-channel logout did not end the other app session")
    assert first.get(BASE_URL + "/protected", allow_redirects=False, timeout=30).status_code == 302


# -- the Management API and the Account API (logto.management) ----------------------------------


def management(env: Dict[str, str]) -> Any:
    from logto.management.sync import ManagementClient

    return ManagementClient(env["LOGTO_ENDPOINT"], env["LOGTO_MANAGEMENT_APP_ID"], env["LOGTO_MANAGEMENT_APP_SECRET"])


@pytest.fixture
def account_center(env: Dict[str, str]) -> Iterator[None]:
    """The Account API on for the test (names editable, usernames read-only), put back after."""
    logto = management(env)
    before = logto.account_center.get_account_center_settings()
    logto.account_center.update_account_center_settings({"enabled": True, "fields": {"name": "Edit", "username": "ReadOnly"}})
    try:
        yield
    finally:
        logto.account_center.update_account_center_settings({"enabled": before.enabled, "fields": before.fields})


def test_the_my_account_page_changes_the_name_through_logtos_account_api(
    framework: str, env: Dict[str, str], redis_server: Any, account_center: None
) -> None:
    logto = management(env)
    member = env["LOGTO_MEMBER_ID"]
    original = logto.users.get_user(member).name
    try:
        browser = signed_in_browser(framework, env, redis_server)
        page = browser.get("/protected/account")
        assert page.status == 200 and env["LOGTO_MEMBER_USERNAME"] in page.text, page.text[:500]
        name = f"Member {framework} {int(time.time())}"
        changed = browser.post("/protected/account", form={"name": name})
        assert changed.status == 200 and f'id="account-name">{name}<' in changed.text, changed.text[:500]
        assert logto.users.get_user(member).name == name, "stored at Logto"
    finally:
        logto.users.update_user(member, {"name": original})


def test_organizations_users_errors_and_the_flask_admin_page(env: Dict[str, str], redis_server: Any) -> None:
    from logto.management import LogtoApiError

    logto = management(env)
    member, outsider = env["LOGTO_MEMBER_ID"], env["LOGTO_OUTSIDER_ID"]
    # Every user, two a page, to Logto's total.
    first = logto.users.list_users(page_size=2)
    assert first.total is not None and first.total >= 2 and len(first.items) == 2
    assert len(list(logto.users.list_users_all(page_size=2))) == first.total
    # Logto's refusals, typed.
    with pytest.raises(LogtoApiError) as missing:
        logto.users.get_user("no-such-user")
    assert (missing.value.status, missing.value.code) == (404, "entity.not_found")
    with pytest.raises(LogtoApiError) as taken:
        logto.users.create_user({"username": env["LOGTO_MEMBER_USERNAME"]})
    assert (taken.value.status, taken.value.code) == (422, "user.username_already_in_use")

    # An organization whose admin is the member (an organization role named `admin`, as the
    # sample's admin page wants), administered through the Flask sample's page.
    created_role = None
    roles = [role for role in logto.organization_roles.list_organization_roles_all() if role.name == "admin"]
    if not roles:
        created_role = logto.organization_roles.create_organization_role({"name": "admin", "description": "SDK tests"})
    organization = logto.organizations.create_organization({"name": f"SDK admin page {int(time.time())}"})
    try:
        logto.organizations.add_organization_users(organization.id, {"userIds": [member]})
        logto.organizations.assign_organization_roles_to_user(organization.id, member, {"organizationRoleNames": ["admin"]})
        browser = face(
            "flask", env, redis_server, managementApp=(env["LOGTO_MANAGEMENT_APP_ID"], env["LOGTO_MANAGEMENT_APP_SECRET"])
        )
        start = browser.get("/sign-in")
        callback = logto_sign_in(requests.Session(), str(start.location), env["LOGTO_MEMBER_USERNAME"], env["LOGTO_MEMBER_PASSWORD"])
        assert browser.get(browser.local(callback)).status == 302
        path = f"/protected/organizations/{organization.id}/members"
        page = browser.get(path)
        assert page.status == 200 and f'data-member="{member}"' in page.text, page.text[:500]
        added = browser.post(path, form={"user_id": outsider})
        assert "members-saved" in added.text and f'data-member="{outsider}"' in added.text, added.text[:500]
        changed = browser.post(path, form={"user_id": outsider, "role": env["LOGTO_ORG_USER_ROLE"]})
        assert f"now has the role {env['LOGTO_ORG_USER_ROLE']}" in changed.text, changed.text[:500]
        roles_now = logto.organizations.list_organization_user_roles(organization.id, outsider)
        assert [role.name for role in roles_now.items] == [env["LOGTO_ORG_USER_ROLE"]]
        refused = browser.post(path, form={"user_id": "no-such-user"})
        assert "members-error" in refused.text and "entity.relation_foreign_key_not_found" in refused.text
    finally:
        logto.organizations.delete_organization(organization.id)
        if created_role is not None:
            logto.organization_roles.delete_organization_role(created_role.id)


def test_a_command_line_tool_signs_in_with_the_device_flow(env: Dict[str, str], tmp_path: Path) -> None:
    """`logto.native` on Logto's device flow (1.38+): approved and refused on Logto's device page."""
    import threading

    from logto.LogtoException import LogtoCallbackError
    from logto.native.sync import NativeClient

    discovery = requests.get(f"{env['LOGTO_ENDPOINT']}/oidc/.well-known/openid-configuration", timeout=30).json()
    if "device_authorization_endpoint" not in discovery:
        pytest.skip("this Logto serves no device flow (1.38+ does)")
    logto = management(env)
    app = logto.applications.create_application(
        {
            "name": "SDK Python device test",
            "type": "Native",
            "oidcClientMetadata": {"redirectUris": [], "postLogoutRedirectUris": []},
            "customClientMetadata": {"isDeviceFlow": True},  # not in the 1.37.1 document: kept and sent
        }
    )
    try:
        files = {"tokenFile": str(tmp_path / "tokens.json"), "coordinationDir": str(tmp_path / "locks")}
        client = NativeClient("sdk-test", env["LOGTO_ENDPOINT"], app.id, **files)
        device = client.startDeviceSignIn()
        assert device.verificationUriComplete and device.userCode in device.verificationUriComplete
        approver = threading.Thread(target=lambda: answer_device(env, str(device.verificationUriComplete), True))
        approver.start()
        client.finishDeviceSignIn(device)
        approver.join()
        assert client.getIdTokenClaims().sub == env["LOGTO_MEMBER_ID"]
        assert client.getAccessToken().count(".") in (0, 2)  # opaque for userinfo, or a JWT
        client.signOut()
        assert not client.isAuthenticated()

        device = client.startDeviceSignIn()
        refuser = threading.Thread(target=lambda: answer_device(env, str(device.verificationUriComplete), False))
        refuser.start()
        with pytest.raises(LogtoCallbackError) as refused:
            client.finishDeviceSignIn(device)
        refuser.join()
        assert refused.value.error == "access_denied"
    finally:
        logto.applications.delete_application(app.id)
