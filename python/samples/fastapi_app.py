"""The guide's sample on `logto.fastapi`: home, sign-in, sign-up, callback, sign-out, protected
claims, user info, organizations, an API call with an access token and the user's own account
(Logto's Account API).

    python/scripts/sample.sh fastapi          # starts the test identity server and this app
    python -m samples.fastapi_app             # or against LOGTO_ENDPOINT / LOGTO_APP_ID / ...

Sessions live in Redis when REDIS_URL is set, else in memory (development). Behind a reverse
proxy set APP_BASE_URL to the public URL (uvicorn honours X-Forwarded-Proto from the proxy's
address with --forwarded-allow-ips).
"""

import os
from typing import Any, List, Optional, Tuple
from urllib.parse import parse_qsl

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from logto import AccessTokenClaims, IdTokenClaims, LogtoClient
from logto.fastapi import LogtoFastAPI
from logto.management import AccountClient
from samples import pages, view


def create_app(**settings: Any) -> FastAPI:
    app = FastAPI(title="Logto FastAPI sample")
    values = pages.sampleSettings(**settings)
    logto = LogtoFastAPI(**values)
    logto.init_app(app)
    site = pages.Site("FastAPI", values)
    # Added last, so outermost: it also sees the session middleware's answers.
    app.add_middleware(RestyleErrors, site=site)

    @app.exception_handler(StarletteHTTPException)
    async def page_not_found(request: Request, error: StarletteHTTPException) -> Response:
        # FastAPI answers an unknown page or method in JSON; a browser gets the sample's page.
        if error.status_code in (404, 405):
            return HTMLResponse(site.error(error.status_code, view.defaultTitle(error.status_code), view.defaultMessage(error.status_code)), error.status_code, headers=error.headers)
        return await http_exception_handler(request, error)

    @app.get("/", response_class=HTMLResponse)
    async def home(user: Any = Depends(logto.currentUser), client: LogtoClient = Depends(logto.client)) -> str:
        if user is None:
            return site.home(None)
        return site.home(user, await pages.settleAsync(pages.homeCalls(client, user)))

    @app.get("/protected", response_class=HTMLResponse)
    def protected(user: IdTokenClaims = Depends(logto.requireUser())) -> str:
        return site.idToken(user)

    @app.get("/protected/userinfo", response_class=HTMLResponse)
    async def protected_userinfo(info: Any = Depends(logto.requireUser(fetchUserInfo=True))) -> str:
        return site.userInfo(info)

    @app.get("/protected/organizations", response_class=HTMLResponse)
    async def protected_organizations(
        check: Optional[str] = None,
        user: IdTokenClaims = Depends(logto.requireUser()),
        client: LogtoClient = Depends(logto.client),
    ) -> str:
        return site.organizations(user, await pages.settleAsync(pages.organizationCalls(client, user, check)), check)

    @app.get("/protected/api", response_class=HTMLResponse)
    async def protected_api(
        user: IdTokenClaims = Depends(logto.requireUser()), client: LogtoClient = Depends(logto.client)
    ) -> str:
        token = await client.getAccessToken(pages.API_RESOURCE)
        url = pages.apiUrl(logto.settings.baseUrl)
        claims = await client.getAccessTokenClaims(pages.API_RESOURCE)
        return site.apiCall(user, url, claims, await pages.callApiAsync(url, token))

    @app.api_route("/protected/account", methods=["GET", "POST"], response_class=HTMLResponse)
    async def protected_account(
        request: Request,
        user: IdTokenClaims = Depends(logto.requireUser()),
        account: AccountClient = Depends(logto.account),
    ) -> str:
        # The user's own account, through Logto's Account API with the session's access token.
        if request.method == "POST":
            form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
            change = pages.accountChange(form)
            answer = await pages.accountAnswerAsync(lambda: account.my_account.update_profile(change), saved=True)
        else:
            answer = await pages.accountAnswerAsync(account.my_account.get_profile)
        return site.account(user, answer)

    @app.get("/api/data")
    async def api_data(claims: AccessTokenClaims = Depends(logto.requireAccessToken(pages.API_RESOURCE, [pages.API_SCOPE]))) -> Any:
        # The API: a bearer access token for API_RESOURCE with `read:data`, verified by the core.
        return {"data": "hello from the API", "sub": claims.sub, "aud": claims.aud, "scope": claims.scope}

    return app


class RestyleErrors:
    """The integration's error pages (a refused sign-in, a store that is down) and FastAPI's
    404/405, in the sample's style; the API's JSON refusals pass unchanged."""

    def __init__(self, app: ASGIApp, site: pages.Site) -> None:
        self.app = app
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Optional[Message] = None
        chunks: List[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] >= 400:
                start = message  # held until the body is complete
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers: List[Tuple[bytes, bytes]] = list(start.get("headers", []))
            contentType = next((value.decode("latin-1") for name, value in headers if name.lower() == b"content-type"), "")
            styled = self.site.restyle(start["status"], contentType, body.decode("utf-8", "replace"))
            if styled is not None:
                body = styled.encode()
                headers = [(name, value) for name, value in headers if name.lower() not in (b"content-type", b"content-length")]
                headers += [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


if __name__ == "__main__":
    import uvicorn

    port = int(os.environ.get("PORT", "5000"))
    os.environ.setdefault("APP_BASE_URL", f"http://127.0.0.1:{port}")
    uvicorn.run(create_app(), host=os.environ.get("HOST", "127.0.0.1"), port=port, proxy_headers=True)
