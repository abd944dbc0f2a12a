"""The Python code blocks of the official tutorial and guide, run as written against the test server.

The documents live in `shared/reference/` beside the repository (`<repo>/../shared/reference`).
A clone without them skips these tests, saying so; the project's CI sets
`LOGTO_REQUIRE_REFERENCE=1` (`.ci/run`), where a missing document fails instead.
The only edits: the tutorial's home page gets the `+` it misses before the userinfo line, and the
placeholders the documents tell the reader to replace (Logto endpoint, app id and secret, the
app's URL `https://your-app.com`, the guide's `# ...other configurations`) are filled with the
test server's values. The Flask names the blocks take for granted (`app`, `redirect`, `request`,
`g`, `navigationHtml`) are provided, as in a real app module.
"""

import ast
import functools
import inspect
import os
import re
from pathlib import Path
from typing import List

import pytest
from flask import Flask, g, jsonify, redirect, request

from conftest import APP_BASE_URL, CONFIDENTIAL_ID, CONFIDENTIAL_SECRET, DEMO_SUB, REPO

REFERENCE = REPO.parent / "shared" / "reference"
TUTORIAL = REFERENCE / "python-sdk-tutorial.md"
GUIDE = REFERENCE / "python-sdk-guide.mdx"


def read(path: Path) -> str:
    if not path.is_file():
        reason = f"{path} is missing: the official SDK's reference documents are not beside this clone"
        if os.environ.get("LOGTO_REQUIRE_REFERENCE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path.read_text(encoding="utf-8")


def fenced_python(text: str) -> List[str]:
    return re.findall(r"^```python[^\n]*\n(.*?)^```", text, flags=re.S | re.M)


def unescape_template_literal(source: str) -> str:
    """The string a JavaScript template literal denotes (the escapes the guide uses)."""
    out, chars = [], iter(source)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        escaped = next(chars, "")
        out.append({"n": "\n", "t": "\t"}.get(escaped, escaped))
    return "".join(out)


def guide_code_blocks(text: str) -> List[str]:
    """`<CodeBlock language="python">` contents ({`...`} template literals or plain JSX text),
    then the ```python fences, in document order."""
    blocks = []
    pattern = re.compile(
        r"<CodeBlock[^>]*language=\"python\"[^>]*>\s*(?:\{`(?P<literal>.*?)`\}|(?P<text>[^<{]*?))\s*</CodeBlock>"
        r"|^```python[^\n]*\n(?P<fence>.*?)^```",
        flags=re.S | re.M,
    )
    for match in pattern.finditer(text):
        if match.group("literal") is not None:
            blocks.append(unescape_template_literal(match.group("literal")))
        elif match.group("fence") is not None:
            blocks.append(match.group("fence"))
        else:
            blocks.append(match.group("text").strip() + "\n")
    return blocks


async def run_async(source: str, namespace: dict):
    """Runs a block that may use top-level `await` (as the guide's one-liners do); returns the
    value of a block that is a single expression."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = ast.parse(source)
    mode = "eval" if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) else "exec"
    code = compile(source if mode == "exec" else source.strip(), "<reference>", mode, flags=flags)
    result = eval(code, namespace)
    if inspect.iscoroutine(result):
        result = await result
    return result


def fill_placeholders(source: str, idp) -> str:
    return (
        source.replace("https://you-logto-endpoint.app", idp.endpoint)
        .replace("replace-with-your-app-id", CONFIDENTIAL_ID)
        .replace("replace-with-your-app-secret", CONFIDENTIAL_SECRET)
        .replace("https://your-app.com", APP_BASE_URL)
    )


def flask_namespace() -> dict:
    app = Flask("tutorial")
    app.secret_key = "tutorial"
    app.config["TESTING"] = True
    return {"app": app, "redirect": redirect, "request": request, "__name__": "tutorial"}


def test_tutorial_checkpoint(idp):
    blocks = fenced_python(read(TUTORIAL))
    assert len(blocks) == 6, "the tutorial's code blocks changed"
    init, sign_in, sign_in_sign_up, callback, home, sign_out = blocks

    missing_plus = '+ "<br>"\n        # Fetch user info from Logto userinfo endpoint\n        (await'
    assert home.count(missing_plus) == 1, "the tutorial's home page changed"
    home = home.replace(missing_plus, missing_plus[: -len("(await")] + "+ (await")

    namespace = flask_namespace()
    for block in (init, sign_in, callback, home, sign_out):
        exec(compile(fill_placeholders(block, idp), "<tutorial>", "exec"), namespace)
    browser = namespace["app"].test_client()

    def get(path):
        return browser.get(path, base_url=APP_BASE_URL)

    # 1. Not authenticated, with a sign-in link.
    assert get("/").text == "Not authenticated <a href='/sign-in'>Sign in</a>"
    # 2. Sign in on the Logto page.
    location = get("/sign-in").headers["location"]
    assert location.startswith(idp.endpoint)
    callback_url = idp.login(location)
    assert get(callback_url[len(APP_BASE_URL) :]).headers["location"] == "/"
    # 3. The user's claims and userinfo, and a sign-out link.
    page = get("/").text
    assert f'"sub":"{DEMO_SUB}"' in page and page.count(DEMO_SUB) == 2
    assert '"email"' not in page  # not requested: left out, not null
    assert page.endswith("<br><a href='/sign-out'>Sign out</a>")
    # 4. Sign out, back to the home page, not authenticated.
    end_session = get("/sign-out").headers["location"]
    assert idp.logout(end_session) == APP_BASE_URL + "/"
    assert get("/").text.startswith("Not authenticated")

    # The interactionMode variant of the sign-in route.
    namespace = flask_namespace()
    for block in (init, sign_in_sign_up):
        exec(compile(fill_placeholders(block, idp), "<tutorial>", "exec"), namespace)
    location = namespace["app"].test_client().get("/sign-in", base_url=APP_BASE_URL).headers["location"]
    idp.login(location)
    assert idp.last_auth_request()["interaction_mode"] == "signUp"


def test_guide_blocks(idp, sample_app):
    blocks = guide_code_blocks(read(GUIDE))
    assert len(blocks) == 5, "the guide's code blocks changed"
    authenticated_py, protected_userinfo, client_py, id_token_claims, custom_data = blocks
    assert "from samples.client import client" in authenticated_py
    assert custom_data == "(await client.fetchUserInfo()).custom_data\n"
    assert id_token_claims.strip() == "idTokenClaims = await client.getIdTokenClaims();"

    from logto import LogtoClient, LogtoConfig, LogtoException
    from samples import app as sample
    from samples.storage import SessionStorage

    authenticated_ns: dict = {"__name__": "authenticated"}
    exec(compile(authenticated_py, "authenticated.py", "exec"), authenticated_ns)

    app = Flask("guide")
    app.secret_key = "guide"
    app.config["TESTING"] = True
    app.add_url_rule("/sign-in", view_func=sample.sign_in)
    app.add_url_rule("/callback", view_func=sample.callback)
    flask_ns = {
        "app": app,
        "authenticated": authenticated_ns["authenticated"],
        "g": g,
        "LogtoException": LogtoException,
        "navigationHtml": "<nav></nav>",
    }
    exec(compile(protected_userinfo, "flask.py", "exec"), flask_ns)

    # `# ...other configurations` stands for the endpoint and the app's credentials.
    client_ns = {
        "LogtoClient": LogtoClient,
        "LogtoConfig": functools.partial(
            LogtoConfig, endpoint=idp.endpoint, appId=CONFIDENTIAL_ID, appSecret=CONFIDENTIAL_SECRET
        ),
        "SessionStorage": SessionStorage,
    }
    exec(compile(client_py, "client.py", "exec"), client_ns)
    guide_client = client_ns["client"]

    @app.route("/snippets")
    async def snippets():
        namespace = {"client": guide_client}
        await run_async(id_token_claims, namespace)
        data = await run_async(custom_data, namespace)
        claims = namespace["idTokenClaims"]
        return jsonify(sub=claims.sub, email=claims.email, custom_data=data)

    browser = app.test_client()

    def get(path):
        return browser.get(path, base_url=APP_BASE_URL)

    assert get("/protected/userinfo").headers["location"] == "/sign-in"
    callback_url = idp.login(get("/sign-in").headers["location"])
    assert get(callback_url[len(APP_BASE_URL) :]).headers["location"] == "/"

    page = get("/protected/userinfo").text
    assert page.startswith("<h2>User info</h2>{<br>") and f'"sub": "{DEMO_SUB}"' in page
    assert page.endswith("<nav></nav>")

    result = get("/snippets").json
    assert result["sub"] == DEMO_SUB and result["email"] == "demo@example.com"
    assert result["custom_data"] == {"plan": "pro", "preferences": {"theme": "dark"}}
