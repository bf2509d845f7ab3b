"""Signing a document the utility issued, with a simple electronic signature: the applicant
reads it, types the password again (SECURITY.md 13), gets an SMS code and types it."""

from __future__ import annotations

import time
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from kabinet.core.models import UtilityProfile
from kabinet.documents.forms import CertificateSignatureForm, SignCodeForm, SignReauthForm
from kabinet.documents.services import SigningRefused, document_sign_start
from kabinet.identity.codes import CodeThrottled
from kabinet.identity.models import User
from kabinet.notify.masking import mask_phone

from .models import IssuedDocument
from .services import connection_document_certificate_sign, connection_document_sign

PENDING_SECONDS = 10 * 60


def _issued(request: HttpRequest, pk: int, issued_pk: int) -> tuple[User, IssuedDocument]:
    if not UtilityProfile.get().connections_enabled:
        raise Http404
    user = cast(User, request.user)
    issued = get_object_or_404(
        IssuedDocument.objects.select_related("application", "document"),
        pk=issued_pk,
        application_id=pk,
        application__user=user,
    )
    if not issued.document.signable or not issued.document.released:
        raise Http404
    return user, issued


def _key(issued: IssuedDocument) -> str:
    return f"sign-pending-{issued.pk}"


@login_required
@never_cache
@sensitive_post_parameters("current")
def sign_start(request: HttpRequest, pk: int, issued_pk: int) -> HttpResponse:
    user, issued = _issued(request, pk, issued_pk)
    form = SignReauthForm(request.POST or None, user=user, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            document_sign_start(document=issued.document, user=user, request=request)
        except SigningRefused as refused:
            form.add_error(None, str(refused))
        except CodeThrottled:
            form.add_error(None, _("A code was sent a moment ago. Try again in a minute."))
        else:
            request.session[_key(issued)] = int(time.time())
            return redirect("connections:sign_confirm", pk, issued_pk)
    return render(
        request,
        "connections/sign.html",
        {"issued": issued, "form": form, "certificate_form": CertificateSignatureForm()},
    )


@login_required
@never_cache
def sign_certificate(request: HttpRequest, pk: int, issued_pk: int) -> HttpResponse:
    """Or a qualified e-signature made elsewhere: the detached .p7s of this very file."""
    user, issued = _issued(request, pk, issued_pk)
    form = CertificateSignatureForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = connection_document_certificate_sign(
                application=issued.application,
                issued=issued,
                user=user,
                upload=form.cleaned_data["signature"],
                request=request,
            )
        except SigningRefused as refused:
            form.add_error(None, str(refused))
        else:
            if record.result == record.Result.VALID:
                messages.success(request, _("The signature is valid: the document is signed."))
            else:
                messages.error(request, _("The signature was not accepted: see why below."))
            return redirect("documents:signature", issued.document_id)
    return render(
        request,
        "connections/sign.html",
        {
            "issued": issued,
            "form": SignReauthForm(user=user, request=request),
            "certificate_form": form,
        },
    )


@login_required
@never_cache
@sensitive_post_parameters("code")
def sign_confirm(request: HttpRequest, pk: int, issued_pk: int) -> HttpResponse:
    user, issued = _issued(request, pk, issued_pk)
    started = request.session.get(_key(issued), 0)
    if time.time() - started > PENDING_SECONDS:
        messages.info(request, _("Start signing again: the code was not entered in time."))
        return redirect("connections:sign", pk, issued_pk)
    form = SignCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signature = connection_document_sign(
                application=issued.application,
                issued=issued,
                user=user,
                code=form.cleaned_data["code"],
                request=request,
            )
        except SigningRefused as refused:
            form.add_error(None, str(refused))
        else:
            if signature is None:
                form.add_error("code", _("The code is not right or has expired."))
            else:
                del request.session[_key(issued)]
                messages.success(request, _("The document is signed."))
                return redirect("documents:signature", issued.document_id)
    return render(
        request,
        "connections/sign_confirm.html",
        {"issued": issued, "form": form, "masked_phone": mask_phone(user.phone or "")},
    )
