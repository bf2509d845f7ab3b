from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin import AuditedAdmin

from .models import User


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):  # role (group) changes land in the audit log
    list_display = ["username", "phone", "email", "customer", "is_staff", "is_active", "last_login"]
    search_fields = ["username", "=phone", "email", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Kabinet"), {"fields": ("phone", "customer", "must_change_password", "language")}),
    )


# Consent texts and grants, registration applications (DRSK, KRESC sign-up flows).
from . import admin_registration  # noqa: E402, F401
