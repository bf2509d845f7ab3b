"""The development outbox: what the portal "sent", codes and links included, for staff.

It exists only when DEBUG or DEMO is on, so a person trying the demo can finish a sign-up
without a phone; in production the URL is not even routed (see urls.py).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import OutboxMessage

LIMIT = 50


def dev_outbox_enabled() -> bool:
    return bool(settings.DEBUG or getattr(settings, "DEMO", False))


@never_cache
@require_safe
def dev_outbox(request: HttpRequest) -> HttpResponse:
    if not dev_outbox_enabled():
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_staff:
        raise PermissionDenied
    messages = list(OutboxMessage.objects.order_by("-created_at", "-pk")[:LIMIT])
    return render(request, "notify/dev_outbox.html", {"outbox": messages, "limit": LIMIT})
