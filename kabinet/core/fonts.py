"""The Cyrillic TrueType font of every PDF Kabinet draws (receipts, invoices, statements, the
blank application forms, the signature stamp): PDF_FONT if set, else fontconfig's DejaVu Sans,
else the usual Debian paths. Registered with ReportLab once per process.

Embedding is prepared once per process too: ReportLab would subset, compress and describe the
font anew for every document (about half of a receipt's time). A `PreparedTTFont` keeps one
256-character subset of the alphabet the documents are written in (ASCII, Ukrainian and
Russian Cyrillic, the usual typography) built and compressed, and every PDF embeds those
bytes; a character outside it goes into a further subset made per document, as ReportLab
always does. The documents carry a few dozen kilobytes more of font, the same text.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Any

from django.conf import settings
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import (
    FF_NONSYMBOLIC,
    FF_SYMBOLIC,
    SUBSETN,
    TTFont,
    makeToUnicodeCMap,
)

FONT = "KabinetSans"
FONT_BOLD = "KabinetSans-Bold"
FALLBACKS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
]

# The characters every document's text is made of, in the prepared subset's codes 1-31 and
# 128-255 (32-127 are ASCII at their own codes, as ReportLab lays its first subset out).
ALPHABET = (
    "АБВГҐДЕЁЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя"
    "Ўў«»„“”‘’ʼ‚—–‑…№°±×÷²³µ·•§©®™€₴₽✂¼½¾¹¬¦¤¢£¥¨ªº¯´¸¿¡"
    "ÀÁÂÄÇÈÉÊËÌÍÎÏÑÒÓÔÖØÙÚÛÜßàáâäçèéêëìíîïñòóôöøùúûüÿ"
)


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


class _Prebuilt(pdfdoc.PDFObject):
    """PDF source formatted once, written as it is into every document."""

    def __init__(self, source: bytes, *, indirect: bool) -> None:
        self.source = source
        if indirect:
            self.__RefOnly__ = 1  # a stream: an object of its own, referenced

    def format(self, document: Any) -> bytes:
        return self.source


class _Template(pdfdoc.PDFObject):
    """A font's dictionary formatted once but for its references to other objects."""

    __RefOnly__ = 1

    def __init__(self, *parts: Any) -> None:
        self.parts = parts

    def format(self, document: Any) -> bytes:
        return b"".join(
            part if isinstance(part, bytes) else part.format(document) for part in self.parts
        )


def _stream(content: bytes, **entries: int) -> bytes:
    """A compressed stream object's source (a document gets its own _Prebuilt of it: ReportLab
    names the objects it registers)."""
    packed = zlib.compress(content, 9)
    extra = "".join(f" /{key} {value}" for key, value in entries.items())
    head = f"<< /Filter [ /FlateDecode ] /Length {len(packed)}{extra} >>\nstream\n"
    return head.encode() + packed + b"endstream\n"


