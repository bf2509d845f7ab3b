"""The outbox in the back office: read-only, recipients masked, bodies never shown.

Staff see whether a message went out and why not; they do not read codes or links (those are
for the customer). A failed message can be retried after the cause is fixed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutboxMessage, Status
from .services import message_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "status",
        "channel",
        "purpose",
        "masked_recipient_display",
        "attempts",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "channel", "purpose", "sensitive", "created_at")
    date_hierarchy = "created_at"
    list_select_related = False
    ordering = ("-created_at", "-pk")
    actions = ("retry_now",)
    fields = (
        "status",
        "channel",
        "purpose",
        "masked_recipient_display",
        "language",
        "subject",
        "sensitive",
        "attempts",
        "next_attempt_at",
        "last_error",
        "provider_message_id",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.display(description=_("recipient"))
    def masked_recipient_display(self, obj: OutboxMessage) -> str:
        return obj.masked_recipient

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        """Retrying needs the model's change permission, though nothing here is editable."""
        return bool(request.user.has_perm("notify.change_outboxmessage"))

    @admin.action(description=_("Retry the selected failed messages now"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        retried = sum(
            message_retry(message=message, request=request)
            for message in queryset.filter(status=Status.FAILED)
        )
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", retried)
            % {"count": retried},
            messages.SUCCESS if retried else messages.WARNING,
        )
