"""The back office's roles (core/roles.py): the groups the migration made, and every role
against every back-office URL — a member of staff sees and does only what the role allows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from kabinet.appeals.models import AppealMessage, AppealTopic
from kabinet.appeals.services import appeal_create
from kabinet.core import testing
from kabinet.core.roles import ALL, ALL_APPS, ROLES, role
from kabinet.identity.models import RegistrationApplication


def member(key: str):
    staff = testing.make_staff(username=f"staff-{key}")
    staff.groups.add(Group.objects.get(name=role(key).group))
    return type(staff).objects.get(pk=staff.pk)


def test_every_role_is_a_group_with_exactly_its_permissions(db):
    everything = Permission.objects.filter(content_type__app_label__in=ALL_APPS).count()
    for item in ROLES:
        group = Group.objects.get(name=item.group)
        names = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        if ALL in item.permissions:
            assert len(names) == everything
        else:
            assert names == set(item.permissions), (
                f"{item.group}: missing {set(item.permissions) - names}"
            )


def test_roles_sync_undoes_hand_edits_and_reports_nothing_missing(db, capsys):
    group = Group.objects.get(name=role("appeals_handler").group)
    group.permissions.add(Permission.objects.get(codename="delete_appeal"))
    group.permissions.remove(Permission.objects.get(codename="change_appeal"))
    call_command("roles_sync")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert "delete_appeal" not in codenames and "change_appeal" in codenames
    assert "no such permission" not in capsys.readouterr().err


@pytest.fixture
def objects(db, household):
    appeal = appeal_create(
        user=household.user,
        topic=AppealTopic.objects.get(code="billing"),
        text="Питання про рахунок за жовтень.",
        account=None,
        upload=None,
        request=None,
    )
    application = RegistrationApplication.objects.create(
        company_name="ТОВ «Інгул-Агро»",
        tax_id=testing.valid_edrpou(31),
        email="buh@example.com",
        phones="+380501234567",
        code_word="Соняшник",
        contact_person="Бондаренко Ірина",
        offer="free_price",
    )
    return {"appeal": appeal.pk, "application": application.pk, "customer": household.customer.pk}


# (URL name, args from `objects`, the permission that opens it; None: every member of staff)
URLS = [
    ("admin:index", None, None),
    ("identity:otp_authenticator", None, None),
    ("core:office_customers", None, "core.search_customers"),
    ("core:office_customer", "customer", "core.search_customers"),
    ("identity:office_search", None, "core.issue_credentials"),
    ("appeals_office:queue", None, "appeals.view_appeal"),
    ("appeals_office:detail", "appeal", "appeals.view_appeal"),
    ("admin:appeals_appeal_changelist", None, "appeals.view_appeal"),
    ("admin:appeals_appealtopic_changelist", None, "appeals.view_appealtopic"),
    ("admin:appeals_appealtopic_add", None, "appeals.add_appealtopic"),
    (
        "admin:identity_registrationapplication_changelist",
        None,
        "identity.view_registrationapplication",
    ),
    ("admin:identity_registrationapplication_add", None, "identity.add_registrationapplication"),
    (
        "admin:identity_registrationapplication_approve",
        "application",
        "identity.change_registrationapplication",
    ),
    (
        "admin:identity_registrationapplication_reject",
        "application",
        "identity.change_registrationapplication",
    ),
    ("admin:core_auditevent_changelist", None, "core.view_auditevent"),
    ("admin:core_auditevent_export", None, "core.export_auditevent"),
    ("admin:core_announcement_changelist", None, "core.view_announcement"),
    ("admin:core_announcement_add", None, "core.add_announcement"),
    ("admin:core_utilityprofile_changelist", None, "core.view_utilityprofile"),
    ("admin:identity_consenttext_add", None, "identity.add_consenttext"),
    ("admin:notify_outboxmessage_changelist", None, "notify.view_outboxmessage"),
    ("admin:identity_user_changelist", None, "identity.view_user"),
    ("admin:auth_group_changelist", None, "auth.view_group"),
    ("admin:customers_customer_changelist", None, "customers.view_customer"),
    ("admin:customers_account_changelist", None, "customers.view_account"),
    ("admin:metering_reading_changelist", None, "metering.view_reading"),
    ("admin:billing_payment_changelist", None, "billing.view_payment"),
]


@pytest.mark.parametrize("key", [item.key for item in ROLES])
def test_each_role_against_every_back_office_url(client, utility, objects, key):
    staff = member(key)
    testing.back_office_login(client, staff)
    allowed = role(key).permissions
    for name, arg, permission in URLS:
        url = reverse(name, args=[objects[arg]] if arg else [])
        status = client.get(url).status_code
        may = permission is None or ALL in allowed or permission in allowed
        assert status == (200 if may else 403), f"{key} {name}: {status}"


@pytest.mark.parametrize("key", [item.key for item in ROLES])
def test_only_the_appeals_roles_may_answer(client, utility, objects, key):
    staff = member(key)
    testing.back_office_login(client, staff)
    url = reverse("appeals_office:detail", args=[objects["appeal"]])
    client.post(url, {"action": "answer", "text": "Відповідь від співробітника."})
    may = ALL in role(key).permissions or "appeals.change_appeal" in role(key).permissions
    assert AppealMessage.objects.exists() == may


def test_staff_without_a_second_factor_are_sent_to_the_back_office_login(client, utility):
    staff = member("administrator")
    client.force_login(staff)  # a password session without a TOTP device
    for name in ("core:office_customers", "appeals_office:queue", "admin:index"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def test_customers_cannot_open_the_back_office(client, utility, household):
    client.force_login(household.user)
    for name in ("core:office_customers", "appeals_office:queue"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
