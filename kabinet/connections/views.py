"""The applicant's side: my applications, the step-by-step form with a draft saved at every
step, the documents, sending it, the timeline, and signing the utility's documents."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from kabinet.core.models import UtilityProfile
from kabinet.identity.models import User
from kabinet.payments.pay import allow_providers, checkout

from . import services
from .forms import DocumentsForm, step_form
from .models import STEPS, ApplicationDocument, ConnectionApplication
from .timeline import applicant_next_step, timeline

STEP_NAMES = [*STEPS, "documents", "review"]


def _user(request: HttpRequest) -> User:
    if not UtilityProfile.get().connections_enabled:
        raise Http404
    return cast(User, request.user)


def _own(request: HttpRequest) -> QuerySet[ConnectionApplication]:
    return ConnectionApplication.objects.filter(user=_user(request))


def _with_documents(request: HttpRequest, pk: int) -> ConnectionApplication:
    current = Prefetch(
        "documents",
        queryset=ApplicationDocument.objects.select_related("document").order_by("kind", "pk"),
    )
    return get_object_or_404(_own(request).prefetch_related(current), pk=pk)


@login_required
@never_cache
@require_safe
def application_list(request: HttpRequest) -> HttpResponse:
    applications = list(_own(request))
    return render(request, "connections/list.html", {"applications": applications})


@login_required
@require_POST
def application_new(request: HttpRequest) -> HttpResponse:
    application = services.application_create(user=_user(request), request=request)
    return redirect("connections:step", application.pk, "applicant")


def _context(application: ConnectionApplication, step: str, **extra: Any) -> dict[str, Any]:
    return {"application": application, "step": step, "steps": STEP_NAMES, **extra}


@login_required
@never_cache
def application_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of the form; "Next" saves the draft and opens the following step."""
    if step not in STEPS:
        raise Http404
    application = get_object_or_404(_own(request), pk=pk)
    if not application.editable:
        return redirect("connections:detail", application.pk)
    form = step_form(step)(request.POST or None, instance=application)
    if request.method == "POST" and form.is_valid():
        data = {
            name: value for name, value in form.cleaned_data.items() if name in form.changed_data
        }
        services.application_fields_save(
            application=application, user=_user(request), data=data, request=request
        )
        messages.success(request, _("Draft saved."))
        following = STEP_NAMES[STEP_NAMES.index(step) + 1]
        if following in STEPS:
            return redirect("connections:step", application.pk, following)
        return redirect("connections:documents", application.pk)
    return render(request, "connections/step.html", _context(application, step, form=form))


@login_required
@never_cache
def application_documents(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    application = _with_documents(request, pk)
    if not application.editable:
        return redirect("connections:detail", application.pk)
    form = DocumentsForm(
        request.POST or None, request.FILES or None, application=application, user=user
    )
    if request.method == "POST" and form.is_valid():
        for kind, content_type in form.content_types.items():
            services.application_document_add(
                application=application,
                user=user,
                kind=kind,
                upload=form.cleaned_data[kind],
                content_type=content_type,
                request=request,
            )
        messages.success(request, _("Draft saved."))
        return redirect("connections:review", application.pk)
    return render(
        request, "connections/documents.html", _context(application, "documents", form=form)
    )


@login_required
@never_cache
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything on one page, what is still missing, and "Send"."""
    application = _with_documents(request, pk)
    if not application.editable:
        return redirect("connections:detail", application.pk)
    missing = services.missing_for_submit(application)
    if request.method == "POST" and not missing:
        services.application_submit(application=application, user=_user(request), request=request)
        messages.success(request, _("The application is sent. We will register it shortly."))
        return redirect("connections:detail", application.pk)
    return render(
        request, "connections/review.html", _context(application, "review", missing=missing)
    )


@login_required
@never_cache
@require_safe
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        _own(request).prefetch_related(
            "events",
            "versions",
            Prefetch("documents", queryset=ApplicationDocument.objects.select_related("document")),
            "issued__document",
        ),
        pk=pk,
    )
    return render(
        request,
        "connections/detail.html",
        {
            "application": application,
            "timeline": timeline(application),
            "next_step": applicant_next_step(application),
            "payments_on": UtilityProfile.get().payments_enabled,
        },
    )


@login_required
@require_POST
@allow_providers
def application_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay the connection fee online: to the provider's page, back to the order's status."""
    application = get_object_or_404(_own(request), pk=pk)
    try:
        order = services.connection_fee_order_create(
            application=application, user=_user(request), request=request
        )
    except (services.StageError, ValidationError):
        messages.error(request, _("This application has no fee to pay now."))
        return redirect("connections:detail", application.pk)
    return checkout(request, order)
