from django.urls import URLPattern, path

from . import views

app_name = "appeals"
urlpatterns: list[URLPattern] = [
    path("", views.appeal_list, name="list"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
