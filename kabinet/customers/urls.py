from django.urls import URLPattern, path

from . import accounts, company_users, contracts, dashboard, profile, service_orders, views

app_name = "customers"
urlpatterns: list[URLPattern] = [
    path("", views.cabinet, name="cabinet"),
    *accounts.urlpatterns,  # add by address, rename, remove
    *dashboard.urlpatterns,  # the chosen account's figures
    *profile.urlpatterns,  # the customer's profile
    *contracts.urlpatterns,  # a business customer's contracts and their tabs
    *company_users.urlpatterns,  # colleagues, roles, who did what
    *service_orders.urlpatterns,  # the service catalogue and orders
]
