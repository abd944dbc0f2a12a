"""The sample's pages: the same as the Flask and FastAPI samples'."""

import requests
from django.http import HttpResponse, JsonResponse

from logto.django import access_token_required, logto_required
from samples import pages


def home(request):
    return HttpResponse(pages.home(request.user_claims, "Django"))


@logto_required
def protected(request):
    return HttpResponse(pages.protected(request.user_claims))


@logto_required(fetch_user_info=True)
async def protected_userinfo(request):  # an async view: the same decorator
    return HttpResponse(pages.userInfo(request.user_info))


@logto_required
def protected_organizations(request):
    client = request.logto.client
    tokens = [(org, client.getOrganizationTokenClaims(org)) for org in request.user_claims.organizations or []]
    return HttpResponse(pages.organizations(tokens))


@logto_required
def protected_api(request):
    from logto.django.integration import web

    token = request.logto.client.getAccessToken(pages.API_RESOURCE)
    response = requests.get(pages.apiUrl(web().settings.baseUrl), headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return HttpResponse(pages.apiCall(pages.API_RESOURCE, response.status_code, response.text))


@access_token_required(pages.API_RESOURCE, [pages.API_SCOPE])
def api_data(request):
    # The API: a bearer access token for API_RESOURCE with `read:data`, verified by the core.
    claims = request.access_token_claims
    return JsonResponse({"data": "hello from the API", "sub": claims.sub, "aud": claims.aud, "scope": claims.scope})
