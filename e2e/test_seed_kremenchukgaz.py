"""The Kremenchukgaz guide in a browser: sign up by phone with an SMS activation code, the
first login on an empty cabinet, and the guide's way out when the SMS does not come."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kabinet.core.models import UtilityProfile
from kabinet.identity.models import User
from kabinet.notify.transports.fake import FakeSms

pytestmark = pytest.mark.e2e

PHONE = "+380501234567"
PASSWORD = "Sunflower-Field-77"


def sms_code(phone: str) -> str:
    texts = [record.text for record in FakeSms.outbox if record.to == phone]
    assert texts, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)  # type: ignore[union-attr]


def sign_up(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.locator(".main-nav a[href='/signup/']").click()
    page.locator("a[href='/signup/phone/']").click()
    page.fill("#id_phone", "050 123 45 67")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/signup/confirm/")
    expect(page.locator("main")).to_contain_text("+38050•••••67")


def log_in(page: Page, base: str, identifier: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_identifier", identifier)
    page.fill("#id_password", password)
    page.locator("form.stacked button[type=submit]").click()


def test_sign_up_by_phone_activate_and_land_on_an_empty_cabinet(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    base = live_server.url
    sign_up(page, base)

    # a wrong code first: the message sits next to the field, nothing is lost
    page.fill("#id_code", "000000" if sms_code(PHONE) != "000000" else "111111")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")

    page.fill("#id_code", sms_code(PHONE))
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/login/")
    assert User.objects.get(phone=PHONE).is_active

    log_in(page, base, "0501234567", PASSWORD)
    expect(page).to_have_url(base + "/cabinet/")
    expect(page.locator("main h2").first).to_be_visible()
    assert page.locator("main h2#start").count() == 1  # the invitation to add an account


def test_no_sms_use_password_recovery(live_server, page: Page, utility: UtilityProfile) -> None:
    """The guide: if the activation SMS did not come, go through password recovery."""
    base = live_server.url
    sign_up(page, base)
    FakeSms.outbox.clear()  # the SMS "did not arrive"
    page.locator("a[href='/recovery/sms/']").click()
    new_password = "Quiet-River-Stone-42"
    page.fill("#id_phone", "+380501234567")
    page.fill("#id_password1", new_password)
    page.fill("#id_password2", new_password)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/recovery/sms/confirm/")
    page.fill("#id_code", sms_code(PHONE))
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/login/")

    log_in(page, base, PHONE, new_password)
    expect(page).to_have_url(base + "/cabinet/")


def test_wrong_login_keeps_what_was_typed(live_server, page: Page, utility: UtilityProfile) -> None:
    base = live_server.url
    log_in(page, base, "0509998877", "Not-The-Password-1")
    expect(page).to_have_url(base + "/login/")
    expect(page.locator("#id_identifier")).to_have_value("0509998877")
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator(".message.error")).to_be_visible()


def choose(page: Page, select: str, label: str) -> None:
    """Pick an option once the script has filled the select (it appears when ready)."""
    expect(page.locator(f"{select} option", has_text=label)).to_have_count(1)
    page.select_option(select, label=label)


def test_add_accounts_by_address_switch_between_them_and_name_one(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """The guide: “+ додати рахунок”, the address step by step, two accounts, “Дача”."""
    from kabinet.core import testing
    from kabinet.core.models import Service

    testing.make_address(branch="Світловодська філія", settlement="Світловодськ", building="1")
    flat = testing.make_address(street="вул. Соборна", building="12", apartment="7")
    testing.make_address(street="вул. Соборна", building="12", apartment="8")
    house = testing.make_building(street="вул. Садова", building="3")
    customer = testing.make_customer(name="Коваленко Олена Петрівна")
    gas = testing.make_account(customer=customer, address=flat, number="0512345678")
    power = testing.make_account(
        customer=customer, service=Service.ELECTRICITY, address=house, number="0587654321"
    )
    phone = testing.unique_phone()
    testing.make_user(phone=phone)
    base = live_server.url

    log_in(page, base, phone, testing.PASSWORD)
    expect(page).to_have_url(base + "/cabinet/")
    page.locator("main a[href='/cabinet/accounts/add/']").click()
    expect(page).to_have_url(base + "/cabinet/accounts/add/")
    expect(page.locator("#address-form .js-next")).to_be_hidden()  # the script is on
    expect(page.locator("#account-final")).to_be_hidden()
    choose(page, "#id_branch", "Кременчуцька філія")
    choose(page, "#id_settlement", "Кременчук")
    choose(page, "#id_street", "вул. Соборна")
    choose(page, "#id_building", "12")
    choose(page, "#id_apartment", "7")
    page.fill("#id_number", "0512345678")
    page.fill("#id_surname_start", "ков")
    page.locator("#account-final button[type=submit]").click()
    expect(page).to_have_url(base + f"/cabinet/accounts/{gas.pk}/")

    # the second account: a private house, no apartments
    page.locator(".accounts-nav a[href='/cabinet/accounts/add/']").click()
    choose(page, "#id_branch", "Кременчуцька філія")
    choose(page, "#id_settlement", "Кременчук")
    choose(page, "#id_street", "вул. Садова")
    choose(page, "#id_building", "3")
    expect(page.locator("#account-final")).to_be_visible()
    expect(page.locator("#id_apartment")).to_be_hidden()
    page.fill("#id_number", "0587654321")
    page.fill("#id_surname_start", "Ков")
    page.locator("#account-final button[type=submit]").click()
    expect(page).to_have_url(base + f"/cabinet/accounts/{power.pk}/")

    # switch between them in the list on the left
    nav = page.locator(".accounts-nav")
    expect(nav.locator(f"a[href='/cabinet/accounts/{power.pk}/']")).to_have_attribute(
        "aria-current", "page"
    )
    nav.locator(f"a[href='/cabinet/accounts/{gas.pk}/']").click()
    expect(page).to_have_url(base + f"/cabinet/accounts/{gas.pk}/")
    expect(nav.locator(f"a[href='/cabinet/accounts/{gas.pk}/']")).to_have_attribute(
        "aria-current", "page"
    )
    expect(nav.locator("a[aria-current]")).to_have_count(1)

    # name it “Дача”
    nav.locator(f"a[href='/cabinet/accounts/{gas.pk}/rename/']").click()
    page.fill("#id_nickname", "Дача")
    page.locator("main form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + f"/cabinet/accounts/{gas.pk}/")
    expect(nav.locator(f"a[href='/cabinet/accounts/{gas.pk}/']")).to_contain_text("Дача")


def _statements(account, months: int) -> None:
    """`months` monthly statements of `account` ending December 2025, closing in debt."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from kabinet.billing.models import Statement
    from kabinet.core.periods import add_months

    Statement.objects.bulk_create(
        Statement(
            account=account,
            period=add_months(dt.date(2025, 12, 1), n - months + 1),
            volume=Decimal(40 + n),
            charged=Decimal(300 + n),
            paid=Decimal(250),
            closing_balance=Decimal(50 + n),
            as_of=timezone.now(),
        )
        for n in range(months)
    )


