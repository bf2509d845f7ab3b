from django.contrib import admin
from django.urls import include, path

from kabinet.core import views as core_views

handler403 = "kabinet.core.views.permission_denied"
handler404 = "kabinet.core.views.page_not_found"
handler500 = "kabinet.core.views.server_error"

urlpatterns = [
    path("", include("kabinet.core.urls")),
    path("", include("kabinet.identity.urls")),
    path("cabinet/", include("kabinet.customers.urls")),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("kabinet.notify.urls")),
]
