"""The Django sample's URLs plus the session-state tests' routes (see `extra_routes`)."""

from django.http import HttpResponse
from django.urls import path

from conftest import API_RESOURCE
from extra_routes import GATE, NOTE, ViewFailed
from samples.django_app.urls import urlpatterns as sample


def refresh(request):
    assert request.logto.client.getAccessToken(API_RESOURCE)
    return HttpResponse("refreshed")


def refresh_then_fail(request):
    assert request.logto.client.getAccessToken(API_RESOURCE)
    raise ViewFailed("the view failed after a refresh")


async def refresh_then_fail_async(request):
    assert await request.logto.async_client.getAccessToken(API_RESOURCE)
    raise ViewFailed("the async view failed after a refresh")


def stale_note(request):
    request.session.get("note")
    GATE.hold()
    request.session["note"] = NOTE
    return HttpResponse("noted")


urlpatterns = [
    path("t/refresh", refresh),
    path("t/refresh-then-fail", refresh_then_fail),
    path("t/refresh-then-fail-async", refresh_then_fail_async),
    path("t/stale-note", stale_note),
] + sample