def test_dashboard_switch_accounts_and_statistics_with_downloads(
    live_server, page: Page, utility: UtilityProfile, household
) -> None:
    """The guide: the account's figures, the other account from the list, statistics by year."""
    from pathlib import Path

    from kabinet.core.testing import PASSWORD as HOUSEHOLD_PASSWORD

    for account in household.accounts:
        _statements(account, 14)
    base = live_server.url
    gas, electricity = household.gas, household.electricity
    log_in(page, base, household.user.phone, HOUSEHOLD_PASSWORD)
    expect(page).to_have_url(f"{base}/cabinet/accounts/{gas.pk}/")
    expect(page.locator(".figures .volume")).to_contain_text("53")
    expect(page.locator(".figures .volume")).to_contain_text(gas.unit)
    expect(page.locator(".balance.debt")).to_contain_text("63")

    page.locator(f".accounts-nav a[href='/cabinet/accounts/{electricity.pk}/']").click()
    expect(page).to_have_url(f"{base}/cabinet/accounts/{electricity.pk}/")
    expect(page.locator(".accounts-nav a[aria-current=page]")).to_contain_text(electricity.number)
    expect(page.locator(".figures .volume")).to_contain_text(electricity.unit)

    page.locator(f"a[href='/cabinet/accounts/{electricity.pk}/statistics/']").click()
    expect(page.locator("svg.chart[role=img]")).to_be_visible()
    expect(page.locator("table#stats tbody tr")).to_have_count(12)
    page.select_option("#id_year", "2024")
    page.locator("form.year-switch button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/statistics/\?year=2024$"))
    expect(page.locator("table#stats tbody tr")).to_have_count(2)
    expect(page.locator("svg.chart[role=img] rect.bar")).to_have_count(2)

    with page.expect_download() as info:
        page.locator("a[href$='statistics.csv?year=2024']").click()
    download = info.value
    assert download.suggested_filename == f"statistics-{electricity.number}-2024.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and b"2024-11;" in content


