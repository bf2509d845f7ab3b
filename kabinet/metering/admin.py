from django.contrib import admin

from kabinet.core.admin import ReadOnlyAdmin

from .models import Meter, Reading


@admin.register(Meter)
class MeterAdmin(ReadOnlyAdmin):
    list_display = ["serial", "service", "digits", "tariff_zones", "account", "verification_due"]
    list_filter = ["service", "tariff_zones", "remote_read"]
    search_fields = ["=serial", "=account__number"]
    list_select_related = ["account"]
    show_full_result_count = False


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ["meter", "taken_on", "value1", "value2", "status", "origin", "submitted_by"]
    list_filter = ["status", "origin"]
    search_fields = ["=meter__serial"]
    list_select_related = ["meter", "submitted_by"]
    show_full_result_count = False
