from django.contrib import admin

from kabinet.core.admin import ReadOnlyAdmin

from .models import Account, AccountLink, Contract, Customer, ServicePoint


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
