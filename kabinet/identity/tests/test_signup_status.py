"""DRSK: consent first, then the status, then the fields; login by status + SNILS or INN."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from kabinet.core import testing
from kabinet.core.models import AuditEvent
from kabinet.identity import signup_status
from kabinet.identity.models import ConsentGrant, ConsentText, User
from kabinet.identity.testing_consent import make_consent_text

PASSWORD = "Amur-River-Taiga-58"
SNILS = testing.valid_snils(4242)
INN = testing.valid_inn(5151)  # 10 digits: a legal entity
INN_PERSON = testing.valid_inn(6161, person=True)  # 12 digits: an entrepreneur


def snils_dashed(number: str) -> str:
    return f"{number[0:3]}-{number[3:6]}-{number[6:9]} {number[9:]}"


@pytest.fixture
def drsk(utility, client, settings):
    for switch in (
        "signup_with_status",
        "login_status_select",
        "login_by_snils",
        "login_by_tax_id",
    ):
        setattr(utility, switch, True)
    utility.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return utility


@pytest.fixture
def consent(db) -> ConsentText:
    return make_consent_text()


def individual(**overrides: str) -> dict[str, str]:
    data = {
        "last_name": "Иванов",
        "first_name": "Пётр",
        "patronymic": "Сергеевич",
        "snils": snils_dashed(SNILS),
        "email": "petr@example.ru",
        "phone": "+7 914 555 12 34",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def business(**overrides: str) -> dict[str, str]:
    data = {
        "organisation": "ООО «Восток»",
        "inn": INN,
        "ogrn": "",
        "contact_person": "Петрова Анна Ивановна",
        "email": "office@vostok.example.ru",
        "phone": "+79145550000",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def consent_give(client, consent: ConsentText):
    return client.post(reverse("identity:signup_status"), {"version": consent.version})


def start(client, consent: ConsentText, status: str = "individual"):
    consent_give(client, consent)
    return client.post(reverse("identity:signup_status_kind"), {"status": status})


def register(client, consent, status="individual", data=None, django_capture=None):
    start(client, consent, status)
    data = data or (individual() if status == "individual" else business())
    if django_capture is None:
        return client.post(reverse("identity:signup_status_details"), data)
    with django_capture(execute=True):
        return client.post(reverse("identity:signup_status_details"), data)


# --- Consent ------------------------------------------------------------------------------------


def test_without_a_consent_text_sign_up_is_not_available(client, drsk):
    page = client.get(reverse("identity:signup_status"))
    assert "Sign-up is not available" in page.content.decode()
    client.post(reverse("identity:signup_status"), {"version": "anything"})
    assert not ConsentGrant.objects.exists()
    response = client.post(reverse("identity:signup_status_details"), individual())
    assert response.status_code == 302
    assert not User.objects.exists()


def test_nothing_personal_is_asked_or_stored_before_consent(client, drsk, consent):
    page = client.get(reverse("identity:signup_status"))
    assert "I consent" in page.content.decode()
    assert 'name="snils"' not in page.content.decode()
    for name in ("signup_status_kind", "signup_status_details"):
        response = client.post(reverse(f"identity:{name}"), individual())
        assert response.status_code == 302 and response.url == reverse("identity:signup_status")
    assert not User.objects.exists() and not ConsentGrant.objects.exists()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "I consent to the processing"), ("ru", "Я даю согласие"), ("uk", "Я даю згоду")],
)
def test_the_consent_text_is_shown_in_the_visitors_language(
    client, drsk, consent, settings, language, expected
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert expected in client.get(reverse("identity:signup_status")).content.decode()


def test_a_missing_translation_falls_back_to_the_main_text(client, drsk):
    make_consent_text(version="uk-only", text="Текст згоди українською.", text_ru="", text_en="")
    assert (
        "Текст згоди українською." in client.get(reverse("identity:signup_status")).content.decode()
    )


def test_consent_records_version_time_ip_and_browser(client, drsk, consent):
    response = client.post(
        reverse("identity:signup_status"),
        {"version": consent.version},
        HTTP_USER_AGENT="Firefox/140",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    assert response.url == reverse("identity:signup_status_kind")
    grant = ConsentGrant.objects.get()
    assert grant.text == consent and grant.user is None and grant.granted_at
    assert grant.ip == "10.1.2.3" and grant.user_agent == "Firefox/140"
    assert AuditEvent.objects.filter(action="consent.granted", object_id=str(grant.pk)).exists()


def test_consent_to_an_outdated_version_is_asked_again(client, drsk, consent):
    response = client.post(reverse("identity:signup_status"), {"version": "0.9"})
    assert response.status_code == 200
    assert "has just been updated" in response.content.decode()
    assert not ConsentGrant.objects.exists()


def test_switched_off_flow_redirects_to_the_choice(client, utility, consent):
    assert client.get(reverse("identity:signup_status")).url == reverse("identity:signup")
    choice = client.get(reverse("identity:signup")).content.decode()
    assert reverse("identity:signup_status") not in choice


def test_the_sign_up_choice_offers_the_flow(client, drsk):
    assert (
        reverse("identity:signup_status") in client.get(reverse("identity:signup")).content.decode()
    )


# --- Individuals ----------------------------------------------------------------------------------


def test_an_individual_registers_and_lands_on_the_login_page(
    client, drsk, consent, django_capture_on_commit_callbacks
):
    response = register(client, consent, django_capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == reverse("identity:login")
    user = User.objects.get()
    assert user.is_active and user.username == SNILS and user.snils == SNILS
    assert user.kind == "individual" and user.tax_id == ""
    assert (user.last_name, user.first_name) == ("Иванов", "Пётр Сергеевич")
    assert user.email == "petr@example.ru" and user.phone == "+79145551234"
    assert user.check_password(PASSWORD)
    grant = ConsentGrant.objects.get()
    assert grant.user == user
    event = AuditEvent.objects.get(action="signup.completed")
    assert event.data["consent"] == consent.version and event.object_id == str(user.pk)
    assert PASSWORD not in str(event.data)
    page = client.get(response.url).content.decode()
    assert "Log in with the status, SNILS and password" in page
    # the consent is used up: the form cannot be sent again with it
    again = client.post(reverse("identity:signup_status_details"), individual())
    assert again.url == reverse("identity:signup_status")


def test_an_individual_logs_in_by_status_and_snils(client, drsk, consent):
    register(client, consent)
    login = reverse("identity:login")
    wrong = {"status": "company", "identifier": SNILS, "password": PASSWORD}
    assert client.post(login, wrong).status_code == 200
    response = client.post(login, {**wrong, "status": "individual"})
    assert response.status_code == 302 and response.url == reverse("customers:cabinet")


def test_snils_login_accepts_the_usual_writing(client, drsk, consent):
    register(client, consent)
    data = {"status": "individual", "identifier": snils_dashed(SNILS), "password": PASSWORD}
    assert client.post(reverse("identity:login"), data).status_code == 302


def test_fields_are_marked_and_explained(client, drsk, consent):
    start(client, consent)
    page = client.get(reverse("identity:signup_status_details")).content.decode()
    form = client.get(reverse("identity:signup_status_details")).context["form"]
    assert form.fields["snils"].required and not form.fields["patronymic"].required
    assert "restore access" in str(form.fields["email"].help_text)
    assert "call this number" in str(form.fields["phone"].help_text)
    assert page.count('class="required"') >= 7


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("snils", "112-233-445 96", "valid SNILS"),
        ("snils", "12345", "valid SNILS"),
        ("email", "petr@", "valid email"),
        ("phone", "12345", "valid mobile phone"),
        ("last_name", "", "required"),
        ("password2", "Another-Password-99", "differ"),
        ("password1", "short", "too short"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_kept(
    client, drsk, consent, field, value, message
):
    start(client, consent)
    data = individual(**{field: value})
    if field == "password1":
        data["password2"] = value
    response = client.post(reverse("identity:signup_status_details"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors, errors
    page = response.content.decode()
    assert PASSWORD not in page  # passwords are never sent back
    if field != "last_name":
        assert "Иванов" in page
    assert not User.objects.exists()


def test_a_password_with_the_snils_in_it_is_refused(client, drsk, consent):
    start(client, consent)
    weak = f"Snils{SNILS}!"
    response = client.post(
        reverse("identity:signup_status_details"), individual(password1=weak, password2=weak)
    )
    assert "password1" in response.context["form"].errors
    assert not User.objects.exists()


def test_a_registered_snils_gets_the_same_answer_and_the_owner_an_email(
    client, drsk, consent, django_capture_on_commit_callbacks
):
    first = register(client, consent, django_capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()
    stranger = individual(email="stranger@example.ru", phone="+79145559999")
    second = register(
        client, consent, data=stranger, django_capture=django_capture_on_commit_callbacks
    )
    assert second.status_code == first.status_code == 302 and second.url == first.url
    assert "Registration is complete" in client.get(second.url).content.decode()
    assert User.objects.count() == 1
    assert [message.to for message in mail.outbox] == [["petr@example.ru"]]
    assert "SNILS" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="signup.duplicate").exists()
    assert (
        not User.objects.get().check_password("x") and User.objects.get().email == "petr@example.ru"
    )
    # the second consent stays unlinked: it belongs to no account
    assert ConsentGrant.objects.filter(user__isnull=True).count() == 1


def test_a_duplicate_costs_a_password_hash_too(client, drsk, consent, monkeypatch):
    register(client, consent)
    calls: list[str] = []
    real = signup_status.make_password

    def counting(password: str) -> str:
        calls.append(password)
        return real(password)

    monkeypatch.setattr(signup_status, "make_password", counting)
    register(client, consent)
    assert calls


def test_a_phone_of_another_account_is_not_stored_nor_revealed(client, drsk, consent):
    testing.make_user(phone="+79145551234", username="other")
    response = register(client, consent)
    assert response.url == reverse("identity:login")
    user = User.objects.get(username=SNILS)
    assert user.phone is None
    assert AuditEvent.objects.get(action="signup.completed").data["phone_kept"] is False


def test_a_used_consent_cannot_register_twice(drsk, consent, rf):
    grant = ConsentGrant.objects.create(text=consent, user=testing.make_user())
    request = rf.post("/")
    request.user = testing.make_user()
    form = signup_status.IndividualForm(individual())
    assert form.is_valid(), form.errors
    with pytest.raises(signup_status.ConsentMissing):
        signup_status.status_signup(
            kind="individual",
            data=form.cleaned_data,
            password=PASSWORD,
            grant_id=grant.pk,
            request=request,
        )
    assert not User.objects.filter(username=SNILS).exists()


def test_sign_ups_are_limited_per_address(client, drsk, consent, monkeypatch):
    monkeypatch.setattr(signup_status, "SIGNUPS_PER_IP", signup_status.Throttle("t", 1, 3600))
    register(client, consent)
    response = register(client, consent, data=individual(snils=testing.valid_snils(77)))
    assert response.status_code == 200
    assert "Too many attempts" in response.content.decode()
    assert User.objects.count() == 1


# --- Companies and entrepreneurs ------------------------------------------------------------------


def test_a_company_registers_and_logs_in_by_status_and_inn(client, drsk, consent):
    response = register(client, consent, "company", business(ogrn=testing.valid_ogrn(3)))
    assert response.url == reverse("identity:login")
    user = User.objects.get()
    assert (user.username, user.tax_id, user.kind, user.snils) == (INN, INN, "company", "")
    assert (user.last_name, user.first_name) == ("Петрова", "Анна Ивановна")
    event = AuditEvent.objects.get(action="signup.completed")
    assert event.data["organisation"] == "ООО «Восток»"
    login = reverse("identity:login")
    data = {"status": "individual", "identifier": INN, "password": PASSWORD}
    assert client.post(login, data).status_code == 200
    assert client.post(login, {**data, "status": "company"}).status_code == 302


def test_an_entrepreneur_registers_with_a_12_digit_inn(client, drsk, consent):
    data = business(inn=INN_PERSON, organisation="ИП Сидоров С. С.")
    response = register(client, consent, "entrepreneur", data)
    assert response.url == reverse("identity:login")
    assert User.objects.get().kind == "entrepreneur"


@pytest.mark.parametrize(
    ("status", "field", "value", "message"),
    [
        ("company", "inn", "7700000001", "valid INN"),
        ("company", "inn", INN_PERSON, "10 digits"),
        ("entrepreneur", "inn", INN, "12 digits"),
        ("company", "ogrn", "1027700000001", "valid OGRN"),
        ("company", "ogrn", "12345", "valid OGRN"),
        ("entrepreneur", "ogrn", testing.valid_ogrn(4), "15 digits"),
        ("company", "organisation", "", "required"),
        ("company", "contact_person", "", "required"),
    ],
)
def test_bad_company_input(client, drsk, consent, status, field, value, message):
    start(client, consent, status)
    data = business(**{field: value})
    if status == "entrepreneur" and field != "inn":
        data["inn"] = INN_PERSON
    response = client.post(reverse("identity:signup_status_details"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.exists()


def test_a_registered_inn_gets_the_same_answer(
    client, drsk, consent, django_capture_on_commit_callbacks
):
    register(client, consent, "company", django_capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()
    response = register(
        client,
        consent,
        "company",
        business(email="someone@else.example"),
        django_capture=django_capture_on_commit_callbacks,
    )
    assert response.url == reverse("identity:login")
    assert User.objects.count() == 1
    assert [message.to for message in mail.outbox] == [["office@vostok.example.ru"]]
    assert "INN" in mail.outbox[0].body
