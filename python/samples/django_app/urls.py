from django.urls import include, path

from samples.django_app import views

urlpatterns = [
    path("", views.home),
    path("protected", views.protected),
    path("protected/userinfo", views.protected_userinfo),
    path("protected/organizations", views.protected_organizations),
    path("protected/api", views.protected_api),
    path("protected/account", views.protected_account),
    path("api/data", views.api_data),
    path("", include("logto.django.urls")),
]
