from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import Announcement


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    announcements = list(Announcement.objects.current().filter(on_login_page=True)[:5])
    return render(request, "core/home.html", {"announcements": announcements})


@require_safe
def contacts(request: HttpRequest) -> HttpResponse:
    return render(request, "core/contacts.html")


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
