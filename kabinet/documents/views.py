"""Stored documents for their customer (or staff who may view documents): download, read in
the browser (PDFs the utility issued), the signature page, the stamped copy."""

from __future__ import annotations

import io
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kabinet.identity.models import User

from .models import StoredDocument
from .stamping import stamped_copy


def readable(request: HttpRequest, pk: int) -> StoredDocument:
    """The document if this user may read it, else 404 (never 403: nothing to learn)."""
    user = cast(User, request.user)
    found = StoredDocument.objects.filter(pk=pk).first()
    if found is None or not found.released:
        raise Http404
    if found.owner_id != user.pk and not (
        user.is_staff and user.has_perm("documents.view_storeddocument")
    ):
        raise Http404
    return found


def _file_response(document: StoredDocument, *, inline: bool) -> FileResponse:
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=document.original_name,
        content_type=document.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def download(request: HttpRequest, pk: int) -> FileResponse:
    return _file_response(readable(request, pk), inline=False)


@login_required
@require_safe
def read(request: HttpRequest, pk: int) -> FileResponse:
    """A PDF the utility issued, shown by the browser's viewer; anything else downloads."""
    document = readable(request, pk)
    issued = document.uploaded_by_id is not None and document.uploaded_by_id != document.owner_id
    return _file_response(document, inline=document.is_pdf and issued)


@login_required
@require_safe
def signature_page(request: HttpRequest, pk: int) -> HttpResponse:
    document = readable(request, pk)
    signatures = list(document.simple_signatures.select_related("user", "code"))
    certificates = list(document.certificate_signatures.all())
    if not signatures and not certificates:
        raise Http404
    return render(
        request,
        "documents/signature.html",
        {"document": document, "signatures": signatures, "certificates": certificates},
    )


@login_required
@require_safe
def stamped(request: HttpRequest, pk: int) -> FileResponse:
    document = readable(request, pk)
    signatures = list(document.simple_signatures.select_related("user"))
    if not signatures or not document.is_pdf:
        raise Http404
    with document.file.open("rb") as handle:
        data = stamped_copy(handle.read(), signatures)
    stem = document.original_name.rsplit(".", 1)[0]
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"{stem}-signed.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
