from django.urls import URLPattern

app_name = "appeals"
urlpatterns: list[URLPattern] = []
