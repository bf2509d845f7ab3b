from django.urls import URLPattern

from . import reminders, views

app_name = "metering"
urlpatterns: list[URLPattern] = [
    *views.urlpatterns,  # the meters table, add and correct a reading, a meter's history
    *reminders.urlpatterns,  # the customer's choice of reminders
]
