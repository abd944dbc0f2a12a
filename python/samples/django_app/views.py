"""The sample's pages: the same as the Flask and FastAPI samples'."""

import json

import requests
from django.http import HttpResponse, JsonResponse

from logto import LogtoException
from logto.django import logto_required
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


def api_data(request):
    # The API: a bearer token for API_RESOURCE, its signature, issuer, audience and expiry
    # checked against Logto's keys.
    from logto.django.integration import web

    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return JsonResponse({"error": "missing bearer token"}, status=401)
    core = web().syncClient.getOidcCore()
    try:
        core.verifyIdToken(token, pages.API_RESOURCE)
    except LogtoException as error:
        return JsonResponse({"error": str(error)}, status=401)
    claims = json.loads(core.decodeAccessToken(token).model_dump_json(exclude_unset=True))
    return JsonResponse({"data": "hello from the API", "sub": claims.get("sub"), "aud": claims.get("aud")})
