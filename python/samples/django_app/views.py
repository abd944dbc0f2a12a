"""The sample's pages: the same as the Flask and FastAPI samples'."""

from typing import Any, Callable

from django.http import HttpResponse, JsonResponse

from logto.django import access_token_required, logto_required
from samples import pages


def site() -> pages.Site:
    from logto.django.integration import web

    return pages.Site("Django", {"redisUrl": web().settings.redisUrl})


def home(request):
    claims = request.user_claims
    if claims is None:
        return HttpResponse(site().home(None))
    return HttpResponse(site().home(claims, pages.settle(pages.homeCalls(request.logto.client, claims))))


@logto_required
def protected(request):
    return HttpResponse(site().idToken(request.user_claims))


@logto_required(fetch_user_info=True)
async def protected_userinfo(request):  # an async view: the same decorator
    return HttpResponse(site().userInfo(request.user_info))


@logto_required
def protected_organizations(request):
    check = request.GET.get("check")
    calls = pages.organizationCalls(request.logto.client, request.user_claims, check)
    return HttpResponse(site().organizations(request.user_claims, pages.settle(calls), check))


@logto_required
def protected_api(request):
    from logto.django.integration import web

    client = request.logto.client
    token = client.getAccessToken(pages.API_RESOURCE)
    url = pages.apiUrl(web().settings.baseUrl)
    claims = client.getAccessTokenClaims(pages.API_RESOURCE)
    return HttpResponse(site().apiCall(request.user_claims, url, claims, pages.callApi(url, token)))


@logto_required
def protected_account(request):
    # The user's own account, through Logto's Account API with the session's access token.
    from django.middleware.csrf import get_token

    account = request.logto.account()
    if request.method == "POST":
        change = pages.accountChange(request.POST)
        answer = pages.accountAnswer(lambda: account.my_account.update_profile(change), saved=True)
    else:
        answer = pages.accountAnswer(account.my_account.get_profile)
    return HttpResponse(site().account(request.user_claims, answer, {"csrfmiddlewaretoken": get_token(request)}))


@access_token_required(pages.API_RESOURCE, [pages.API_SCOPE])
def api_data(request):
    # The API: a bearer access token for API_RESOURCE with `read:data`, verified by the core.
    claims = request.access_token_claims
    return JsonResponse({"data": "hello from the API", "sub": claims.sub, "aud": claims.aud, "scope": claims.scope})


class RestyleErrors:
    """Middleware: the integration's error pages (a refused sign-in, a store that is down) and
    Django's 404/405, in the sample's style; the API's JSON refusals pass unchanged. First in
    MIDDLEWARE, so it also sees the session middleware's answers."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        if response.status_code >= 400 and not response.streaming:
            styled = site().restyle(response.status_code, response.get("Content-Type", ""), response.content.decode("utf-8", "replace"))
            if styled is not None:
                response.content = styled.encode()
                response["Content-Type"] = "text/html; charset=utf-8"
                if response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(response.content))
        return response
