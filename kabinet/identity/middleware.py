import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .services import SESSION_SEEN, SESSION_STARTED

REFRESH_EVERY = 60  # seconds: how stale the idle clock may get before it is written again

# Paths a person who must set a new password may still open.
_OPEN = ("/static/", "/language/", "/logout/", "/first-password/")


class SessionRulesMiddleware:
    """The idle and absolute session timeouts (SECURITY.md 15) and the forced first-login
    password. The idle timeout is SESSION_COOKIE_AGE, moved forward at most once a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED)
            if started and now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
                return redirect(reverse("identity:login"))
            if now - request.session.get(SESSION_SEEN, 0) > REFRESH_EVERY:
                # Saving the session moves its expiry (the idle timeout) forward.
                request.session[SESSION_SEEN] = int(now)
            if getattr(user, "must_change_password", False) and not request.path.startswith(_OPEN):
                return redirect(reverse("identity:first_password"))
        return self.get_response(request)
