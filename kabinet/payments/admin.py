from django.contrib import admin
from django.http import HttpRequest

from .models import PaymentOrder, PaymentRules


@admin.register(PaymentRules)
class PaymentRulesAdmin(admin.ModelAdmin):
    list_display = ["__str__", "payable_from_day", "min_amount", "max_amount", "amount_editable"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not PaymentRules.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PaymentOrder)
class PaymentOrderAdmin(admin.ModelAdmin):
    """Orders are the providers' word: staff read them, never edit them."""

    list_display = ["order_id", "created_at", "amount", "currency", "provider", "status"]
    list_filter = ["status", "provider"]
    search_fields = ["order_id", "transaction_id", "account__number", "contract__number"]
    readonly_fields = [f.name for f in PaymentOrder._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
