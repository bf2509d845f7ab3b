"""The documents' text in two languages (read back with pypdf), payment QR payloads, the
reconciliation's arithmetic and the cache of immutable documents."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from kabinet.billing.models import Invoice, Payment, Statement
from kabinet.documents import pdf_views as views
from kabinet.documents.models import GeneratedDocument
from kabinet.documents.pdf.base import Payee
from kabinet.documents.pdf.documents import (
    InvoiceData,
    InvoiceLine,
    ReceiptData,
    ReconciliationData,
    StatementRow,
    invoice_pdf,
    receipt_pdf,
    reconciliation_pdf,
)
from kabinet.documents.pdf.qr import nbu_payload, qr_matrix, st00012_payload
from kabinet.payments.models import PaymentRules
from kabinet.payments.tests.conftest import pdf_text

PAYEE = Payee(
    name="ТОВ «Кременчукгаз-постачання»",
    address="м. Кременчук, пров. Г. Бреста, 46",
    tax_id="12345678",
    kpp="",
    bank_account="UA213223130000026007233566001",
    bank_name="АТ «Банк»",
    bank_code="322313",
    correspondent_account="",
    phones="",
    currency="UAH",
)


def test_nbu_qr_payload_decodes_to_the_thirteen_lines():
    link = nbu_payload(PAYEE, Decimal("250.40"), "Оплата за газ, рахунок 0512345678")
    assert link.startswith("https://bank.gov.ua/qr/")
    encoded = link.removeprefix("https://bank.gov.ua/qr/")
    lines = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode().split("\n")
    assert lines[:4] == ["BCD", "002", "1", "UCT"]
    assert lines[5:9] == [PAYEE.name, PAYEE.bank_account, "UAH250.40", "12345678"]
    assert lines[11] == "Оплата за газ, рахунок 0512345678" and len(lines) == 13


def test_st00012_payload():
    payee = Payee(
        name="ООО «КрасКом»",
        address="",
        tax_id="2466010657",
        kpp="246601001",
        bank_account="40702810900000000001",
        bank_name="ПАО Сбербанк",
        bank_code="040407627",
        correspondent_account="30101810800000000627",
        phones="",
        currency="RUB",
    )
    text = st00012_payload(payee, Decimal("1234.50"), "Вода | стоки", "D-1")
    assert text.startswith("ST00012|Name=ООО «КрасКом»|PersonalAcc=40702810900000000001|")
    assert "|Sum=123450|" in text and "|PayeeINN=2466010657|" in text
    assert "|Purpose=Вода   стоки|" in text and text.endswith("|PersAcc=D-1")


@pytest.fixture
def months(household, utility):
    rules = PaymentRules.get()
    rules.tax_id, rules.bank_account = "12345678", "UA213223130000026007233566001"
    rules.save()
    rows = []
    for n, (opening, charged, paid) in enumerate(
        [("100.00", "58.68", "0"), ("158.68", "50.05", "100.00"), ("108.73", "21.63", "17.09")]
    ):
        rows.append(
            Statement.objects.create(
                account=household.gas,
                period=dt.date(2025, 1 + n, 1),
                volume=Decimal(10),
                opening_balance=Decimal(opening),
                charged=Decimal(charged),
                paid=Decimal(paid),
                closing_balance=Decimal(opening) + Decimal(charged) - Decimal(paid),
                tariff=Decimal("5.868"),
                as_of=timezone.now(),
            )
        )
    for day, amount in ((dt.date(2025, 2, 14), "100.00"), (dt.date(2025, 3, 9), "17.09")):
        Payment.objects.create(
            account=household.gas,
            reference=f"B-{day}",
            paid_on=day,
            amount=Decimal(amount),
            channel="bank",
            as_of=timezone.now(),
        )
    return rows


@pytest.mark.parametrize(
    ("language", "title", "to_pay"),
    [("uk", "Рахунок-квитанція", "До сплати"), ("ru", "Счёт-квитанция", "К оплате")],
)
def test_the_month_invoice_receipt_in_two_languages(
    client, household, months, language, title, to_pay
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(household.user)
    url = reverse("documents:account_invoice_pdf", args=[household.gas.pk, 2025, 2])
    text = pdf_text(client.get(url).content)
    assert title in text and to_pay in text and "Коваленко Олена Петрівна" in text
    assert "50,05" in text and "108,73" in text and household.gas.number in text


def test_immutable_documents_are_rendered_once(client, household, months):
    client.force_login(household.user)
    url = reverse("documents:account_invoice_pdf", args=[household.gas.pk, 2025, 1])
    first = client.get(url).content
    with mock.patch.object(views, "invoice_pdf", side_effect=AssertionError("rebuilt")):
        assert client.get(url).content == first
    assert GeneratedDocument.objects.count() == 1
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    client.get(url)
    assert GeneratedDocument.objects.count() == 2  # one per language


def test_a_month_without_a_statement_is_not_found(client, household, months):
    client.force_login(household.user)
    url = reverse("documents:account_invoice_pdf", args=[household.gas.pk, 2024, 12])
    assert client.get(url).status_code == 404


def test_the_reconciliation_statement_adds_up(client, household, months):
    client.force_login(household.user)
    url = reverse("documents:account_reconciliation_pdf", args=[household.gas.pk])
    text = pdf_text(client.get(url + "?start=2025-02-01&end=2025-03-31").content)
    assert "Акт звірки з 01.02.2025 по 31.03.2025" in text
    # opening 158.68 + charged 71.68 − paid 117.09 = 113.27
    assert "158,68" in text and "71,68" in text and "117,09" in text and "113,27" in text
    assert "Заборгованість Коваленко Олена Петрівна" in text and "М. П." in text


def test_the_invoices_page_picks_a_month(client, household, months):
    client.force_login(household.user)
    url = reverse("documents:account_invoices", args=[household.gas.pk])
    page = client.get(url + "?month=2025-02")
    assert page.context["chosen"] == dt.date(2025, 2, 1)
    assert (
        reverse("documents:account_invoice_pdf", args=[household.gas.pk, 2025, 2])
        in page.content.decode()
    )
    assert client.get(url + "?month=nonsense").context["chosen"] == dt.date(2025, 3, 1)


def test_a_contract_invoice_in_russian(client, company, utility):
    utility.currency = "RUB"
    utility.save()
    Statement.objects.create(
        account=company.account,
        period=dt.date(2025, 11, 1),
        volume=Decimal(30),
        charged=Decimal("1234.50"),
        closing_balance=Decimal("1234.50"),
        as_of=timezone.now(),
    )
    invoice = Invoice.objects.create(
        number="СФ-0042",
        contract=company.contract,
        period=dt.date(2025, 11, 1),
        issued_on=dt.date(2025, 12, 1),
        amount=Decimal("1234.50"),
        as_of=timezone.now(),
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    client.force_login(company.user)
    url = reverse("documents:contract_invoice_pdf", args=[company.contract.pk, invoice.pk])
    text = pdf_text(client.get(url).content)
    assert "Счёт-фактура № СФ-0042" in text and "1 234,50" in text
    assert "ТОВ «Водограй»" in text and company.account.number in text


def test_a_contracts_reconciliation_sums_its_accounts(client, company, utility):
    from kabinet.core import testing

    second = testing.make_account(
        customer=company.customer,
        service="sewage",
        address=company.account.building,
        contract=company.contract,
    )
    for account, opening, charged in (
        (company.account, "10.00", "100.00"),
        (second, "5.00", "40.00"),
    ):
        Statement.objects.create(
            account=account,
            period=dt.date(2025, 10, 1),
            opening_balance=Decimal(opening),
            charged=Decimal(charged),
            closing_balance=Decimal(opening) + Decimal(charged),
            as_of=timezone.now(),
        )
    Payment.objects.create(
        account=second,
        reference="B-1",
        paid_on=dt.date(2025, 10, 20),
        amount=Decimal("45.00"),
        channel="bank",
        as_of=timezone.now(),
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    client.force_login(company.user)
    url = reverse("documents:contract_reconciliation_pdf", args=[company.contract.pk])
    text = pdf_text(client.get(url + "?start=2025-10-01&end=2025-10-31").content)
    # opening 15 + charged 140 − paid 45 = 110
    assert "Акт сверки с 01.10.2025 по 31.10.2025" in text
    assert "15,00" in text and "140,00" in text and "45,00" in text and "110,00" in text
    assert "Задолженность ТОВ «Водограй»" in text


def test_the_pdf_and_the_balance_tab_tell_the_same_statement(client, company, utility):
    """One reconciliation (billing.reconciliation) behind the contract's Balance tab and its
    PDF: an opening balance taken from the month before the period, not the period's own."""
    for period, opening, charged, closing in (
        (dt.date(2025, 9, 1), "0.00", "70.00", "70.00"),
        # billing's October opening disagrees with September's closing (a recalculation)
        (dt.date(2025, 10, 1), "65.00", "100.00", "170.00"),
    ):
        Statement.objects.create(
            account=company.account,
            period=period,
            opening_balance=Decimal(opening),
            charged=Decimal(charged),
            closing_balance=Decimal(closing),
            as_of=timezone.now(),
        )
    client.force_login(company.user)
    tab = client.get(
        reverse("customers:contract_balance", args=[company.contract.pk]),
        {"start": "2025-10", "end": "2025-10"},
    )
    statement = tab.context["statement"]
    pdf = client.get(
        reverse("documents:contract_reconciliation_pdf", args=[company.contract.pk])
        + "?start=2025-10-01&end=2025-10-31"
    )
    text = pdf_text(pdf.content)
    assert statement.opening == Decimal("70.00") and statement.closing == Decimal("170.00")
    assert "70,00" in text and "170,00" in text and "65,00" not in text


