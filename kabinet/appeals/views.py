"""The customer's side of appeals: my messages, one message with its thread (reply, rate),
and the attachments."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from kabinet.identity.models import User

from . import services
from .forms import AppealForm, GuestAppealForm, RatingForm, ReplyForm
from .models import Appeal, AppealAttachment, AppealMessage, Status


def thread_prefetch() -> list[Any]:
    return [
        Prefetch("attachments", AppealAttachment.objects.filter(message__isnull=True)),
        Prefetch("messages", AppealMessage.objects.prefetch_related("attachments")),
    ]


def _own(request: HttpRequest) -> QuerySet[Appeal]:
    return Appeal.objects.filter(user=cast(User, request.user)).select_related("account", "topic")


@never_cache
@login_required
@require_safe
def appeal_list(request: HttpRequest) -> HttpResponse:
    """My messages: number, date, topic, status, answer due date."""
    appeals = list(_own(request).prefetch_related(*thread_prefetch()))
    return render(request, "appeals/list.html", {"appeals": appeals})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One message and its thread; the customer replies (with a file) or rates the answer."""
    user = cast(User, request.user)
    appeal = get_object_or_404(_own(request).prefetch_related(*thread_prefetch()), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    reply = ReplyForm(request.POST if action == "reply" else None, request.FILES or None)
    rating = RatingForm(request.POST if action == "rate" else None)
    if action == "reply" and appeal.status != Status.CLOSED:
        if reply.is_valid():
            try:
                services.appeal_reply(
                    appeal=appeal,
                    user=user,
                    text=reply.cleaned_data["text"],
                    upload=reply.cleaned_data["attachment"],
                    request=request,
                )
            except services.TooManyAppeals:
                reply.add_error(
                    None, _("You have sent many messages today. Please try again tomorrow.")
                )
            else:
                messages.success(request, _("Your reply has been sent."))
                return redirect("appeals:detail", appeal.pk)
    elif action == "rate" and appeal.can_be_rated and rating.is_valid():
        services.appeal_rate(
            appeal=appeal,
            user=user,
            rating=rating.cleaned_data["rating"],
            comment=rating.cleaned_data["comment"],
            request=request,
        )
        messages.success(request, _("Thank you for rating the answer."))
        return redirect("appeals:detail", appeal.pk)
    return render(
        request, "appeals/detail.html", {"appeal": appeal, "reply": reply, "rating": rating}
    )


@login_required
@require_safe
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The file, only to the appeal's author or staff who may read appeals (SECURITY.md 23)."""
    user = cast(User, request.user)
    found = AppealAttachment.objects.select_related("appeal").filter(pk=pk).first()
    if found is None or not found.available:  # SECURITY.md 24: quarantined until scanned
        raise Http404
    staff_may = (
        user.is_staff
        and getattr(user, "is_verified", lambda: False)()
        and user.has_perm("appeals.view_appeal")
    )
    if found.appeal.user_id != user.pk and not staff_may:
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


def _sent(request: HttpRequest, appeal: Appeal) -> None:
    messages.success(
        request,
        _("Your message № %(number)s has been sent. We will answer by %(date)s.")
        % {"number": appeal.number, "date": date_format(localtime(appeal.due_at), "d.m.Y")},
    )


def contacts_message(request: HttpRequest) -> tuple[Form | None, HttpResponse | None]:
    """The Contacts page's message form: a customer's appeal, or a guest's with the captcha.
    Returns the form to show, or the redirect after a message was sent."""
    too_many = _("You have sent many messages today. Please try again tomorrow.")
    data = request.POST if request.method == "POST" else None
    if request.user.is_authenticated:
        user = cast(User, request.user)
        form: Form = AppealForm(data, request.FILES or None, user=user)
        if data is not None and form.is_valid():
            try:
                appeal = services.appeal_create(
                    user=user,
                    topic=form.cleaned_data["topic"],
                    text=form.cleaned_data["text"],
                    account=form.cleaned_data["account"],
                    upload=form.cleaned_data["attachment"],
                    request=request,
                )
            except services.TooManyAppeals:
                form.add_error(None, too_many)
            else:
                _sent(request, appeal)
                return form, redirect("appeals:list")
        return form, None
    form = GuestAppealForm(data)
    if data is not None and form.is_valid():
        try:
            appeal = services.appeal_create_guest(
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"] or "",
                topic=form.cleaned_data["topic"],
                text=form.cleaned_data["text"],
                request=request,
            )
        except services.TooManyAppeals:
            form.add_error(None, too_many)
        else:
            _sent(request, appeal)
            return form, redirect(reverse("core:contacts") + "#message")
    return form, None
