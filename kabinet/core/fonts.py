"""The Cyrillic TrueType font of every PDF Kabinet draws (receipts, invoices, statements, the
blank application forms, the signature stamp): PDF_FONT if set, else fontconfig's DejaVu Sans,
else the usual Debian paths. Registered with ReportLab once per process."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "KabinetSans"
FONT_BOLD = "KabinetSans-Bold"
FALLBACKS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
]


def find_font(bold: bool = False) -> Path:
    configured = getattr(settings, "PDF_FONT", "")
    if configured and not bold:
        return Path(configured)
    if configured and bold:
        candidate = Path(configured.replace(".ttf", "-Bold.ttf"))
        return candidate if candidate.exists() else Path(configured)
    name = "DejaVu Sans:bold" if bold else "DejaVu Sans"
    if shutil.which("fc-match"):
        found = subprocess.run(  # noqa: S603
            ["fc-match", "-f", "%{file}", name],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
        if found.endswith(".ttf") and Path(found).exists():
            return Path(found)
    for path in FALLBACKS:
        candidate = Path(path.replace(".ttf", "-Bold.ttf")) if bold else Path(path)
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        "no TrueType font with Cyrillic: install fonts-dejavu-core or set PDF_FONT"
    )


@functools.cache
def register_fonts() -> str:
    """Register the regular and bold faces; returns the regular face's name."""
    pdfmetrics.registerFont(TTFont(FONT, str(find_font())))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(find_font(bold=True))))
    return FONT
