import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .services import SESSION_STARTED

# Paths a person who must set a new password may still open.
_OPEN = ("/static/", "/language/", "/logout/", "/first-password/")


class SessionRulesMiddleware:
    """The absolute session timeout (SECURITY.md 15) and the forced first-login password."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            if started and time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
                return redirect(reverse("identity:login"))
            if getattr(user, "must_change_password", False) and not request.path.startswith(_OPEN):
                return redirect(reverse("identity:first_password"))
        return self.get_response(request)
