"""Generated on demand, cached once made: an immutable document is rendered once per language."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from .models import GeneratedDocument


def cached_pdf(key: str, render: Callable[[], bytes]) -> bytes:
    found = GeneratedDocument.objects.filter(key=key).first()
    if found is not None:
        with found.file.open("rb") as handle:
            return handle.read()
    content = render()
    name = hashlib.sha256(key.encode()).hexdigest()[:32] + ".pdf"  # server-generated name
    try:
        with transaction.atomic():
            document = GeneratedDocument(key=key)
            document.file.save(name, ContentFile(content), save=False)
            document.save()
    except IntegrityError:
        pass  # another request made it at the same moment: the same bytes
    return content
