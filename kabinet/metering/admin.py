"""Back office: meters (billing's), reading rules per service (editable), and the inspector's
queue of readings, gated by the `metering.review_reading` permission."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.core.admin import ReadOnlyAdmin
from kabinet.core.models import Branch, Service
from kabinet.identity.models import User

from . import selectors, services
from .models import Meter, Reading, ReadingRevision, ReadingRules

REVIEW = "metering.review_reading"
QUEUE_PAGE = 50


@admin.register(Meter)
class MeterAdmin(ReadOnlyAdmin):
    list_display = ["serial", "service", "digits", "tariff_zones", "account", "verification_due"]
    list_filter = ["service", "tariff_zones", "remote_read"]
    search_fields = ["=serial", "=account__number"]
    list_select_related = ["account"]
    show_full_result_count = False


@admin.register(ReadingRules)
class ReadingRulesAdmin(admin.ModelAdmin):
    list_display = ["service", "window_opens", "window_closes", "edit_hours", "jump_factor"]


class RevisionInline(admin.TabularInline):
    model = ReadingRevision
    fields = ("at", "action", "actor_label", "values", "status", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(REVIEW) or super().has_view_permission(request, obj)


class QueueFilter(forms.Form):
    branch = forms.ModelChoiceField(
        Branch.objects.all(), required=False, label=gettext_lazy("branch")
    )
    service = forms.ChoiceField(
        choices=[("", "---------"), *Service.choices], required=False, label=gettext_lazy("service")
    )
    flagged = forms.ChoiceField(
        choices=[
            ("", "---------"),
            ("1", gettext_lazy("Flagged")),
            ("0", gettext_lazy("Not flagged")),
        ],
        required=False,
        label=gettext_lazy("flag"),
    )


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = [
        "meter",
        "taken_on",
        "value1",
        "value2",
        "consumption",
        "status",
        "flagged",
        "origin",
        "submitted_by",
    ]
    list_filter = ["status", "flagged", "origin", "meter__service"]
    search_fields = ["=meter__serial"]
    list_select_related = ["meter", "submitted_by"]
    show_full_result_count = False
    inlines = [RevisionInline]
    change_list_template = "admin/metering/reading/change_list.html"

    # The inspector (the permission alone) may look at readings and their history.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(REVIEW) or super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW) or super().has_module_permission(request)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("queue/", wrap(self.queue_view), name="metering_reading_queue"),
            path("<int:pk>/review/", wrap(self.review_view), name="metering_reading_review"),
            *super().get_urls(),
        ]

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(REVIEW):
            raise PermissionDenied
        filters = QueueFilter(request.GET or None)
        chosen: dict[str, Any] = {}
        if filters.is_valid():
            data = filters.cleaned_data
            chosen = {
                "branch": data["branch"].pk if data["branch"] else None,
                "service": data["service"],
                "flagged": {"1": True, "0": False}.get(data["flagged"]),
            }
        readings = list(selectors.inspector_queue(**chosen)[:QUEUE_PAGE])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Inspector's queue of readings"),
            "filters": filters,
            "readings": readings,
            "page_size": QUEUE_PAGE,
        }
        return TemplateResponse(request, "admin/metering/reading/queue.html", context)

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(REVIEW):
            raise PermissionDenied
        return _review(request, pk)


@require_POST
def _review(request: HttpRequest, pk: int) -> HttpResponse:
    reading = get_object_or_404(Reading.objects.select_related("meter"), pk=pk)
    staff = request.user
    assert isinstance(staff, User)
    accept = request.POST.get("decision") == "accept"
    try:
        services.reading_review(
            reading=reading,
            user=staff,
            accept=accept,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except services.ReadingError as error:
        for messages_ in error.errors.values():
            for message in messages_:
                messages.error(request, f"{reading.meter.serial}: {message}")
    else:
        done = _("accepted") if accept else _("rejected")
        messages.success(request, f"{reading.meter.serial}: {done}")
    query = request.POST.get("next_query", "")
    target = redirect("admin:metering_reading_queue")
    if query:
        target["Location"] += "?" + query
    return target
