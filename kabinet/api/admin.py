"""API keys in the back office: the raw key is shown once, right after it is created."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import ApiCall, ApiKey
from .services import api_key_create, api_key_revoke


class ApiKeyForm(forms.ModelForm[ApiKey]):
    class Meta:
        model = ApiKey
        fields = ("name", "can_import", "can_export", "expires_at")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("can_import") and not data.get("can_export"):
            raise forms.ValidationError(_("Give the key at least one scope: import or export."))
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    form = ApiKeyForm
    list_display = ("name", "prefix", "can_import", "can_export", "expires_at", "revoked_at",
                    "last_used_at")  # fmt: skip
    readonly_fields = ("prefix", "created_at", "created_by", "revoked_at", "last_used_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        if obj is not None:  # scopes and expiry of an issued key stay as issued: make a new one
            return (*self.readonly_fields, "name", "can_import", "can_export", "expires_at")
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            return
        key, raw = api_key_create(
            name=obj.name,
            can_import=obj.can_import,
            can_export=obj.can_export,
            expires_at=obj.expires_at,
            request=request,
        )
        obj.pk = key.pk
        messages.warning(
            request,
            _("The key, shown only this once — copy it to the integration now: %(key)s")
            % {"key": raw},
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            api_key_revoke(key=key, request=request)
        messages.success(request, _("The keys are revoked."))

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False  # revoke instead: the call log keeps pointing at the key


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin[ApiCall]):
    list_display = ("at", "key", "method", "path", "status", "records", "rejected", "milliseconds")
    list_filter = ("status", "key")
    date_hierarchy = "at"
    list_select_related = ("key",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiCall | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiCall | None = None) -> bool:
        return False
