"""Business sign-up by phone, personal account and EDRPOU (the DTEK guide)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from kabinet.core import testing
from kabinet.customers.models import AccountLink, CustomerKind
from kabinet.identity import signup_business
from kabinet.identity.models import User
from kabinet.notify.transports.fake import FakeSms

from .conftest import last_code

PHONE = "+380501234567"
PASSWORD = "Svitlo#Kyiv2024"
PAIR_ERROR = (
    "No personal account with this number belongs to this EDRPOU. "
    "Check the bill or the contract annex."
)


@pytest.fixture
def dtek(utility):
    utility.signup_business_phone = True
    utility.password_require_classes = True
    utility.contact_phones = "044 202 15 88\n050 210 15 88"
    utility.save()
    return utility


@pytest.fixture
def firm(db):
    """A company with two accounts, and a second billing customer with the same EDRPOU."""
    customer = testing.make_customer(kind=CustomerKind.COMPANY, name="ТОВ «Світло»")
    first = testing.make_account(customer=customer, service="electricity")
    second = testing.make_account(customer=customer, service="electricity")
    branch = testing.make_customer(
        kind=CustomerKind.COMPANY, name="ТОВ «Світло», філія", edrpou=customer.edrpou
    )
    third = testing.make_account(customer=branch, service="electricity")
    return customer, [first, second, third]


@pytest.fixture
def en(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def submit(en, dtek, django_capture_on_commit_callbacks):
    def post(account, edrpou, phone="050 123 45 67", password=PASSWORD, again=None, client=en):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("identity:signup_business"),
                {
                    "phone": phone,
                    "account": account,
                    "edrpou": edrpou,
                    "password1": password,
                    "password2": again or password,
                },
            )

    return post


def confirm(client, phone=PHONE, code=None):
    return client.post(
        reverse("identity:signup_business_confirm"), {"code": code or last_code(phone)}
    )


def test_sign_up_links_every_account_of_the_edrpou_and_logs_in_by_account(en, submit, firm):
    customer, accounts = firm
    response = submit(accounts[0].number, customer.edrpou)
    assert response.status_code == 302
    assert response.url == reverse("identity:signup_business_confirm")
    pending = User.objects.get(phone=PHONE)
    assert not pending.is_active and pending.customer is None
    assert "+38050•••••67" in en.get(response.url).content.decode()

    response = confirm(en)
    assert response.url == reverse("identity:login")
    user = User.objects.get(phone=PHONE)
    assert user.is_active and user.customer == customer
    assert user.kind == CustomerKind.COMPANY and user.tax_id == customer.edrpou
    linked = set(AccountLink.objects.filter(user=user).values_list("account__number", flat=True))
    assert linked == {account.number for account in accounts}

    response = en.post(
        reverse("identity:login"), {"identifier": accounts[1].number, "password": PASSWORD}
    )
    assert response.status_code == 302
    cabinet = en.get(response.url, follow=True)
    assert {link.account.number for link in cabinet.context["links"]} == linked


def test_the_password_hint_shows_the_policy(en, dtek):
    page = en.get(reverse("identity:signup_business")).content.decode()
    assert "Qwer123!" in page
    assert 'name="account"' in page and 'name="edrpou"' in page


def test_wrong_edrpou_checksum(submit, firm):
    customer, accounts = firm
    wrong = customer.edrpou[:-1] + str((int(customer.edrpou[-1]) + 1) % 10)
    response = submit(accounts[0].number, wrong)
    assert response.status_code == 200
    assert "Enter a valid EDRPOU code: 8 digits." in response.context["form"].errors["edrpou"]
    assert not User.objects.exists() and FakeSms.outbox == []


def test_unknown_account_and_account_of_another_edrpou_get_one_answer(submit, firm):
    customer, _accounts = firm
    other = testing.make_customer(kind=CustomerKind.COMPANY, name="ТОВ «Інше»")
    other_account = testing.make_account(customer=other)
    foreign = submit(other_account.number, customer.edrpou)
    unknown = submit("99999999", customer.edrpou)
    for response in (foreign, unknown):
        assert response.status_code == 200
        assert response.context["form"].errors["account"] == [PAIR_ERROR]
        assert 'value="99999999"' in unknown.content.decode()  # typed values are kept
        assert PASSWORD not in response.content.decode()  # passwords are not
    assert not User.objects.exists() and FakeSms.outbox == []


def test_a_household_account_cannot_be_registered_as_a_business(submit, household):
    response = submit(household.gas.number, testing.valid_edrpou())
    assert response.context["form"].errors["account"] == [PAIR_ERROR]


def test_a_sole_proprietor_signs_up_with_the_rnokpp(en, submit):
    customer = testing.make_customer(kind=CustomerKind.ENTREPRENEUR, name="ФОП Бойко")
    account = testing.make_account(customer=customer, service="electricity")
    assert submit(account.number, customer.rnokpp).status_code == 302
    confirm(en)
    user = User.objects.get(phone=PHONE)
    assert user.customer == customer and user.kind == CustomerKind.ENTREPRENEUR
    assert user.tax_id == customer.rnokpp


def test_an_edrpou_registered_by_another_phone_is_refused_without_saying_who(en, submit, firm):
    customer, accounts = firm
    submit(accounts[0].number, customer.edrpou, phone="+380671112233")
    confirm(en, phone="+380671112233")
    FakeSms.reset()

    response = submit(accounts[1].number, customer.edrpou)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert errors[0].startswith("This account and code pair is already registered.")
    assert "044 202 15 88" in errors[0] and "050 210 15 88" in errors[0]
    page = response.content.decode()
    assert "671112233" not in page and "+38067•••••33" not in page
    assert not User.objects.filter(phone=PHONE).exists() and FakeSms.outbox == []


def test_the_same_phone_again_gets_an_sms_notice_and_the_same_page(en, submit, firm):
    customer, accounts = firm
    submit(accounts[0].number, customer.edrpou)
    confirm(en)
    FakeSms.reset()
    response = submit(accounts[1].number, customer.edrpou)
    assert response.url == reverse("identity:signup_business_confirm")
    assert len(FakeSms.outbox) == 1 and "already has an account" in FakeSms.outbox[0].text
    assert User.objects.filter(phone=PHONE).count() == 1


def test_two_pending_phones_for_one_edrpou_only_the_first_confirms(en, submit, firm, settings):
    customer, accounts = firm
    other = Client()
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    submit(accounts[0].number, customer.edrpou)
    submit(accounts[1].number, customer.edrpou, phone="+380671112233", client=other)
    assert confirm(en).status_code == 302
    response = confirm(other, phone="+380671112233")
    assert response.status_code == 200
    assert (
        response.context["form"]
        .non_field_errors()[0]
        .startswith("This account and code pair is already registered.")
    )
    assert not User.objects.get(phone="+380671112233").is_active


@pytest.mark.parametrize(
    ("classes", "password", "message"),
    [
        (True, "longpassword1", "Use latin letters only"),
        (True, "Пароль-Світло-2024", "Use latin letters only"),
        (False, "Kv#1x", "The password is too short"),
    ],
)
def test_weak_passwords_with_and_without_composition_rules(
    submit, firm, dtek, classes, password, message
):
    dtek.password_require_classes = classes
    dtek.save()
    customer, accounts = firm
    response = submit(accounts[0].number, customer.edrpou, password=password)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["password1"])
    assert not User.objects.exists()


def test_a_password_made_of_the_edrpou_is_refused(submit, firm, dtek):
    dtek.password_require_classes = False
    dtek.save()
    customer, accounts = firm
    response = submit(accounts[0].number, customer.edrpou, password=f"Ab#{customer.edrpou}")
    assert "password1" in response.context["form"].errors


def test_mismatched_passwords(submit, firm):
    customer, accounts = firm
    response = submit(accounts[0].number, customer.edrpou, again="Svitlo#Kyiv2025")
    assert response.context["form"].errors["password2"] == [
        "The two passwords differ. Type the same one twice."
    ]


def test_wrong_pairs_are_limited_per_address(submit, firm):
    customer, accounts = firm
    for n in range(signup_business.PAIR_REFUSALS_PER_IP.limit):
        submit(f"1000{n}", customer.edrpou)
    response = submit(accounts[0].number, customer.edrpou)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()[0].startswith("Too many attempts.")
    assert FakeSms.outbox == []


def test_a_wrong_code_does_not_activate_and_a_new_code_replaces_the_old(
    en, submit, firm, django_capture_on_commit_callbacks
):
    customer, accounts = firm
    submit(accounts[0].number, customer.edrpou)
    first = last_code(PHONE)
    wrong = f"{(int(first) + 1) % 10**6:06d}"
    response = confirm(en, code=wrong)
    assert "code" in response.context["form"].errors
    cache.clear()  # the resend cool-down is a minute; the test does not wait for it
    with django_capture_on_commit_callbacks(execute=True):
        with_resend = en.post(reverse("identity:signup_business_resend"))
    assert with_resend.url == reverse("identity:signup_business_confirm")
    second = last_code(PHONE)
    if second != first:
        assert confirm(en, code=first).status_code == 200  # the old code no longer works
    assert confirm(en, code=second).status_code == 302
    assert User.objects.get(phone=PHONE).customer == customer


def test_the_flow_is_off_unless_the_profile_enables_it(en, utility):
    response = en.get(reverse("identity:signup_business"))
    assert response.status_code == 302 and response.url == reverse("identity:signup")
    assert (
        reverse("identity:signup_business")
        not in en.get(reverse("identity:signup")).content.decode()
    )


def test_the_confirm_page_needs_a_pending_sign_up(en, dtek):
    response = en.get(reverse("identity:signup_business_confirm"))
    assert response.url == reverse("identity:signup_business")