def test_an_invoice_of_an_account_under_the_contract_prints_and_prefills_the_payment(
    client, company, utility
):
    """The Invoices tab lists the contract's invoices and its accounts'; both print and pay."""
    from kabinet.billing.models import Invoice

    invoice = Invoice.objects.create(
        number="AC-77",
        account=company.account,
        period=dt.date(2025, 10, 1),
        issued_on=dt.date(2025, 11, 1),
        amount=Decimal("321.50"),
        as_of=timezone.now(),
    )
    client.force_login(company.user)
    pdf = client.get(
        reverse("documents:contract_invoice_pdf", args=[company.contract.pk, invoice.pk])
    )
    assert pdf.status_code == 200 and "321,50" in pdf_text(pdf.content)
    pay = client.get(
        reverse("payments:contract_pay", args=[company.contract.pk]), {"invoice": invoice.pk}
    )
    assert pay.status_code == 200
    assert pay.context["form"].initial["invoice_number"] == "AC-77"


def drawn_qr_codes(content: bytes, *, matrices: list | None = None) -> list[bytes]:
    """Decode the payment QR as drawn in the PDF: the inline image mask's bits (row 0 at the
    top, 1 painted) put into an image with a quiet zone that zxing-cpp's reader scans."""
    import re

    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader

    codes = []
    for page in PdfReader(io.BytesIO(content)).pages:
        stream = page.get_contents()
        assert stream is not None
        for width, height, data in re.findall(
            rb"BI /W (\d+) /H (\d+) /IM true /BPC 1 /D \[1 0\] /I false /F /AHx ID\n"
            rb"([0-9a-f]*)>\nEI",
            stream.get_data(),
        ):
            size, bits = int(width), bytes.fromhex(data.decode())
            assert int(height) == size
            stride = (size + 7) // 8
            image = Image.new("L", (size + 8, size + 8), 255)
            matrix = []
            for y in range(size):
                row = int.from_bytes(bits[y * stride : (y + 1) * stride], "big")
                modules = bytes(row >> (stride * 8 - 1 - x) & 1 for x in range(size))
                matrix.append(modules)
                for x in range(size):
                    if modules[x]:
                        image.putpixel((x + 4, y + 4), 0)
            if matrices is not None:
                matrices.append(matrix)
            found = zxingcpp.read_barcode(image.resize((image.width * 4, image.height * 4)))
            assert found is not None, "the drawn QR does not scan"
            codes.append(found.bytes)
    return codes


