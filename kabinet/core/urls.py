from django.urls import path
from django.views.i18n import set_language

from . import customer_search, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("contacts/", views.contacts, name="contacts"),
    path("language/", set_language, name="set_language"),
    *customer_search.urlpatterns,
]
