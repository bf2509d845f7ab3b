"""Payment QR codes where the country has a standard: the NBU credit-transfer QR (Ukraine,
format 002 as a bank.gov.ua link) and GOST R 56042-2014 ST00012 (Russia)."""

from __future__ import annotations

import base64
from decimal import Decimal

import zxingcpp
from reportlab.lib.colors import black
from reportlab.pdfgen.canvas import Canvas

from .base import Payee

NBU_LINK = "https://bank.gov.ua/qr/"


def nbu_payload(payee: Payee, amount: Decimal, purpose: str) -> str:
    """NBU resolution 97 (2023) format 002: 13 lines, UTF-8, base64url, behind bank.gov.ua/qr/."""
    lines = [
        "BCD",
        "002",
        "1",  # UTF-8
        "UCT",
        "",  # BIC: not used in Ukraine
        payee.name[:140],
        payee.bank_account.replace(" ", ""),
        f"UAH{amount:.2f}",
        payee.tax_id,
        "",  # purpose code
        "",  # reference
        purpose[:280],
        "",  # display text
    ]
    data = "\n".join(lines).encode()
    return NBU_LINK + base64.urlsafe_b64encode(data).decode().rstrip("=")


def st00012_payload(payee: Payee, amount: Decimal, purpose: str, account: str) -> str:
    """GOST R 56042-2014: `ST00012|Name=…|PersonalAcc=…|…` in UTF-8, the sum in kopecks."""

    def clean(value: str) -> str:
        return value.replace("|", " ").strip()

    fields = [
        ("Name", payee.name),
        ("PersonalAcc", payee.bank_account),
        ("BankName", payee.bank_name),
        ("BIC", payee.bank_code),
        ("CorrespAcc", payee.correspondent_account or "0"),
        ("PayeeINN", payee.tax_id),
        ("KPP", payee.kpp),
        ("Sum", str(int((amount * 100).to_integral_value()))),
        ("Purpose", purpose[:210]),
        ("PersAcc", account),
    ]
    return "ST00012|" + "|".join(f"{key}={clean(value)}" for key, value in fields if value)


def payment_qr(payee: Payee, amount: Decimal, purpose: str, account: str) -> str | None:
    if not payee.bank_account:
        return None
    if payee.currency == "UAH":
        return nbu_payload(payee, amount, purpose)
    if payee.currency == "RUB":
        return st00012_payload(payee, amount, purpose, account)
    return None


def qr_matrix(payload: str) -> list[bytes]:
    """The QR code's modules, a row of 0 (light) and 1 (dark) bytes per line, no quiet zone.

    Byte mode, level M, mask 2 always (choosing the best of eight masks costs ~1.3 ms more;
    any mask scans). zxing-cpp encodes (its libzint writer, in C, ~0.3 ms for the NBU link)."""
    symbol = zxingcpp.create_barcode(
        payload.encode(), zxingcpp.BarcodeFormat.QRCode, ec_level="M", data_mask=2
    ).to_image(add_quiet_zones=False)
    size = symbol.shape[1]
    pixels = bytes(memoryview(symbol)).translate(_DARK)  # type: ignore[arg-type]
    return [pixels[row : row + size] for row in range(0, len(pixels), size)]


_DARK = bytes([1] + [0] * 255)  # zxing-cpp's image: 0 is a dark module, 255 a light one


def draw_qr(canvas: Canvas, payload: str, *, x: float, y: float, size: float) -> None:
    """Draw the code `size` wide with its lower left corner at (x, y), a quiet zone of two
    modules inside that square: a 1-bit image mask of the modules (stencil: dark modules
    painted black, light ones left alone), never interpolated, inline in the page."""
    matrix = qr_matrix(payload)
    count = len(matrix)
    pad = -count % 8
    rows = "".join(
        (int(row.translate(_DIGITS), 2) << pad).to_bytes((count + pad) // 8, "big").hex()
        for row in matrix
    )
    cell = size / (count + 4)
    canvas.saveState()
    canvas.setFillColor(black)
    canvas.transform(cell * count, 0, 0, cell * count, x + 2 * cell, y + 2 * cell)
    canvas.addLiteral(
        f"BI /W {count} /H {count} /IM true /BPC 1 /D [1 0] /I false /F /AHx ID\n{rows}>\nEI"
    )
    canvas.restoreState()


_DIGITS = bytes.maketrans(b"\0\1", b"01")
