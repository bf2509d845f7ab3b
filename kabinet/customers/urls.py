from django.urls import URLPattern, path

from . import accounts, dashboard, profile, views

app_name = "customers"
urlpatterns: list[URLPattern] = [
    path("", views.cabinet, name="cabinet"),
    *accounts.urlpatterns,  # add by address, rename, remove
    *dashboard.urlpatterns,  # the chosen account's figures
    *profile.urlpatterns,  # the customer's profile
]
