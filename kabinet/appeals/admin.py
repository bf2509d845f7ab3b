from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kabinet.core.audit import audit

from .models import Appeal, AppealAttachment


class AttachmentInline(admin.TabularInline[AppealAttachment, Appeal]):
    model = AppealAttachment
    extra = 0
    can_delete = False
    fields = ("download", "size", "content_type", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False

    @admin.display(description=_("file"))
    def download(self, obj: AppealAttachment) -> SafeString:
        return format_html(
            '<a href="{}">{}</a>', reverse("appeals:attachment", args=[obj.pk]), obj.original_name
        )


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin[Appeal]):
    """Until the appeals issue builds the handlers' tools, staff answer here."""

    list_display = ("number", "created_at", "topic", "status", "due_at", "user", "account")
    list_filter = ("status", "topic", "created_at")
    search_fields = ("number", "text", "user__username", "user__phone", "account__number")
    list_select_related = ("user", "account")
    date_hierarchy = "created_at"
    readonly_fields = (
        "number",
        "user",
        "account",
        "topic",
        "text",
        "created_at",
        "due_at",
        "answered_at",
    )
    fields = (*readonly_fields[:7], "status", "answer", "answered_at")
    inlines = [AttachmentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Appeal, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and form.changed_data:
                audit(
                    "appeal.update",
                    request=request,
                    obj=obj,
                    account_id=obj.account_id,
                    fields=sorted(form.changed_data),
                    status=obj.status,
                )

    def has_delete_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False
