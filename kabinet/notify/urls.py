"""`/dev/outbox/` only when DEBUG or DEMO is on; otherwise no route at all (a plain 404)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "notify"
urlpatterns: list[URLPattern] = (
    [path("dev/outbox/", views.dev_outbox, name="dev_outbox")] if views.dev_outbox_enabled() else []
)