def invoice_data(**changes) -> InvoiceData:
    data = InvoiceData(
        number="0512345678-202611",
        period=dt.date(2026, 11, 1),
        issued_on=dt.date(2026, 12, 1),
        due_on=dt.date(2026, 12, 31),
        payer="Коваленко Олена Петрівна",
        payer_tax_id="",
        subject="Особовий рахунок 0512345678",
        address="Кременчук, вул. Соборна, 12, кв. 7",
        account_number="0512345678",
        lines=[InvoiceLine("Природний газ", Decimal(85), "м³", Decimal("7.95"), Decimal("676.34"))],
        opening_balance=Decimal("574.06"),
        paid=Decimal(0),
        to_pay=Decimal("1250.40"),
        household=True,
    )
    return dataclasses.replace(data, **changes)


def test_the_invoice_qr_as_drawn_scans_to_the_nbu_payload():
    content = invoice_pdf(invoice_data(), payee=PAYEE, language="uk")
    with translation.override("uk"):
        period = date_format(dt.date(2026, 11, 1), "YEAR_MONTH_FORMAT")
    purpose = f"Оплата за {period}, рахунок 0512345678, Коваленко Олена Петрівна"
    payload = nbu_payload(PAYEE, Decimal("1250.40"), purpose)
    drawn: list[list[bytes]] = []
    assert drawn_qr_codes(content, matrices=drawn) == [payload.encode()]
    assert drawn == [qr_matrix(payload)]  # module for module, the right way up
    text = " ".join(pdf_text(content).split())  # the purpose is wrapped over two lines
    assert "1 250,40 грн" in text and "Сальдо на початок періоду" in text and purpose in text
    # the utility's requisites, labelled in the document's language
    assert "Код ЄДРПОУ: 12345678" in text
    assert "Поточний рахунок: UA213223130000026007233566001, АТ «Банк» 322313" in text


