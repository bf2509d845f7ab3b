from django.urls import URLPattern

from . import callbacks, pay, receipts

app_name = "payments"
urlpatterns: list[URLPattern] = [
    *receipts.urlpatterns,  # before pay's <order_id>/ catch-all
    *pay.urlpatterns,
    *callbacks.urlpatterns,
]
