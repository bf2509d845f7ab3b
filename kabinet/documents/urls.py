from django.urls import URLPattern, path

from . import views

app_name = "documents"
urlpatterns: list[URLPattern] = [
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/read/", views.read, name="read"),
    path("<int:pk>/signature/", views.signature_page, name="signature"),
    path("<int:pk>/stamped/", views.stamped, name="stamped"),
]
