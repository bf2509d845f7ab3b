"""Scan the documents still in quarantine (the scanner was down when they came in)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kabinet.documents.models import ScanStatus, StoredDocument
from kabinet.documents.services import document_scan


class Command(BaseCommand):
    help = "Scan the uploaded documents waiting in quarantine; run it every few minutes."

    def handle(self, *args: Any, **options: Any) -> None:
        pending = StoredDocument.objects.filter(scan_status=ScanStatus.PENDING).order_by("pk")
        done = sum(
            document_scan(document=document).scan_status != ScanStatus.PENDING
            for document in pending.iterator()
        )
        self.stdout.write(f"scanned {done}, waiting {pending.count()}")
