"""The Flask sample of the tutorial and the guide.

    pip install "flask[async]" && maturin develop   # in python/
    node testing/idp/server.mjs --port 3001          # the test identity server, or set LOGTO_*
    flask --app samples.app run --port 5000          # then open http://127.0.0.1:5000/
"""

import os

from flask import Flask, g, redirect, request

from logto import LogtoException
from samples.authenticated import authenticated
from samples.client import API_RESOURCE, APP_BASE_URL, client

app = Flask(__name__)
app.secret_key = os.environ.get("FLASK_SECRET_KEY") or os.urandom(32)

navigationHtml = (
    "<nav>"
    "<a href='/'>Home</a> | <a href='/protected'>Protected</a> | "
    "<a href='/protected/userinfo'>User info</a> | "
    "<a href='/protected/organizations'>Organizations</a> | "
    "<a href='/sign-in'>Sign in</a> | <a href='/sign-out'>Sign out</a>"
    "</nav>"
)


def pretty(model) -> str:
    return model.model_dump_json(indent=2, exclude_unset=True).replace("\n", "<br>")


@app.route("/")
async def home():
    if client.isAuthenticated() is False:
        return "Not authenticated <a href='/sign-in'>Sign in</a>"

    return (
        # Get local ID token claims
        client.getIdTokenClaims().model_dump_json(exclude_unset=True)
        + "<br>"
        # Fetch user info from Logto userinfo endpoint
        + (await client.fetchUserInfo()).model_dump_json(exclude_unset=True)
        + "<br><a href='/sign-out'>Sign out</a>"
    )


@app.route("/sign-in")
async def sign_in():
    # Get the sign-in URL and redirect the user to it
    return redirect(
        await client.signIn(
            redirectUri=APP_BASE_URL + "/callback",
            # `?interactionMode=signUp` opens the register screen first.
            interactionMode="signUp" if request.args.get("interactionMode") == "signUp" else None,
        )
    )


@app.route("/callback")
async def callback():
    try:
        await client.handleSignInCallback(request.url)  # Handle a lot of stuff
        return redirect("/")  # Redirect the user to the home page after a successful sign-in
    except LogtoException as e:
        return "Error: " + str(e), 400


@app.route("/sign-out")
async def sign_out():
    return redirect(
        # Redirect the user to the home page after a successful sign-out
        await client.signOut(postLogoutRedirectUri=APP_BASE_URL + "/")
    )


@app.route("/protected")
@authenticated(shouldRedirect=True)
async def protected():
    try:
        return (
            "<h2>ID token claims</h2>"
            + pretty(g.user)
            + "<h2>API resource token claims</h2>"
            + pretty(await client.getAccessTokenClaims(API_RESOURCE))
            + navigationHtml
        )
    except LogtoException as e:
        return "<h2>Error</h2>" + str(e) + "<br>" + navigationHtml


@app.route("/protected/userinfo")
@authenticated(shouldRedirect=True, fetchUserInfo=True)
async def protectedUserinfo():
    try:
        return (
            "<h2>User info</h2>"
            + g.user.model_dump_json(indent=2, exclude_unset=True).replace("\n", "<br>")
            + navigationHtml
        )
    except LogtoException as e:
        return "<h2>Error</h2>" + str(e) + "<br>" + navigationHtml


@app.route("/protected/organizations")
@authenticated(shouldRedirect=True)
async def protectedOrganizations():
    try:
        html = "<h2>Organizations</h2>"
        for organizationId in g.user.organizations or []:
            claims = await client.getOrganizationTokenClaims(organizationId)
            html += f"<h3>{organizationId}</h3>" + pretty(claims)
        return html + navigationHtml
    except LogtoException as e:
        return "<h2>Error</h2>" + str(e) + "<br>" + navigationHtml


if __name__ == "__main__":
    app.run(port=int(os.environ.get("PORT", "5000")))
