"""Appeals in the admin: a searchable list that opens the handler's page (where answers are
written, kabinet/appeals/office.py), and the topics list content editors manage."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin import AuditedAdmin

from .models import Appeal, AppealTopic


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin[Appeal]):
    list_display = (
        "number",
        "created_at",
        "topic",
        "status",
        "due_at",
        "author",
        "account",
        "open_link",
    )
    list_filter = ("status", "topic", "created_at")
    search_fields = (
        "number",
        "text",
        "user__username",
        "=user__phone",
        "guest_name",
        "guest_email",
        "account__number",
    )
    list_select_related = ("user", "account", "topic")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # handled on the handler's page, through audited services

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("from"))
    def author(self, obj: Appeal) -> str:
        return obj.author_label()

    @admin.display(description=_("handle"))
    def open_link(self, obj: Appeal) -> SafeString:
        url = reverse("appeals_office:detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open"))


@admin.register(AppealTopic)
class AppealTopicAdmin(AuditedAdmin):
    list_display = ("name", "code", "response_days", "active", "position")
    list_editable = ("active", "position")
    search_fields = ("name", "name_ru", "name_en", "code")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.appeals.exists():
            return False  # switch it off instead: appeals keep their topic
        return super().has_delete_permission(request, obj)
