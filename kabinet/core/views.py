from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from .models import Announcement, Branch, UtilityProfile


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    announcements = Announcement.shown(on="login", limit=5)
    return render(request, "core/home.html", {"announcements": announcements})


@require_http_methods(["GET", "HEAD", "POST"])
def contacts(request: HttpRequest) -> HttpResponse:
    """Address, phones per branch, hours; and the message form (a guest's with a captcha)."""
    from kabinet.appeals.views import contacts_message

    profile = UtilityProfile.get()
    form = None
    if profile.appeals_enabled:
        form, sent = contacts_message(request)
        if sent is not None:
            return sent
    elif request.method == "POST":
        return redirect("core:contacts")
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
