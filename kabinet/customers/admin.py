from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kabinet.core.admin import ReadOnlyAdmin

from .models import (
    Account,
    AccountLink,
    CompanyMember,
    Contract,
    Customer,
    ServiceKind,
    ServiceOrder,
    ServicePoint,
)
from .services import service_order_answer


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "edrpou", "inn", "phone", "email"]
    list_filter = ["kind"]
    search_fields = ["=code", "name", "=edrpou", "=rnokpp", "=inn", "=snils", "=phone", "email"]
    show_full_result_count = False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["number", "service", "customer", "building", "apartment", "status"]
    list_filter = ["service", "status"]
    search_fields = ["=number", "customer__name", "building__street__name"]
    list_select_related = ["customer", "building__street", "apartment"]
    show_full_result_count = False


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "customer", "starts_on", "ends_on", "status"]
    list_filter = ["status"]
    search_fields = ["=number", "title", "customer__name"]
    list_select_related = ["customer"]


@admin.register(ServicePoint)
class ServicePointAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "contract", "address"]
    search_fields = ["code", "name", "contract__number"]
    list_select_related = ["contract"]


@admin.register(AccountLink)
class AccountLinkAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "nickname", "created_at"]
    search_fields = ["user__username", "user__phone", "=account__number"]
    list_select_related = ["user", "account"]
    raw_id_fields = ["user", "account"]


@admin.register(ServiceKind)
class ServiceKindAdmin(admin.ModelAdmin):
    """The catalogue of orderable services; content editors keep it (model permissions)."""

    list_display = ["name", "code", "price", "target", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["is_active", "target"]
    search_fields = ["name", "name_ru", "name_en", "code"]
    prepopulated_fields = {"code": ["name_en"]}


@admin.register(ServiceOrder)
class ServiceOrderAdmin(admin.ModelAdmin):
    """Service-centre operators set an order's status and write the answer the customer sees;
    everything the customer sent stays as sent."""

    list_display = ["pk", "kind", "customer", "account", "service_point", "status", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["=id", "customer__name", "=account__number", "service_point__code"]
    list_select_related = ["kind", "customer", "account", "service_point"]
    fields = [
        "kind",
        "customer",
        "account",
        "service_point",
        "details",
        "comment",
        "price",
        "ordered_by",
        "created_at",
        "paid_at",
        "status",
        "answer",
    ]
    readonly_fields = [
        "kind",
        "customer",
        "account",
        "service_point",
        "details",
        "comment",
        "price",
        "ordered_by",
        "created_at",
        "paid_at",
    ]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ServiceOrder, form: Any, change: bool) -> None:
        service_order_answer(order=obj, status=obj.status, answer=obj.answer, request=request)


@admin.register(CompanyMember)
class CompanyMemberAdmin(ReadOnlyAdmin):
    list_display = ["user", "customer", "role", "invited_by", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "customer__name", "=customer__edrpou"]
    list_select_related = ["user", "customer", "invited_by"]
