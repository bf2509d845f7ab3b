"""Company sign-up with a captcha and e-mail activation (the KrasKom guide, steps 3-4)."""

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from captcha.models import CaptchaStore
from django.core import mail
from django.urls import reverse

from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.customers.models import AccountLink, CustomerKind
from kabinet.identity import signup_company
from kabinet.identity.models import User

PASSWORD = "Vodokanal-Sever-31"
EMAIL = "torg@kraskom.example.ru"
SITE = "https://lk.kraskom.example.ru"


@pytest.fixture
def kraskom(utility, settings):
    utility.signup_company_email = True
    utility.save()
    settings.SITE_URL = SITE
    return utility


@pytest.fixture
def firm(db):
    """A company in billing, with the e-mail it gave the utility, a contract and two accounts."""
    customer = testing.make_customer(
        kind=CustomerKind.COMPANY,
        name="ООО «Торговая марка»",
        edrpou="",
        inn=testing.valid_inn(),
        email=EMAIL,
    )
    contract = testing.make_contract(customer=customer)
    accounts = [
        testing.make_account(customer=customer, contract=contract, service="water"),
        testing.make_account(customer=customer, contract=contract, service="sewage"),
    ]
    return customer, accounts


@pytest.fixture
def en(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def captcha_answer(client) -> dict[str, str]:
    """Open the form as a person would and read the expected answer from the captcha's store."""
    page = client.get(reverse("identity:signup_company")).content.decode()
    match = re.search(r'name="captcha_0" value="(\w+)"', page)
    assert match, "no captcha on the page"
    key = match.group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


@pytest.fixture
def submit(en, kraskom, firm, django_capture_on_commit_callbacks):
    customer, _accounts = firm

    def post(captcha=None, **changes):
        data = {
            "address": "ул. Копылова, 4, кв. 2",
            "inn": customer.inn,
            "phone": "+7 391 212-12-12",
            "username": "Торговая марка",
            "email": EMAIL,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "agreement": "on",
            **(captcha if captcha is not None else captcha_answer(en)),
        }
        data.update(changes)
        data = {key: value for key, value in data.items() if value is not None}
        with django_capture_on_commit_callbacks(execute=True):
            return en.post(reverse("identity:signup_company"), data)

    return post


def activation_path() -> str:
    match = re.search(r"https?://\S+", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    link = match.group(0)
    assert link.startswith(SITE + "/signup/company/activate/")
    return urlsplit(link).path


def test_sign_up_activate_and_log_in_with_the_login(en, submit, firm):
    customer, accounts = firm
    response = submit()
    assert response.status_code == 302 and response.url == reverse("identity:signup_company_sent")
    assert "wait for an e-mail" in en.get(response.url).content.decode()
    user = User.objects.get(username="Торговая марка")
    assert not user.is_active and user.email == EMAIL and user.customer is None
    assert user.tax_id == customer.inn and user.kind == CustomerKind.COMPANY
    started = AuditEvent.objects.get(action="signup.started", object_id=str(user.pk))
    assert started.data["phone"] == "+73912121212" and "Копылова" in started.data["address"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [EMAIL]

    response = en.get(activation_path())
    assert response.status_code == 302 and response.url == reverse("identity:login")
    assert response["Referrer-Policy"] == "no-referrer"
    user.refresh_from_db()
    assert user.is_active and user.customer == customer
    linked = set(AccountLink.objects.filter(user=user).values_list("account", flat=True))
    assert linked == {account.pk for account in accounts}

    response = en.post(
        reverse("identity:login"), {"identifier": "Торговая марка", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("customers:cabinet")


def test_the_link_comes_from_the_site_url_not_the_host_header(en, kraskom, firm, settings):
    settings.ALLOWED_HOSTS = ["*"]
    customer, _accounts = firm
    answer = captcha_answer(en)
    en.post(
        reverse("identity:signup_company"),
        {
            "address": "ул. Ленина, 1",
            "inn": customer.inn,
            "phone": "+7 391 212-12-12",
            "username": "torg",
            "email": EMAIL,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "agreement": "on",
            **answer,
        },
        HTTP_HOST="evil.example.com",
    )
    from kabinet.notify.models import OutboxMessage

    message = OutboxMessage.objects.get(purpose="signup_company_activation")
    assert SITE + "/signup/company/activate/" in message.text
    assert "evil.example.com" not in message.text


def test_an_e_mail_other_than_billings_activates_without_the_contracts(en, submit, firm):
    submit(email="someone@else.example.ru")
    en.get(activation_path())
    user = User.objects.get(username="Торговая марка")
    assert user.is_active and user.customer is None
    assert not AccountLink.objects.filter(user=user).exists()
    assert AuditEvent.objects.get(action="signup.completed").data["linked"] is False


def test_an_inn_without_a_contract_is_refused(submit):
    response = submit(inn=testing.valid_inn(999))
    assert response.status_code == 200
    assert response.context["form"].errors["inn"] == [
        "We have no contract with this INN. Contact the utility to conclude a contract first."
    ]
    assert not User.objects.exists() and mail.outbox == []


@pytest.mark.parametrize("inn", ["7700000001", "12345", "770000000000"])
def test_an_invalid_inn(submit, inn):
    response = submit(inn=inn)
    assert response.context["form"].errors["inn"] == [
        "Enter a valid INN: 10 digits for a company, 12 for a person."
    ]


def test_a_sole_proprietor_registers_with_a_12_digit_inn(en, submit):
    person = testing.make_customer(
        kind=CustomerKind.ENTREPRENEUR, rnokpp="", inn=testing.valid_inn(person=True), email=EMAIL
    )
    assert submit(inn=person.inn).status_code == 302
    en.get(activation_path())
    user = User.objects.get(username="Торговая марка")
    assert user.kind == CustomerKind.ENTREPRENEUR and user.customer == person


def test_a_taken_login(submit):
    testing.make_user(username="торговая марка")
    response = submit()
    assert response.context["form"].errors["username"] == [
        "This login is already taken. Choose another one."
    ]
    assert mail.outbox == []


@pytest.mark.parametrize("username", ["12345678", "a@b.c", "x/y"])
def test_logins_that_look_like_other_identifiers_are_refused(submit, username):
    response = submit(username=username)
    assert "username" in response.context["form"].errors


def test_registering_again_renews_the_pending_sign_up(en, submit):
    submit()
    first = activation_path()
    submit(password1="Vodokanal-Yug-47", password2="Vodokanal-Yug-47")
    assert User.objects.count() == 1
    assert en.get(first).status_code == 200  # the first link died with the new password
    assert en.get(activation_path()).status_code == 302


def test_a_taken_e_mail_gets_the_same_page_and_its_owner_a_notice(submit):
    owner = testing.make_user(username="owner", email=EMAIL.upper())
    response = submit()
    assert response.status_code == 302 and response.url == reverse("identity:signup_company_sent")
    assert not User.objects.filter(username="Торговая марка").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]
    assert "already belongs to an account" in mail.outbox[0].body
    assert "/activate/" not in mail.outbox[0].body


def test_a_wrong_captcha_answer(submit, en):
    answer = captcha_answer(en)
    wrong = str(int(answer["captcha_1"]) + 1)
    response = submit(captcha={**answer, "captcha_1": wrong})
    assert response.context["form"].errors["captcha"] == [
        "The answer is not right. Solve the new example."
    ]
    assert not User.objects.exists()
    # one try per picture: the right answer to the same picture no longer passes
    response = submit(captcha=answer)
    assert "captcha" in response.context["form"].errors


def test_no_captcha_answer(submit, en):
    answer = captcha_answer(en)
    response = submit(captcha={**answer, "captcha_1": ""})
    assert response.context["form"].errors["captcha"] == ["Solve the example in the picture."]


def test_the_agreement_must_be_accepted(submit):
    response = submit(agreement=None)
    assert response.context["form"].errors["agreement"] == [
        "Accept the user agreement to register."
    ]
    assert not User.objects.exists()


def test_the_agreement_page(en, kraskom):
    page = en.get(reverse("identity:signup_company_agreement"))
    assert page.status_code == 200 and "User agreement" in page.content.decode()
    form = en.get(reverse("identity:signup_company")).content.decode()
    assert reverse("identity:signup_company_agreement") in form


def test_weak_and_mismatched_passwords(submit):
    response = submit(password1="short1", password2="short1")
    assert "password1" in response.context["form"].errors
    response = submit(password2="Vodokanal-Sever-32")
    assert "password2" in response.context["form"].errors
    response = submit(password1="Торговая марка 1", password2="Торговая марка 1")
    assert "password1" in response.context["form"].errors  # the login itself
    assert PASSWORD not in response.content.decode()
    assert not User.objects.exists()


def test_a_bad_phone(submit):
    response = submit(phone="2121212")
    assert response.context["form"].errors["phone"] == [
        "Enter the phone with its area code, e.g. +7 391 212-12-12."
    ]


def test_an_activation_link_works_once(en, submit):
    submit()
    path = activation_path()
    assert en.get(path).status_code == 302
    response = en.get(path)
    assert response.status_code == 200
    assert "This activation link no longer works" in response.content.decode()
    assert not response.context.get("email_taken")
    assert response["Referrer-Policy"] == "no-referrer"
    user = User.objects.get(username="Торговая марка")
    token = path.rstrip("/").split("/")[-1]
    assert not signup_company.activation_tokens.check_token(user, token)


def test_an_expired_activation_link(en, submit, monkeypatch):
    submit()
    path = activation_path()
    later = datetime.now() + timedelta(seconds=signup_company.ACTIVATION_SECONDS + 60)
    monkeypatch.setattr(signup_company.activation_tokens, "_now", lambda: later)
    assert en.get(path).status_code == 200
    assert not User.objects.get(username="Торговая марка").is_active


def test_a_tampered_activation_link(en, submit):
    submit()
    path = activation_path()
    uid, token = path.rstrip("/").split("/")[-2:]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert en.get(path.replace(token, forged)).status_code == 200
    other = User.objects.create(username="other", is_active=False)
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    other_uid = urlsafe_base64_encode(force_bytes(other.pk))
    assert en.get(path.replace(uid, other_uid)).status_code == 200
    assert not User.objects.filter(is_active=True).exists()


def test_the_first_activation_wins_when_two_sign_ups_share_an_e_mail(en, submit):
    submit()
    first = activation_path()
    submit(username="torg second")
    second = activation_path()
    assert en.get(first).status_code == 302
    response = en.get(second)
    assert response.status_code == 200 and response.context["email_taken"]
    assert not User.objects.get(username="torg second").is_active


def test_sign_ups_per_e_mail_are_limited(submit):
    for _ in range(signup_company.SIGNUPS_PER_EMAIL.limit):
        submit()
    response = submit()
    assert response.context["form"].non_field_errors()[0].startswith("Too many attempts.")
    assert len(mail.outbox) == signup_company.SIGNUPS_PER_EMAIL.limit


def test_the_captcha_image_is_drawn_here(en, kraskom):
    key = captcha_answer(en)["captcha_0"]
    image = en.get(f"/captcha/image/{key}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_the_flow_is_off_unless_the_profile_enables_it(en, utility):
    assert en.get(reverse("identity:signup_company")).url == reverse("identity:signup")
