from django.contrib import admin

from kabinet.core.admin import ReadOnlyAdmin

from .models import Invoice, Payment, Statement


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["account", "period", "volume", "charged", "paid", "closing_balance", "source"]
    list_filter = ["source", "period"]
    search_fields = ["=account__number"]
    list_select_related = ["account"]
    show_full_result_count = False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["account", "paid_on", "amount", "channel", "reference", "source"]
    list_filter = ["channel", "source"]
    search_fields = ["=account__number", "=reference"]
    list_select_related = ["account"]
    show_full_result_count = False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "period", "account", "contract", "amount", "issued_on"]
    search_fields = ["=number", "=account__number", "=contract__number"]
    list_select_related = ["account", "contract"]
    show_full_result_count = False
