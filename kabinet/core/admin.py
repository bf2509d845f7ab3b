import csv
import json
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import audit
from .models import (
    Announcement,
    Apartment,
    AuditEvent,
    Branch,
    Building,
    Service,
    Settlement,
    Street,
    UtilityProfile,
)

admin.site.site_header = _("Kabinet back office")
admin.site.site_title = _("Kabinet back office")
admin.site.index_title = _("Administration")
admin.site.index_template = "admin/backoffice_index.html"  # the work queues first (backoffice.py)


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the admin goes to the audit log too, in the same
    transaction (the admin's change and delete views are atomic)."""

    def _audit(self, request: HttpRequest, action: str, obj: Any, **data: Any) -> None:
        audit(
            f"admin.{action}",
            request=request,
            obj=obj,
            model=obj._meta.label_lower,
            **data,
        )

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, "add", obj)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        fields = sorted(
            {
                str(name)
                for part in message or []
                for name in part.get("changed", {}).get("fields", [])
            }
        )
        self._audit(request, "change", obj, fields=fields)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._audit(request, "delete", obj, repr=str(obj)[:200])
        return super().log_deletions(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For what the billing system owns: staff look and search, the import writes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UtilityProfileForm(forms.ModelForm):
    services = forms.MultipleChoiceField(
        label=_("services offered"),
        choices=Service.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    readings_not_accepted_services = forms.MultipleChoiceField(
        label=_("services whose readings this utility does not take"),
        choices=Service.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = UtilityProfile
        exclude: list[str] = []


@admin.register(UtilityProfile)
class UtilityProfileAdmin(AuditedAdmin):
    form = UtilityProfileForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not UtilityProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Branch)
class BranchAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "phones"]
    search_fields = ["code", "name"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["name", "branch"]
    list_filter = ["branch"]
    search_fields = ["name"]
    list_select_related = ["branch"]


@admin.register(Street)
class StreetAdmin(ReadOnlyAdmin):
    list_display = ["name", "settlement"]
    search_fields = ["name", "settlement__name"]
    list_select_related = ["settlement"]


@admin.register(Building)
class BuildingAdmin(ReadOnlyAdmin):
    list_display = ["street", "number", "postcode"]
    search_fields = ["street__name", "number"]
    list_select_related = ["street"]


@admin.register(Apartment)
class ApartmentAdmin(ReadOnlyAdmin):
    list_display = ["building", "number"]
    search_fields = ["building__street__name", "number"]
    list_select_related = ["building__street"]


@admin.register(Announcement)
class AnnouncementAdmin(AuditedAdmin):
    list_display = ["title", "branch", "starts_at", "ends_at", "on_login_page", "on_dashboard"]
    list_filter = ["branch", "on_login_page", "on_dashboard"]
    search_fields = ["title", "body", "title_ru", "body_ru"]
    date_hierarchy = "starts_at"


class StaffMemberFilter(admin.SimpleListFilter):
    title = _("staff member")
    parameter_name = "staff"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from kabinet.identity.models import User

        staff = User.objects.filter(is_staff=True).order_by("username")
        return [(str(user.pk), user.get_username()) for user in staff]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(actor_id=self.value()) if self.value() else queryset


# Query parameters the audit log accepts besides its filters: a customer's or an account's
# events (links from the customer card) and a date range.
EXTRA_LOOKUPS = ("customer_id", "account_id", "actor_id", "at__date__gte", "at__date__lte")
CSV_COLUMNS = [
    "at",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "customer_id",
    "account_id",
    "ip",
    "data",
]


class Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log: search by customer (name, code, tax number), account number or staff
    member; filter by staff member, action and date; export what is shown as CSV. Nobody
    edits or deletes an event, superusers included (the model refuses it too)."""

    list_display = [
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "customer_id",
        "account_id",
        "ip",
    ]
    list_filter = [StaffMemberFilter, "action", "object_type"]
    search_fields = ["actor_label", "action", "object_id"]
    search_help_text = _(
        "A customer's name, billing code or tax number, a personal account number, "
        "or a staff member's login."
    )
    date_hierarchy = "at"
    show_full_result_count = False
    change_list_template = "admin/core/auditevent/change_list.html"
    actions = None

    def lookup_allowed(self, lookup: str, value: str, request: Any = None) -> bool:
        return lookup in EXTRA_LOOKUPS or super().lookup_allowed(lookup, value, request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        from kabinet.customers.models import Account, Customer

        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return results, duplicates
        customers = Customer.objects.filter(
            Q(code=term) | Q(edrpou=term) | Q(rnokpp=term) | Q(inn=term) | Q(name__icontains=term)
        ).values("pk")[:50]
        accounts = Account.objects.filter(number=term).values("pk")
        extra = queryset.filter(Q(customer_id__in=customers) | Q(account_id__in=accounts))
        return results | extra, duplicates

    def get_urls(self) -> list[URLPattern]:
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="core_auditevent_export"), *super().get_urls()]

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse:
        """The events the list shows now (same search, filters and dates) as CSV."""
        if not (
            self.has_view_permission(request) and request.user.has_perm("core.export_auditevent")
        ):
            raise PermissionDenied
        queryset = self.get_changelist_instance(request).get_queryset(request)
        audit(
            "audit.exported",
            request=request,
            filters={key: value for key, value in request.GET.items()},
        )
        writer = csv.writer(Echo())

        def rows() -> Iterator[str]:
            yield "\ufeff" + writer.writerow(CSV_COLUMNS)  # a BOM: spreadsheets read UTF-8
            for event in queryset.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        event.at.isoformat(),
                        event.actor_label,
                        event.action,
                        event.object_type,
                        event.object_id,
                        event.customer_id or "",
                        event.account_id or "",
                        event.ip or "",
                        json.dumps(event.data, ensure_ascii=False, sort_keys=True),
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


# Roles are groups: who changes a role's permissions is audited (core/roles.py is the source,
# `manage.py roles_sync` restores it).
admin.site.unregister(Group)


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    pass
