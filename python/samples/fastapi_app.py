"""The guide's sample on `logto.fastapi`: home, sign-in, sign-up, callback, sign-out, protected
claims, user info, organizations and an API call with an access token.

    python/scripts/sample.sh fastapi          # starts the test identity server and this app
    python -m samples.fastapi_app             # or against LOGTO_ENDPOINT / LOGTO_APP_ID / ...

Sessions live in Redis when REDIS_URL is set, else in memory (development). Behind a reverse
proxy set APP_BASE_URL to the public URL (uvicorn honours X-Forwarded-Proto from the proxy's
address with --forwarded-allow-ips).
"""

import os
from typing import Any

import httpx
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

from logto import AccessTokenClaims, IdTokenClaims, LogtoClient
from logto.fastapi import LogtoFastAPI
from samples import pages


def create_app(**settings: Any) -> FastAPI:
    app = FastAPI(title="Logto FastAPI sample")
    logto = LogtoFastAPI(**pages.sampleSettings(**settings))
    logto.init_app(app)

    @app.get("/", response_class=HTMLResponse)
    def home(user: Any = Depends(logto.currentUser)) -> str:
        return pages.home(user, "FastAPI")

    @app.get("/protected", response_class=HTMLResponse)
    def protected(user: IdTokenClaims = Depends(logto.requireUser())) -> str:
        return pages.protected(user)

    @app.get("/protected/userinfo", response_class=HTMLResponse)
    async def protected_userinfo(info: Any = Depends(logto.requireUser(fetchUserInfo=True))) -> str:
        return pages.userInfo(info)

    @app.get("/protected/organizations", response_class=HTMLResponse)
    async def protected_organizations(
        user: IdTokenClaims = Depends(logto.requireUser()), client: LogtoClient = Depends(logto.client)
    ) -> str:
        tokens = [(org, await client.getOrganizationTokenClaims(org)) for org in user.organizations or []]
        return pages.organizations(tokens)

    @app.get("/protected/api", response_class=HTMLResponse)
    async def protected_api(
        user: IdTokenClaims = Depends(logto.requireUser()), client: LogtoClient = Depends(logto.client)
    ) -> str:
        token = await client.getAccessToken(pages.API_RESOURCE)
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(pages.apiUrl(logto.settings.baseUrl), headers={"Authorization": f"Bearer {token}"})
        return pages.apiCall(pages.API_RESOURCE, response.status_code, response.text)

    @app.get("/api/data")
    async def api_data(claims: AccessTokenClaims = Depends(logto.requireAccessToken(pages.API_RESOURCE, [pages.API_SCOPE]))) -> Any:
        # The API: a bearer access token for API_RESOURCE with `read:data`, verified by the core.
        return {"data": "hello from the API", "sub": claims.sub, "aud": claims.aud, "scope": claims.scope}

    return app


if __name__ == "__main__":
    import uvicorn

    port = int(os.environ.get("PORT", "5000"))
    os.environ.setdefault("APP_BASE_URL", f"http://127.0.0.1:{port}")
    uvicorn.run(create_app(), host=os.environ.get("HOST", "127.0.0.1"), port=port, proxy_headers=True)
