from django.urls import URLPattern

from . import statistics

app_name = "billing"
urlpatterns: list[URLPattern] = [*statistics.urlpatterns]
