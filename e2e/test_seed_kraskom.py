"""The KrasKom guide in a browser (seed 004): company sign-up with the user agreement and a
captcha, activation by an e-mailed link, login with the login; and password recovery by an
e-mailed link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from captcha.models import CaptchaStore
from django.conf import settings
from django.core import mail
from playwright.sync_api import Page, expect

from e2e.helpers import in_cabinet
from kabinet.core import testing
from kabinet.core.models import Service, UtilityProfile
from kabinet.customers.models import CustomerKind

pytestmark = pytest.mark.e2e

PASSWORD = "Vodokanal-Sever-31"
EMAIL = "torg@kraskom.example.ru"


def mailed_link_path(prefix: str) -> str:
    """The path of the link in the last e-mail; the link itself is built from SITE_URL."""
    assert mail.outbox, "no e-mail sent"
    match = re.search(r"https?://\S+", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    link = match.group(0)
    assert link.startswith(settings.SITE_URL + prefix), link
    return urlsplit(link).path


def log_in(page: Page, base: str, identifier: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_identifier", identifier)
    page.fill("#id_password", password)
    page.locator("form.stacked button[type=submit]").click()


def test_company_sign_up_with_captcha_activation_link_and_login(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    base = live_server.url
    utility.signup_company_email = True
    utility.save()
    customer = testing.make_customer(
        kind=CustomerKind.COMPANY, name="ООО «Торговая марка»", inn=testing.valid_inn(), email=EMAIL
    )
    contract = testing.make_contract(customer=customer, title="Вода и стоки")
    account = testing.make_account(customer=customer, contract=contract, service=Service.WATER)

    page.goto(base + "/signup/")
    page.locator("a[href='/signup/company/']").click()
    page.fill("#id_address", "ул. Копылова, 4, кв. 2")
    page.fill("#id_inn", customer.inn)
    page.fill("#id_phone", "+7 391 212-12-12")
    page.fill("#id_username", "Торговая марка")
    page.fill("#id_email", EMAIL)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    expect(page.locator("a[href='/signup/company/agreement/']")).to_be_visible()
    page.check("#id_agreement")
    expect(page.locator("img.captcha")).to_be_visible()
    key = page.locator("#id_captcha_0").input_value()
    page.fill("#id_captcha_1", CaptchaStore.objects.get(hashkey=key).response)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/signup/company/sent/")

    page.goto(base + mailed_link_path("/signup/company/activate/"))
    expect(page).to_have_url(base + "/login/")
    expect(page.locator(".message.success")).to_be_visible()

    log_in(page, base, "Торговая марка", PASSWORD)
    expect(page).to_have_url(in_cabinet(base))
    expect(page.locator("main")).to_contain_text(account.number)


def test_password_recovery_by_e_mailed_link(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    base = live_server.url
    testing.make_user(username="vodokanal-buh", email="buh@kraskom.example.ru")
    new_password = "Quiet-River-Stone-42"

    page.goto(base + "/login/")
    page.locator("a[href='/recovery/']").click()
    page.locator("a[href='/recovery/email/']").click()
    page.fill("#id_identifier", "vodokanal-buh")
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/recovery/email/sent/")

    response = page.goto(base + mailed_link_path("/recovery/email/"))
    # the address with the token answers with a redirect that sends no Referer anywhere
    assert response is not None and response.request.redirected_from is not None
    with_token = response.request.redirected_from.response()
    assert with_token is not None and with_token.headers["referrer-policy"] == "no-referrer"
    expect(page).to_have_url(re.compile(r"/recovery/email/[^/]+/set-password/$"))
    page.fill("#id_password1", new_password)
    page.fill("#id_password2", new_password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/login/")  # no automatic login

    log_in(page, base, "vodokanal-buh", new_password)
    expect(page).to_have_url(in_cabinet(base))


def test_household_logs_in_with_the_account_number_and_an_office_password(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """Steps 13-15: the office issues a password for a household's personal account; the
    household logs in with the account number and that password, chooses its own, and sees
    its charges, payments and client information."""
    import datetime as dt
    from decimal import Decimal

    from django.test import RequestFactory
    from django.utils import timezone, translation

    from kabinet.billing.models import Payment, Statement
    from kabinet.core.money import format_money
    from kabinet.identity.models import User
    from kabinet.identity.office import office_login_create

    base = live_server.url
    household = testing.make_household(name="Кузнецова Анна Сергеевна")
    account = testing.make_account(
        customer=household.customer, service=Service.WATER, address=household.address
    )
    now = timezone.now()
    months = [  # (period, charged, paid); each month opens with the previous one's closing
        (dt.date(2026, 7, 1), Decimal("412.35"), Decimal("0.00")),
        (dt.date(2026, 8, 1), Decimal("398.10"), Decimal("412.35")),
        (dt.date(2026, 9, 1), Decimal("1305.75"), Decimal("650.00")),
    ]
    balance = Decimal("0.00")
    for period, charged, paid in months:
        Statement.objects.create(
            account=account,
            period=period,
            volume=Decimal("7.500"),
            opening_balance=balance,
            charged=charged,
            paid=paid,
            closing_balance=balance + charged - paid,
            as_of=now,
        )
        balance += charged - paid
    debt = balance  # 1 053.85
    Payment.objects.create(
        account=account,
        reference="KK-2026-08-12-1",
        paid_on=dt.date(2026, 8, 12),
        amount=Decimal("412.35"),
        channel=Payment.Channel.BANK,
        as_of=now,
    )
    Payment.objects.create(
        account=account,
        reference="KK-2026-09-15-1",
        paid_on=dt.date(2026, 9, 15),
        amount=Decimal("650.00"),
        channel=Payment.Channel.CASH,
        as_of=now,
    )

    # Step 14: the password is issued at the office (the back-office flow in the browser,
    # with TOTP, is test_identity_settings' test_a_password_issued_at_the_office_...).
    request = RequestFactory().post(f"/office/credentials/accounts/{account.pk}/")
    request.user = testing.make_staff(username="kraskom-desk")
    issued = office_login_create(account=account, request=request)
    assert issued.created and issued.user.username == account.number

    def money(value: Decimal) -> str:
        with translation.override("uk"):
            return format_money(value, utility.currency)

    def figure(value: Decimal) -> str:
        """The number alone, as the statistics table shows it (no currency)."""
        return money(value).rsplit("\u00a0", 1)[0]

    log_in(page, base, account.number, issued.password)
    expect(page).to_have_url(base + "/first-password/")
    new_password = "Yenisei-River-Krasnoyarsk-24"
    page.fill("#id_password1", new_password)
    page.fill("#id_password2", new_password)
    page.locator("form.stacked button[type=submit]").click()
    dashboard = f"{base}/cabinet/accounts/{account.pk}/"
    expect(page).to_have_url(dashboard)
    user = User.objects.get(username=account.number)
    assert user.check_password(new_password) and not user.must_change_password

    # Step 15: the charges and the payments.
    facts = page.locator(".account-facts")
    expect(facts).to_contain_text(account.number)
    expect(page.locator(".balance.debt")).to_contain_text(money(debt))
    payments = page.locator("section[aria-labelledby=payments-heading] tbody tr")
    expect(payments).to_have_count(2)
    expect(payments.first).to_contain_text(money(Decimal("650.00")))

    page.locator(f"a[href='/cabinet/accounts/{account.pk}/statistics/']").click()
    expect(page).to_have_url(dashboard + "statistics/")
    rows = page.locator("#stats tbody tr")
    expect(rows).to_have_count(len(months))
    for row, (_period, charged, _paid) in zip(rows.all(), months, strict=True):
        expect(row.locator("td").nth(1)).to_have_text(figure(charged))
    total = sum((charged for _period, charged, _paid in months), Decimal(0))
    expect(page.locator("#stats tfoot td").nth(1)).to_have_text(figure(total))

    # Step 15: the client information (the profile has no menu link; it is opened by address).
    page.goto(base + "/cabinet/profile/")
    expect(page.locator("#profile-customer")).to_have_text("Кузнецова Анна Сергеевна")
    expect(page.locator("main")).to_contain_text(account.number)


# --- Business customers (issue #7): steps 5-11, a company's contracts and their tabs --------------


def test_company_walks_its_contract_tabs_steps_5_to_11(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """Log in with the login (5); "Contracts" lists every contract, "Open" the water one (6);
    the Information (7), Subscribers (8), Balance as a reconciliation statement (9), Invoices
    with a period, a chosen invoice and "Print" (10), and Payment (11) tabs."""
    import datetime as dt

    from kabinet.customers.tests.business_cast import invoice, payment, reading, statement

    base = live_server.url
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": base}])
    customer = testing.make_customer(
        kind=CustomerKind.COMPANY,
        name="ООО «Торговая марка»",
        inn=testing.valid_inn(),
        email=EMAIL,
        phone="+73912121212",
        iban="40702810431000012345",
        bank_name="ПАО Сбербанк",
        bank_code="040407627",
    )
    water = testing.make_contract(
        customer=customer, title="Вода и стоки", number="KR-1001", address="ул. Копылова, 4"
    )
    testing.make_contract(customer=customer, title="Тепловая энергия", number="KR-1002")
    account = testing.make_account(customer=customer, contract=water, service=Service.WATER)
    point = testing.make_service_point(
        contract=water, account=account, code="A-77", name="Магазин", address="ул. Копылова, 4"
    )
    meter = testing.make_meter(service_point=point, account=account)
    reading(meter, dt.date(2026, 10, 25), "1234")
    statement(account, dt.date(2026, 8, 1), opening="0", charged="1000")
    statement(account, dt.date(2026, 9, 1), opening="1000", charged="1100.50", paid="1000")
    payment(account, dt.date(2026, 9, 12), "1000")
    bill = invoice(period=dt.date(2026, 9, 1), contract=water, amount="1100.50")
    testing.make_user(
        username="Торговая марка",
        email=EMAIL,
        customer=customer,
        kind=customer.kind,
        accounts=[account],
    )

    log_in(page, base, "Торговая марка", testing.PASSWORD)  # step 5
    expect(page).to_have_url(in_cabinet(base))
    menu = page.locator(".business-nav a[href='/cabinet/contracts/']")
    expect(menu).to_have_text("Договоры")
    menu.click()  # step 6
    rows = page.locator("#contracts tbody tr")
    expect(rows).to_have_count(2)
    row = rows.filter(has_text="Вода и стоки")
    expect(row).to_contain_text("KR-1001")
    expect(row.locator("a.button")).to_have_text("Перейти")
    row.locator("a.button").click()
    expect(page).to_have_url(base + f"/cabinet/contracts/{water.pk}/")
    tabs = page.locator(".tabs a")
    expect(tabs).to_have_text(
        ["Информация", "Абоненты", "Баланс", "Счета", "Потребление", "Оплата"]
    )
    main = page.locator("main")
    for fact in ("ул. Копылова, 4", "40702810431000012345", "ПАО Сбербанк", "040407627", EMAIL):
        expect(main).to_contain_text(fact)  # step 7
    page.locator(f".tabs a[href='/cabinet/contracts/{water.pk}/subscribers/']").click()  # step 8
    subscriber = page.locator("#subscribers tbody tr")
    expect(subscriber).to_contain_text("A-77")
    expect(subscriber).to_contain_text(meter.serial)
    expect(subscriber).to_contain_text("1234")
    page.locator(f".tabs a[href='/cabinet/contracts/{water.pk}/balance/']").click()  # step 9
    page.fill("#id_start", "2026-09")
    page.fill("#id_end", "2026-09")
    page.locator(".period-form button").click()
    table = page.locator("#reconciliation")
    expect(table.locator("tr.opening")).to_contain_text(re.compile(r"1\s?000,00"))  # August's
    expect(table.locator("tbody tr")).to_have_count(3)  # opening, September's charge, payment
    expect(table.locator("tr.closing")).to_contain_text(re.compile(r"1\s?100,50"))
    page.locator(f".tabs a[href='/cabinet/contracts/{water.pk}/invoices/']").click()  # step 10
    page.fill("#id_start", "2026-01")
    page.fill("#id_end", "2026-12")
    page.locator(".period-form button").click()
    page.check(f"#invoice-{bill.pk}")
    page.locator("#print-invoice").click()
    expect(page).to_have_url(base + f"/cabinet/contracts/{water.pk}/invoices/{bill.pk}/")
    expect(page.locator(".invoice")).to_contain_text(bill.number)
    expect(page.locator(".invoice button[data-print]")).to_be_visible()
    page.locator(f".tabs a[href='/cabinet/contracts/{water.pk}/payment/']").click()  # step 11
    expect(page.locator("#payment-heading")).to_be_visible()
    expect(page.locator(".cabinet-main .facts")).to_contain_text(re.compile(r"1\s?100,50"))


def test_company_administrator_invites_a_colleague_with_a_role(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """The first user invites a colleague by e-mail as "view only"; the colleague opens the
    e-mailed link, picks a login and sees the contracts but may not pay."""
    base = live_server.url
    company = testing.make_company(username="vodohrai-admin")
    page.goto(base + "/login/")
    page.fill("#id_identifier", "vodohrai-admin")
    page.fill("#id_password", testing.PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.locator(".business-nav a[href='/cabinet/company/users/']").click()
    page.fill("#id_email", "buh@vodohrai.example.com")
    page.select_option("#id_role", "view")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("#invitations")).to_contain_text("buh@vodohrai.example.com")
    assert mail.outbox[-1].to == ["buh@vodohrai.example.com"]
    path = mailed_link_path("/cabinet/invitations/")
    page.context.clear_cookies()
    page.goto(base + path)
    page.fill("#id_username", "buhgalter")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/cabinet/contracts/")
    expect(page.locator("#contracts")).to_contain_text(company.contract.number)
    page.goto(base + f"/cabinet/contracts/{company.contract.pk}/payment/")
    expect(page.locator("main .message")).to_be_visible()  # the role does not allow paying
    expect(page.locator("main a.button[href$='/pay/']")).to_have_count(0)


def test_business_pages_are_accessible(live_server, page: Page, utility: UtilityProfile) -> None:
    """axe finds no serious or critical violation on the contract tabs, colleagues, the
    activity log, the service catalogue, an order form, an order and the orders list."""
    import datetime as dt

    from e2e.test_accessibility import assert_accessible
    from kabinet.customers.models import ServiceKind, ServiceOrder
    from kabinet.customers.tests.business_cast import invoice, payment, reading, statement

    base = live_server.url
    company = testing.make_company(username="vodohrai-a11y")
    reading(company.meter, dt.date(2026, 10, 25), "42")
    statement(company.account, dt.date(2026, 9, 1), charged="120")
    payment(company.account, dt.date(2026, 9, 15), "100")
    bill = invoice(period=dt.date(2026, 9, 1), contract=company.contract)
    kind = ServiceKind.objects.create(code="copy", name="Копія документа", fields="Який документ")
    order = ServiceOrder.objects.create(
        kind=kind, customer=company.customer, account=company.account, ordered_by=company.user
    )
    page.goto(base + "/login/")
    page.fill("#id_identifier", "vodohrai-a11y")
    page.fill("#id_password", testing.PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(in_cabinet(base))
    pk = company.contract.pk
    for path in (
        "/cabinet/contracts/",
        f"/cabinet/contracts/{pk}/",
        f"/cabinet/contracts/{pk}/subscribers/",
        f"/cabinet/contracts/{pk}/balance/?start=2026-01&end=2026-12",
        f"/cabinet/contracts/{pk}/invoices/?start=2026-01&end=2026-12",
        f"/cabinet/contracts/{pk}/invoices/{bill.pk}/",
        f"/cabinet/contracts/{pk}/consumption/",
        f"/cabinet/contracts/{pk}/payment/",
        "/cabinet/company/accounts/",
        "/cabinet/company/users/",
        "/cabinet/company/activity/",
        "/cabinet/services/",
        f"/cabinet/services/{kind.pk}/order/",
        "/cabinet/orders/",
        f"/cabinet/orders/{order.pk}/",
    ):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert_accessible(page)


# --- Payments (issue #6): the contract's Payment tab with a comment, print an invoice -------


def test_pay_under_a_contract_with_a_comment_and_print_the_invoice(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """Steps 10-11: an invoice of a period is printed; the payment carries the amount and the
    comment (service, invoice number, period, subscriber number); “Оплата прошла успешно”.
    (The contract tabs link here once merged; the test walks the pages by their URLs.)"""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone
    from pypdf import PdfReader

    from e2e.test_accessibility import assert_accessible
    from kabinet.billing.models import Invoice, Statement
    from kabinet.payments.models import OrderStatus, PaymentOrder

    utility.currency = "RUB"
    utility.save()
    company = testing.make_company(name="ООО «Торговая марка»")
    Statement.objects.create(
        account=company.account,
        period=dt.date(2026, 9, 1),
        volume=Decimal("120.000"),
        charged=Decimal("4830.60"),
        closing_balance=Decimal("4830.60"),
        as_of=timezone.now(),
    )
    invoice = Invoice.objects.create(
        number="СФ-2026-0915",
        contract=company.contract,
        period=dt.date(2026, 9, 1),
        issued_on=dt.date(2026, 10, 1),
        amount=Decimal("4830.60"),
        as_of=timezone.now(),
    )
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": live_server.url}]
    )
    base = live_server.url
    log_in(page, base, company.user.username, testing.PASSWORD)
    expect(page).to_have_url(in_cabinet(base))

    page.goto(base + f"/cabinet/contracts/{company.contract.pk}/pay/?invoice={invoice.pk}")
    with page.expect_download() as download_info:
        page.locator("#invoice-print").click()
    printed = PdfReader(download_info.value.path())
    text = printed.pages[0].extract_text()
    assert "Счёт-фактура № СФ-2026-0915" in text and "4 830,60" in text.replace("\u00a0", " ")
    assert "ООО «Торговая марка»" in text

    # prefilled from the invoice; the amount is changed to a part of it
    expect(page.locator("#id_invoice_number")).to_have_value("СФ-2026-0915")
    assert_accessible(page)
    expect(page.locator("#id_period")).to_have_value("09.2026")
    expect(page.locator("#id_subscriber")).to_have_value(company.service_point.code)
    page.fill("#id_amount", "")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("#id_amount")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_invoice_number")).to_have_value("СФ-2026-0915")  # nothing lost
    page.fill("#id_amount", "2000,00")
    page.fill("#id_service", "Холодная вода")
    page.locator("form.stacked button[type=submit]").click()

    expect(page.locator("#sandbox-amount")).to_contain_text("2000.00 RUB")
    page.fill("#card", "5555 5555 5555 4444")
    page.fill("#exp", "01/29")
    page.fill("#cvv", "321")
    page.locator("#sandbox-pay").click()
    expect(page.locator("#order-status")).to_contain_text("Оплата прошла успешно")
    order = PaymentOrder.objects.get(contract=company.contract)
    assert order.status == OrderStatus.SUCCESS and order.amount == Decimal("2000.00")
    assert "СФ-2026-0915" in order.comment and "09.2026" in order.comment
    assert "Холодная вода" in order.comment and company.service_point.code in order.comment


# --- Metering (issue #5): step 12, "Ввод показаний счетчиков" ------------------------------------


def test_step_12_company_adds_a_reading_keeping_the_digits_edits_it_then_it_locks(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """The table of all the organisation's meters; “Add reading” with the meter's digit count
    (00001); the value shows at once, sent to the inspector; editable within one day only."""
    import datetime as dt

    from django.utils import timezone

    from kabinet.metering.models import Reading

    base = live_server.url
    company = testing.make_company(username="kraskom-org")
    second_point = testing.make_service_point(contract=company.contract, name="Склад")
    other = testing.make_meter(service_point=second_point, serial="KK-000777", digits=6)
    log_in(page, base, "kraskom-org", testing.PASSWORD)
    expect(page).to_have_url(in_cabinet(base))

    # the dashboard's “Submit a reading” opens the table: the organisation has two meters
    page.locator(".actions a", has_text="Передати показання").click()
    expect(page).to_have_url(f"{base}/cabinet/accounts/{company.account.pk}/meters/")
    table = page.locator("#meters tbody tr")
    expect(table).to_have_count(2)  # every meter of the organisation, both service points
    expect(page.locator(f"tr[data-meter='{other.serial}']")).to_be_visible()

    row = page.locator(f"tr[data-meter='{company.meter.serial}']")
    row.locator("a.button").first.click()
    value = page.locator("#id_value1")
    expect(value).to_have_attribute("placeholder", "00001")
    value.fill("00001")
    page.locator("form.reading-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/cabinet/accounts/{company.account.pk}/meters/")
    expect(row.locator(".last-reading")).to_contain_text("00001")
    expect(row.locator(".reading-status")).to_have_class(re.compile("status-sent"))
    reading = Reading.objects.get(meter=company.meter)
    assert reading.status == Reading.Status.SENT  # in the inspector's queue at once

    # within the day: edit
    row.locator("a.button.secondary").click()
    page.locator("#id_value1").fill("00003")
    page.locator("form.reading-form button[type=submit]").click()
    expect(row.locator(".last-reading")).to_contain_text("00003")

    # a day later the reading is locked, and the page says why
    Reading.objects.filter(pk=reading.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=1, minutes=1)
    )
    page.goto(f"{base}/cabinet/accounts/{company.account.pk}/readings/{reading.pk}/")
    expect(page.locator(".message.locked")).to_be_visible()
    expect(page.locator("#id_value1")).to_have_count(0)
    expect(page.locator("form.delete-reading")).to_have_count(0)
    reading.refresh_from_db()
    assert reading.value1 == 3 and reading.revisions.count() == 2


def test_metering_pages_are_accessible(live_server, page: Page, utility: UtilityProfile) -> None:
    """axe-core on the meters table, the reading form with an error and a confirmation asked
    (a lower value: the register rolled over?), and a meter's history with its chart."""
    import datetime as dt

    from e2e.test_accessibility import assert_accessible
    from kabinet.metering.models import Reading

    base = live_server.url
    company = testing.make_company(username="kraskom-a11y")
    testing.make_meter(service_point=company.service_point, tariff_zones=2, serial="KK-2ZONE")
    for month, value in ((1, 99000), (2, 99900)):
        Reading.objects.create(
            meter=company.meter,
            taken_on=dt.date(2025, month, 28),
            value1=value,
            origin=Reading.Origin.INSPECTOR,
            status=Reading.Status.ACCEPTED,
        )
    log_in(page, base, "kraskom-a11y", testing.PASSWORD)
    expect(page).to_have_url(in_cabinet(base))
    meters = f"{base}/cabinet/accounts/{company.account.pk}/meters/"
    page.goto(meters)
    assert_accessible(page)
    page.goto(f"{meters}{company.meter.pk}/add/")
    page.locator("#id_value1").fill("00020")
    expect(page.locator(".consumption")).to_be_visible()  # 99900 → 00020: 120 through zero
    page.locator("form.reading-form button[type=submit]").click()
    expect(page.locator("#id_confirm_rollover")).to_be_visible()
    expect(page.locator("#id_value1")).to_have_value("00020")  # nothing typed is lost
    assert_accessible(page)
    page.goto(f"{meters}{company.meter.pk}/")
    expect(page.locator("#meter-chart")).to_be_visible()
    assert_accessible(page)
