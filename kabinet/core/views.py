from typing import cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from kabinet.identity.models import User

from .models import Announcement, Branch, UtilityProfile


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    announcements = list(Announcement.objects.current().filter(on_login_page=True)[:5])
    return render(request, "core/home.html", {"announcements": announcements})


@require_http_methods(["GET", "HEAD", "POST"])
def contacts(request: HttpRequest) -> HttpResponse:
    """Address, phones per branch, hours; and for a logged-in customer the message form."""
    from kabinet.appeals.forms import AppealForm
    from kabinet.appeals.services import TooManyAppeals, appeal_create

    profile = UtilityProfile.get()
    form = None
    if request.user.is_authenticated and profile.appeals_enabled:
        user = cast(User, request.user)
        if request.method == "POST":
            form = AppealForm(request.POST, request.FILES, user=user)
            if form.is_valid():
                try:
                    appeal = appeal_create(
                        user=user,
                        topic=form.cleaned_data["topic"],
                        text=form.cleaned_data["text"],
                        account=form.cleaned_data["account"],
                        upload=form.cleaned_data["attachment"],
                        request=request,
                    )
                except TooManyAppeals:
                    form.add_error(
                        None,
                        _("You have sent many messages today. Please try again tomorrow."),
                    )
                else:
                    messages.success(
                        request,
                        _("Your message № %(number)s has been sent. We will answer by %(date)s.")
                        % {
                            "number": appeal.number,
                            "date": date_format(localtime(appeal.due_at), "d.m.Y"),
                        },
                    )
                    return redirect("appeals:list")
        else:
            form = AppealForm(user=user)
    elif request.method == "POST":
        return redirect_to_login(request.get_full_path())
    branches = Branch.objects.exclude(phones="").order_by("name")
    return render(
        request, "core/contacts.html", {"form": form, "branches": branches, "utility": profile}
    )


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and the benchmark's baseline: the stack with one trivial query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the database: it may be the reason we are here."""
    template = loader.get_template("500.html")
    return HttpResponse(template.render({}), status=500)
