from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

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
class UtilityProfileAdmin(admin.ModelAdmin):
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
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "branch", "starts_at", "ends_at", "on_login_page", "on_dashboard"]
    list_filter = ["branch", "on_login_page", "on_dashboard"]
    search_fields = ["title", "body", "title_ru", "body_ru"]
    date_hierarchy = "starts_at"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "action", "object_id", "=customer_id", "=account_id"]
    date_hierarchy = "at"
    show_full_result_count = False