def test_add_an_account_step_by_step_without_javascript(
    live_server, browser, utility: UtilityProfile
) -> None:
    """Without JavaScript the address is chosen one “Next” at a time; the result is the same."""
    from kabinet.core import testing

    flat = testing.make_address(street="вул. Соборна", building="12", apartment="7")
    customer = testing.make_customer(name="Коваленко Олена Петрівна")
    gas = testing.make_account(customer=customer, address=flat, number="0512345679")
    phone = testing.unique_phone()
    testing.make_user(phone=phone)
    base = live_server.url
    context = browser.new_context(java_script_enabled=False, locale="uk-UA")
    try:
        page = context.new_page()
        log_in(page, base, phone, testing.PASSWORD)
        page.goto(base + "/cabinet/accounts/add/")
        for select, label in [
            ("#id_branch", "Кременчуцька філія"),
            ("#id_settlement", "Кременчук"),
            ("#id_street", "вул. Соборна"),
            ("#id_building", "12"),
            ("#id_apartment", "7"),
        ]:
            expect(page.locator("#account-final")).to_be_hidden()
            page.select_option(select, label=label)
            page.locator("#address-form .js-next").click()
        page.fill("#id_number", "0512345679")
        page.fill("#id_surname_start", "Шев")  # wrong: the message, the typed number kept
        page.locator("#account-final button[type=submit]").click()
        expect(page.locator("#account-final .message.error")).to_be_visible()
        expect(page.locator("#id_number")).to_have_value("0512345679")
        page.fill("#id_surname_start", "Ков")
        page.locator("#account-final button[type=submit]").click()
        expect(page).to_have_url(base + f"/cabinet/accounts/{gas.pk}/")
    finally:
        context.close()


def test_send_a_message_from_contacts_and_read_the_answer(
    live_server, page: Page, utility: UtilityProfile, household, tmp_path
) -> None:
    """The guide's Contacts: hours and the lunch break, “Відправити повідомлення” with a file,
    the number and the answer date, then “My messages” with the utility's answer."""
    from django.utils.timezone import localtime

    from kabinet.appeals.defaults import topics_seed
    from kabinet.appeals.models import Appeal
    from kabinet.core.testing import PASSWORD as HOUSEHOLD_PASSWORD

    topics_seed()  # the migration's topics, after another test flushed the database
    base = live_server.url
    log_in(page, base, household.user.phone, HOUSEHOLD_PASSWORD)
    page.locator(".main-nav a[href='/contacts/']").click()
    expect(page).to_have_url(base + "/contacts/")
    expect(page.locator("main .facts")).to_contain_text(utility.opening_hours)
    expect(page.locator("main .facts")).to_contain_text(utility.lunch_break)

    page.select_option("#id_topic", "payment_missing")
    page.select_option("#id_account", str(household.gas.pk))
    page.fill("#id_text", "Оплата за жовтень не відображається в кабінеті.")
    png = tmp_path / "receipt.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    page.set_input_files("#id_attachment", png)
    page.locator("#message form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/appeals/")
    appeal = Appeal.objects.get(user=household.user)
    expect(page.locator(".messages")).to_contain_text(appeal.number)
    expect(page.locator(".messages")).to_contain_text(f"{localtime(appeal.due_at):%d.%m.%Y}")
    expect(page.locator(f"#appeal-{appeal.pk}")).to_contain_text(appeal.number)
    expect(page.locator("main")).to_contain_text("receipt.png")
    expect(page.locator(".appeal-answer")).to_have_count(0)

    # a member of staff answers (in the back office: see the appeals handler's test below)
    from kabinet.appeals.services import appeal_answer
    from kabinet.core.testing import make_staff

    appeal_answer(
        appeal=appeal,
        staff=make_staff(username="handler"),
        text="Платіж зараховано 05.11, дякуємо.",
        upload=None,
        waiting_for_customer=False,
        request=None,
    )
    page.reload()
    expect(page.locator(".messages")).to_have_count(0)
    expect(page.locator(".appeal-answer")).to_contain_text("Платіж зараховано 05.11")


# --- Appeals: the customer writes in Contacts, a handler answers in the back office -------------


