"""The project's pages plus the notify ones, for tests (kabinet/urls.py includes them too)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("kabinet.core.urls")),
    path("admin/", admin.site.urls),
    path("", include("kabinet.notify.urls")),
]
