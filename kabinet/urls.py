from django.contrib import admin
from django.urls import include, path

from kabinet.api.v1 import api as integration_api
from kabinet.core import views as core_views
from kabinet.identity.staff_otp import StaffOTPAdminSite

# The back office asks staff for a TOTP code too (SECURITY.md 7): the usual django-otp way
# of making the default admin site its OTPAdminSite, so every registered model stays put.
admin.site.__class__ = StaffOTPAdminSite

handler403 = "kabinet.core.views.permission_denied"
handler404 = "kabinet.core.views.page_not_found"
handler500 = "kabinet.core.views.server_error"

urlpatterns = [
    path("", include("kabinet.core.urls")),
    path("", include("kabinet.identity.urls")),
    path("cabinet/", include("kabinet.customers.urls")),
    path("cabinet/", include("kabinet.billing.urls")),
    path("cabinet/", include("kabinet.metering.urls")),
    path("appeals/", include("kabinet.appeals.urls")),
    path("office/appeals/", include("kabinet.appeals.office")),
    path("", include("kabinet.payments.urls")),  # /cabinet/…/pay/, /payments/callback/…
    path("", include("kabinet.documents.urls")),  # invoices, statements, stored documents
    path("connections/", include("kabinet.connections.urls")),
    path("admin/", admin.site.urls),
    path("api/", integration_api.urls),  # the integration API: /api/v1/…, docs at /api/docs
    path("captcha/", include("captcha.urls")),  # the captcha's images (company sign-up)
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("kabinet.notify.urls")),
]