def test_appeal_in_contacts_answered_by_a_handler_and_read_replied_and_rated(
    live_server, page: Page, browser, utility: UtilityProfile, household, tmp_path
) -> None:
    """The guide's “Контакти → Відправити повідомлення”; the handler (the Appeals handlers
    role, password and TOTP) finds it in the first page's queue and answers; the customer is
    told by e-mail and SMS, reads the answer in “My messages”, replies and rates it."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from kabinet.appeals.defaults import topics_seed
    from kabinet.appeals.models import Appeal
    from kabinet.core.roles import role
    from kabinet.core.testing import PASSWORD as KNOWN_PASSWORD
    from kabinet.core.testing import make_staff
    from kabinet.identity.staff_otp import totp_code, totp_device_for
    from kabinet.notify.models import OutboxMessage

    call_command("roles_sync")  # the live server's database is flushed between tests:
    topics_seed()  # the migrations' groups and topics are made again
    household.user.email = "olena@example.com"
    household.user.save()
    base = live_server.url

    # 1. the customer writes from Contacts, with a scan
    log_in(page, base, household.user.phone, KNOWN_PASSWORD)
    page.locator(".main-nav a[href='/contacts/']").click()
    page.select_option("#id_topic", "billing")
    page.select_option("#id_account", str(household.gas.pk))
    page.fill("#id_text", "Прошу пояснити нарахування за листопад: воно вдвічі більше.")
    scan = tmp_path / "rakhunok.pdf"
    scan.write_bytes(b"%PDF-1.4\n%scan\n")
    page.set_input_files("#id_attachment", scan)
    page.locator("#message form.stacked button[type=submit]").click()
    expect(page).to_have_url(base + "/appeals/")
    appeal = Appeal.objects.get(user=household.user)
    expect(page.locator(f"#appeal-{appeal.pk} .status-new")).to_be_visible()

    # 2. the handler: back-office login with a TOTP code, the queue, the appeal, the answer
    handler = make_staff(username="iryna")
    handler.groups.add(Group.objects.get(name=role("appeals_handler").group))
    device = totp_device_for(handler)
    office = browser.new_context(locale="en-US")
    staff_page = office.new_page()
    staff_page.goto(base + "/admin/")
    staff_page.fill("#id_username", "iryna")
    staff_page.fill("#id_password", KNOWN_PASSWORD)
    staff_page.fill("#id_otp_token", totp_code(device))
    staff_page.locator("#login-form [type=submit]").click()
    queue = staff_page.locator("#queue-appeals_new")
    expect(queue.locator(".count")).to_have_text("1")
    queue.locator("a").click()
    staff_page.locator("#appeal-queue a", has_text=appeal.number).click()
    expect(staff_page.locator("main, #content, body").first).to_contain_text("rakhunok.pdf")
    staff_page.locator("#take").click()
    staff_page.fill("#id_text", "Нарахування за листопад включає перерахунок за жовтень.")
    staff_page.locator("#answer button[type=submit]").click()
    expect(staff_page.locator(".messages .success")).to_be_visible()
    office.close()
    appeal.refresh_from_db()
    assert appeal.status == "answered" and appeal.assigned_to == handler
    told = set(
        OutboxMessage.objects.filter(purpose="appeal_answered").values_list("channel", "recipient")
    )
    assert told == {("email", "olena@example.com"), ("sms", household.user.phone)}

    # 3. the customer reads the answer, replies and rates it
    page.goto(base + "/appeals/")
    expect(page.locator(f"#appeal-{appeal.pk} .appeal-answer")).to_contain_text(
        "перерахунок за жовтень"
    )
    page.locator(f"#appeal-{appeal.pk} h2 a").click()
    page.fill("#id_text", "Дякую, тепер зрозуміло. Ще питання про грудень.")
    page.locator("#reply button[type=submit]").click()
    expect(page.locator(".appeal-reply")).to_contain_text("Ще питання про грудень")
    page.locator("#rate input[name=rating][value='5']").check()
    page.locator("#rate button[type=submit]").click()
    expect(page.locator(f"#appeal-{appeal.pk}")).to_contain_text("5 / 5")
    appeal.refresh_from_db()
    assert appeal.rating == 5 and appeal.status == "in_progress"


def test_a_guest_writes_from_the_public_contacts_page_with_the_captcha(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """Without a login: the topic, a name, an e-mail to answer to, the text and the captcha;
    a wrong captcha answer keeps what was typed; the message gets its number."""
    from captcha.models import CaptchaStore

    from kabinet.appeals.defaults import topics_seed
    from kabinet.appeals.models import Appeal

    topics_seed()
    base = live_server.url
    page.goto(base + "/")
    page.locator(".main-nav a[href='/contacts/']").click()
    page.select_option("#id_topic", "quality")
    page.fill("#id_name", "Іван Петренко")
    page.fill("#id_email", "ivan@example.com")
    page.fill("#id_text", "У центрі обслуговування не працює електронна черга.")
    page.fill("#id_captcha_1", "999")
    page.locator("#message form.stacked button[type=submit]").click()
    expect(page.locator("#message .has-error")).to_be_visible()
    expect(page.locator("#id_text")).to_have_value(
        "У центрі обслуговування не працює електронна черга."
    )
    key = page.locator("input[name=captcha_0]").get_attribute("value")
    page.fill("#id_captcha_1", CaptchaStore.objects.get(hashkey=key).response)
    page.locator("#message form.stacked button[type=submit]").click()
    appeal = Appeal.objects.get()
    expect(page.locator(".messages")).to_contain_text(appeal.number)
    assert appeal.user is None and appeal.guest_email == "ivan@example.com"


# --- Payments (issue #6): pay the debt by card, the receipt, invoices for a chosen month ------


def test_pay_the_debt_by_card_through_the_sandbox_and_download_the_receipt(
    live_server, page: Page, utility: UtilityProfile
) -> None:
    """The guide: pay the debt with any card without leaving home; afterwards “Ваші останні в
    системі платежі” shows when and how much, with the receipt as a PDF; invoices by month."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone
    from pypdf import PdfReader

    from e2e.test_accessibility import assert_accessible
    from kabinet.billing.models import Payment, Source, Statement
    from kabinet.core import testing
    from kabinet.core.periods import add_months, month_start
    from kabinet.payments.models import OrderStatus, PaymentOrder

    household = testing.make_household(phone=testing.unique_phone())
    period = add_months(month_start(timezone.localdate()), -2)
    Statement.objects.create(
        account=household.gas,
        period=period,
        volume=Decimal("10.000"),
        opening_balance=Decimal("17.09"),
        charged=Decimal("58.68"),
        paid=Decimal(0),
        closing_balance=Decimal("75.77"),
        tariff=Decimal("5.868"),
        as_of=timezone.now(),
    )
    base = live_server.url
    log_in(page, base, str(household.user.phone), testing.PASSWORD)
    expect(page).to_have_url(base + f"/cabinet/accounts/{household.gas.pk}/")
    page.locator("#pay-button").click()
    expect(page).to_have_url(base + f"/cabinet/accounts/{household.gas.pk}/pay/")
    expect(page.locator("#id_amount")).to_have_value("75,77")
    assert_accessible(page)
    page.locator("form.stacked button[type=submit]").click()

    # the provider's hosted page (the sandbox): any card of the right shape
    expect(page.locator("#sandbox-amount")).to_contain_text("75.77 UAH")
    assert_accessible(page)
    page.fill("#card", "4242 4242 4242 4242")
    page.fill("#exp", "12/30")
    page.fill("#cvv", "123")
    page.locator("#sandbox-pay").click()

    order = PaymentOrder.objects.get(account=household.gas)
    expect(page).to_have_url(base + f"/cabinet/payments/{order.order_id}/")
    expect(page.locator("#order-status")).to_contain_text("Оплата пройшла успішно")
    assert_accessible(page)
    order.refresh_from_db()
    assert order.status == OrderStatus.SUCCESS
    assert Payment.objects.get(account=household.gas).source == Source.ONLINE

    with page.expect_download() as download_info:
        page.locator("#receipt-link").click()
    receipt = PdfReader(download_info.value.path())
    text = receipt.pages[0].extract_text()
    assert "75,77" in text and "Коваленко Олена Петрівна" in text and order.transaction_id in text

    # the recent payments: when, how much, the PDF
    page.goto(base + f"/cabinet/accounts/{household.gas.pk}/")
    page.locator("#receipts-link").click()
    row = page.locator(f"tr[data-order='{order.order_id}']")
    expect(row).to_contain_text("75,77")
    expect(row).to_contain_text("Сплачено онлайн, очікує білінгу")
    assert_accessible(page)
    # a replayed callback (the bank retries) changes nothing
    from kabinet.payments.models import SandboxCharge
    from kabinet.payments.providers import sandbox

    charge = SandboxCharge.objects.get(order_id=order.order_id)
    assert sandbox.deliver(charge) is True
    assert Payment.objects.filter(account=household.gas).count() == 1

    # invoices for a chosen month
    page.goto(base + f"/cabinet/accounts/{household.gas.pk}/")
    page.locator(f"a[href='/cabinet/accounts/{household.gas.pk}/invoices/']").click()
    page.select_option("#id_month", f"{period:%Y-%m}")
    page.locator("#month-form button[type=submit]").click()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.locator("#invoice-pdf").click()
    invoice = PdfReader(download_info.value.path())
    text = invoice.pages[0].extract_text()
    assert "Рахунок-квитанція" in text and "58,68" in text and "75,77" in text
    assert dt.date.today() >= period
