"""The project's pages plus the notify ones, for tests (kabinet/urls.py includes them too).

Built when a test overrides ROOT_URLCONF, after DEBUG or DEMO is switched on, so the dev
outbox route exists exactly when it would in such a deployment."""

from django.urls import include, path

from kabinet.urls import urlpatterns as project

urlpatterns = [p for p in project if "notify" not in str(getattr(p, "urlconf_name", ""))]
urlpatterns.append(path("", include("kabinet.notify.urls")))
