"""The customer's side of appeals: the list of my messages, one message, its attachment."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from kabinet.identity.models import User

from .models import Appeal, AppealAttachment


def _own(request: HttpRequest) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(user=cast(User, request.user))
        .select_related("account")
        .prefetch_related("attachments")
    )


@login_required
@require_safe
def appeal_list(request: HttpRequest) -> HttpResponse:
    """My messages: number, date, topic, status, answer due date and the answer."""
    return render(request, "appeals/list.html", {"appeals": list(_own(request))})


@login_required
@require_safe
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(_own(request), pk=pk)
    return render(request, "appeals/detail.html", {"appeal": appeal})


@login_required
@require_safe
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The file, only to the appeal's author or staff who may read appeals (SECURITY.md 23)."""
    user = cast(User, request.user)
    found = AppealAttachment.objects.select_related("appeal").filter(pk=pk).first()
    if found is None:
        raise Http404
    if found.appeal.user_id != user.pk and not (
        user.is_staff and user.has_perm("appeals.view_appeal")
    ):
        raise Http404
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
