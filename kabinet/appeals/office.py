"""The appeals handler's pages: the queue (overdue first) and one appeal with its thread,
where the handler takes it, answers (with a file), asks the customer, or closes it.
Guarded like the admin (staff, TOTP) plus the appeals permissions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from kabinet.identity.models import User
from kabinet.identity.staff_otp import back_office

from . import services
from .forms import AnswerForm, StatusForm
from .models import OPEN_STATUSES, Appeal, Status
from .views import thread_prefetch

app_name = "appeals_office"
VIEW, CHANGE = "appeals.view_appeal", "appeals.change_appeal"
PAGE_SIZE = 50


@back_office(VIEW)
def queue(request: HttpRequest) -> HttpResponse:
    """Open appeals (or one status), overdue first, then by deadline; ?mine=1 for my own."""
    status = request.GET.get("status", "")
    appeals = Appeal.objects.select_related("topic", "user", "account", "assigned_to")
    if status in Status.values:
        appeals = appeals.filter(status=status)
    elif status == "overdue":
        appeals = appeals.overdue()
    else:
        appeals = appeals.filter(status__in=OPEN_STATUSES)
    if request.GET.get("mine"):
        appeals = appeals.filter(assigned_to_id=request.user.pk)
    page = Paginator(appeals.queue_order(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "appeals/office_queue.html",
        {
            "page": page,
            "status": status,
            "mine": bool(request.GET.get("mine")),
            "statuses": [("", _("All open")), ("overdue", _("Overdue")), *Status.choices],
        },
    )


def _act(request: HttpRequest, appeal: Appeal, staff: User, answer: AnswerForm) -> bool:
    """Run the POSTed action; True when done (the page redirects)."""
    action = request.POST.get("action")
    try:
        if action == "take":
            services.appeal_assign(appeal=appeal, staff=staff, assignee=staff, request=request)
            messages.success(request, _("The appeal is yours now."))
            return True
        if action == "status":
            form = StatusForm(request.POST)
            if form.is_valid():
                services.appeal_status_set(
                    appeal=appeal, staff=staff, status=form.cleaned_data["status"], request=request
                )
                messages.success(request, _("The status is changed."))
                return True
        if action == "answer" and answer.is_valid():
            services.appeal_answer(
                appeal=appeal,
                staff=staff,
                text=answer.cleaned_data["text"],
                upload=answer.cleaned_data["attachment"],
                waiting_for_customer=answer.cleaned_data["waiting_for_customer"],
                request=request,
            )
            messages.success(request, _("The answer is sent; the customer is notified."))
            return True
    except services.AppealClosed:
        messages.error(request, _("The appeal is closed."))
        return True
    return False


@back_office(VIEW)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(
        Appeal.objects.select_related("topic", "user", "account", "assigned_to").prefetch_related(
            *thread_prefetch()
        ),
        pk=pk,
    )
    staff = request.user
    assert isinstance(staff, User)
    can_change = staff.has_perm(CHANGE)
    posted = request.method == "POST" and request.POST.get("action") == "answer"
    answer = AnswerForm(request.POST if posted else None, request.FILES or None)
    if request.method == "POST":
        if not can_change:
            messages.error(request, _("Your role may read appeals but not handle them."))
            return redirect("appeals_office:detail", appeal.pk)
        if _act(request, appeal, staff, answer):
            return redirect("appeals_office:detail", appeal.pk)
    context: dict[str, Any] = {
        "appeal": appeal,
        "answer": answer,
        "status_form": StatusForm(initial={"status": Status.IN_PROGRESS}),
        "can_change": can_change,
    }
    return render(request, "appeals/office_detail.html", context)


urlpatterns: list[URLPattern] = [
    path("", queue, name="queue"),
    path("<int:pk>/", detail, name="detail"),
]