class PreparedTTFont(TTFont):
    """A TTFont whose first subset (the ALPHABET) is embedded from bytes prepared once."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        face = self.face
        extra = [ord(c) for c in dict.fromkeys(ALPHABET) if ord(c) in face.charToGlyph]
        extra = extra[: 31 + 128]
        ascii_ = [n if n in face.charToGlyph else 0 for n in range(32, 128)]
        low, high = extra[:31], extra[31:]
        subset = [0, *low, *[0] * (31 - len(low)), *ascii_, *high, *[0] * (128 - len(high))]
        self.prepared = subset
        self.codes = {n: code for code, n in enumerate(subset) if n and code}
        self.codes[0xA0] = 32  # a no-break space is drawn as a space, as ReportLab does
        self.table = {n: chr(code) for n, code in self.codes.items()}
        self.known = frozenset(map(chr, self.codes))
        base = (SUBSETN(0) + b"+" + face.name + face.subfontNameX).decode("pdfdoc")
        self.base_name = base
        program = face.makeSubset(subset)
        self.font_file = _stream(program, Length1=len(program))
        self.to_unicode = _stream(makeToUnicodeCMap(base, subset).encode())
        widths = " ".join(pdfdoc.fp_str(face.getCharWidth(n)) for n in subset)
        self.widths = f"[ {widths} ]".encode()
        self._prepare_dictionaries()

    class State(TTFont.State):
        def __init__(self, asciiReadable: Any = None, ttf: Any = None) -> None:
            super().__init__(asciiReadable, ttf)
            if isinstance(ttf, PreparedTTFont):
                self.assignments = dict(ttf.codes)
                self.subsets = [list(ttf.prepared)]
                self.nextCode = 256  # anything else starts a subset of its own

    def internal_name(self, doc: Any) -> str:
        """The PDF name of the prepared subset in `doc` (registering the font there)."""
        if doc not in self.state:
            self.state[doc] = self.State(self._asciiReadable, self)
        return str(self.getSubsetInternalName(0, doc))

    def encode(self, text: str) -> bytes | None:
        """`text` in the prepared subset's codes, or None if it has other characters."""
        if self.known.issuperset(text):
            return text.translate(self.table).encode("latin-1")
        return None

    def splitString(self, text: Any, doc: Any, encoding: str = "utf-8") -> Any:
        if isinstance(text, str) and self.known.issuperset(text):
            if doc not in self.state:
                self.state[doc] = self.State(self._asciiReadable, self)
            return [(0, text.translate(self.table).encode("latin-1"))] if text else []
        return super().splitString(text, doc, encoding)

    def addObjects(self, doc: Any) -> None:
        """ReportLab's TTFont.addObjects, the first subset's objects prepared."""
        state = self.state.get(doc) or self.State(self._asciiReadable, self)
        state.frozen = 1
        face = self.face
        for n, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(n, doc)[1:]
            if n == 0:
                font = self._prepared_objects(doc, internal)
            else:
                base = (SUBSETN(n) + b"+" + face.name + face.subfontNameX).decode("pdfdoc")
                font = pdfdoc.PDFTrueTypeFont()
                font.Name = internal
                font.BaseFont = base
                font.FirstChar = 0
                font.LastChar = len(subset) - 1
                font.Widths = pdfdoc.PDFArray([face.getCharWidth(c) for c in subset])
                cmap = pdfdoc.PDFStream(content=makeToUnicodeCMap(base, subset))
                if doc.compression:
                    cmap.filters = [pdfdoc.PDFZCompress]
                font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base)
                font.FontDescriptor = face.addSubsetObjects(doc, base, subset)
            doc.Reference(font, internal)
            doc.idToObject["BasicFonts"].dict[internal] = font
        self.state.pop(doc, None)

    def _prepare_dictionaries(self) -> None:
        face, base = self.face, self.base_name
        name = pdfdoc.format(pdfdoc.PDFName(base), pdfdoc.PDFDocument())
        number = pdfdoc.fp_str
        flags = (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
        self.descriptor_source = (
            f"<< /Ascent {number(face.ascent)} /CapHeight {number(face.capHeight)}"
            f" /Descent {number(face.descent)} /Flags {flags}"
            f" /FontBBox [ {number(*face.bbox)} ] /FontName {name.decode()}"
            f" /ItalicAngle {number(face.italicAngle)} /MissingWidth {number(face.defaultWidth)}"
            f" /StemV {number(face.stemV)} /Type /FontDescriptor /FontFile2 "
        ).encode()
        self.font_source = f"<< /BaseFont {name.decode()} /FirstChar 0 /LastChar 255".encode()

    def _prepared_objects(self, doc: Any, internal: str) -> _Template:
        base = self.base_name
        font_file = doc.Reference(
            _Prebuilt(self.font_file, indirect=True), f"fontFile:{self.face.filename}({base})"
        )
        descriptor = _Template(self.descriptor_source, font_file, b" >>")
        to_unicode = _Prebuilt(self.to_unicode, indirect=True)
        return _Template(
            self.font_source,
            f" /Name /{internal} /Subtype /TrueType /Type /Font /Widths ".encode(),
            self.widths,
            b" /FontDescriptor ",
            doc.Reference(descriptor, "fontDescriptor:" + base),
            b" /ToUnicode ",
            doc.Reference(to_unicode, "toUnicodeCMap:" + base),
            b" >>",
        )


@functools.cache
def register_fonts() -> str:
    """Register the regular and bold faces; returns the regular face's name."""
    pdfmetrics.registerFont(PreparedTTFont(FONT, str(find_font())))
    pdfmetrics.registerFont(PreparedTTFont(FONT_BOLD, str(find_font(bold=True))))
    return FONT
