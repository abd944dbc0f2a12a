"""The tutorial's checkpoint on the Flask sample app, through Flask's test client and a scripted
login on the test server: not signed in → sign in → claims and userinfo shown → sign out."""

from urllib.parse import parse_qs, urlparse

from conftest import APP_BASE_URL, DEMO_SUB


def test_checkpoint(idp, sample_app):
    browser = sample_app.test_client()

    def get(path):
        return browser.get(path, base_url=APP_BASE_URL)

    home = get("/")
    assert home.status_code == 200 and "Not authenticated" in home.text

    # Protected pages send a signed-out user to the sign-in route.
    assert get("/protected").headers["location"] == "/sign-in"

    sign_in = get("/sign-in")
    assert sign_in.status_code == 302
    sign_in_url = sign_in.headers["location"]
    assert sign_in_url.startswith(idp.endpoint)
    assert parse_qs(urlparse(sign_in_url).query)["redirect_uri"] == [APP_BASE_URL + "/callback"]

    callback_url = idp.login(sign_in_url)
    assert callback_url.startswith(APP_BASE_URL + "/callback?")
    callback = get(callback_url[len(APP_BASE_URL):])
    assert callback.status_code == 302 and callback.headers["location"] == "/"

    home = get("/")
    assert home.status_code == 200
    id_token_claims, user_info, _ = home.text.split("<br>")
    assert f'"sub":"{DEMO_SUB}"' in id_token_claims and '"email":"demo@example.com"' in id_token_claims
    assert '"custom_data":{"plan":"pro"' in user_info and "gh-123" in user_info
    assert "Sign out" in home.text

    protected = get("/protected")
    assert "ID token claims" in protected.text and "https://api.example.com" in protected.text

    userinfo = get("/protected/userinfo")
    assert "<h2>User info</h2>" in userinfo.text and "Demo User" in userinfo.text

    organizations = get("/protected/organizations")
    assert "urn:logto:organization:org-acme" in organizations.text
    assert "urn:logto:organization:org-globex" in organizations.text
    assert "Error" not in organizations.text

    sign_out = get("/sign-out")
    assert sign_out.status_code == 302
    assert idp.logout(sign_out.headers["location"]) == APP_BASE_URL + "/"
    home = get("/")
    assert "Not authenticated" in home.text
    assert get("/protected/userinfo").headers["location"] == "/sign-in"


def test_callback_errors_are_shown(idp, sample_app):
    browser = sample_app.test_client()
    response = browser.get("/callback?code=abc&state=forged", base_url=APP_BASE_URL)
    assert response.status_code == 400 and "no sign-in session" in response.text
    browser.get("/sign-in", base_url=APP_BASE_URL)
    response = browser.get("/callback?code=abc&state=forged", base_url=APP_BASE_URL)
    assert response.status_code == 400 and "state" in response.text


def test_authenticated_decorator_answers_401_without_redirect(sample_app):
    from flask import Flask

    from samples.authenticated import authenticated

    app = Flask(__name__)
    app.secret_key = "x"

    @app.route("/api")
    @authenticated()
    async def api():
        return "never"

    response = app.test_client().get("/api")
    assert response.status_code == 401 and response.json == {"error": "Not authenticated"}