def test_the_st00012_qr_as_drawn_scans_to_its_utf8_payload():
    payee = dataclasses.replace(
        PAYEE, currency="RUB", bank_code="040407627", correspondent_account="3010181080"
    )
    content = invoice_pdf(
        invoice_data(household=False, to_pay=Decimal("99.90")), payee=payee, language="ru"
    )
    (code,) = drawn_qr_codes(content)
    text = code.decode()
    assert text.startswith("ST00012|Name=ТОВ «Кременчукгаз-постачання»|")
    assert "|Sum=9990|" in text and text.endswith("|PersAcc=0512345678")
    text = pdf_text(content)
    assert "Счёт-фактура № 0512345678-202611" in text
    assert "Налоговый номер: 12345678" in text and "Расчётный счёт: UA2132231300" in text


def test_no_qr_when_nothing_is_to_be_paid():
    content = invoice_pdf(invoice_data(to_pay=Decimal(0)), payee=PAYEE, language="uk")
    assert drawn_qr_codes(content) == []
    assert "Призначення платежу" in pdf_text(content)


def test_the_qr_matrix_is_the_standard_symbol_of_the_payload():
    """zxing-cpp's symbol of the payload: version 14-M for the NBU link, mask 2, and it scans
    back to the same bytes when painted with a quiet zone."""
    import zxingcpp
    from PIL import Image

    payload = nbu_payload(PAYEE, Decimal("1250.40"), "Оплата за газ, рахунок 0512345678")
    matrix = qr_matrix(payload)
    assert len(matrix) == len(matrix[0])
    assert set(b"".join(matrix)) == {0, 1}
    image = Image.new("L", (len(matrix) + 8, len(matrix) + 8), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.putpixel((x + 4, y + 4), 0)
    found = zxingcpp.read_barcode(image.resize((image.width * 4, image.height * 4)))
    assert found is not None and found.text == payload
    extra: dict[str, object] = dict(found.extra)  # type: ignore[call-overload]
    assert extra["DataMask"] == 2 and found.ec_level == "M"
    assert len(matrix) == 17 + 4 * int(str(extra["Version"]))


def test_a_long_statement_goes_on_over_pages_with_the_header_repeated():
    data = ReconciliationData(
        customer="ТОВ «Водограй»",
        customer_tax_id="12345678",
        subject="Договір D-000001",
        start=dt.date(2024, 1, 1),
        end=dt.date(2026, 11, 30),
        opening_balance=Decimal("100.00"),
        rows=[
            StatementRow(
                dt.date(2024, 1, 1) + dt.timedelta(days=n),
                f"Нараховано {n}",
                Decimal(10),
                Decimal(0),
            )
            for n in range(120)
        ],
    )
    from pypdf import PdfReader

    content = reconciliation_pdf(data, payee=PAYEE, language="uk")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    assert len(pages) >= 3
    assert all("Дата" in page and "Документ" in page for page in pages)
    assert "Нараховано 119" in pages[-1] and "1 300,00 грн" in pages[-1] and "М. П." in pages[-1]


def test_characters_beyond_the_prepared_alphabet_are_embedded_too():
    """The prepared subset has ASCII and Cyrillic; other letters go in a subset of their own."""
    receipt = ReceiptData(
        order_id="K1",
        transaction_id="T1",
        provider="LiqPay",
        paid_at=dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC),
        amount=Decimal("10.00"),
        currency="UAH",
        payer="Łukasz Żółkiewski Ŝ",
        subject="Особовий рахунок 0512345678",
        address="Kraków",
        purpose="Ωμέγα",
    )
    text = pdf_text(receipt_pdf(receipt, payee=PAYEE, language="uk"))
    assert "Łukasz Żółkiewski Ŝ" in text and "Ωμέγα" in text and "Kraków" in text
    assert "Квитанція про онлайн-оплату № K1" in text
