"""The back office's first page (work queues), the operator's customer search and card, and
the audit log viewer: search, filters, CSV export, and no edit or delete for anybody."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from kabinet.appeals.models import Appeal, AppealTopic
from kabinet.appeals.services import APPEALS_PER_DAY, appeal_create
from kabinet.core import testing
from kabinet.core.audit import audit
from kabinet.core.models import AuditEvent
from kabinet.core.roles import role
from kabinet.identity.models import RegistrationApplication
from kabinet.notify.models import OutboxMessage, Status


def member(key: str, username: str | None = None):
    staff = testing.make_staff(username=username or f"staff-{key}")
    staff.groups.add(Group.objects.get(name=role(key).group))
    return type(staff).objects.get(pk=staff.pk)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def appeal(user, **fields) -> Appeal:
    APPEALS_PER_DAY.reset(str(user.pk))
    values: dict[str, Any] = {
        "topic": AppealTopic.objects.get(code="other"),
        "text": "Питання до компанії.",
        "account": None,
    }
    values.update(fields)
    return appeal_create(user=user, upload=None, request=None, **values)


def application(n: int) -> RegistrationApplication:
    return RegistrationApplication.objects.create(
        company_name=f"ТОВ «Фірма {n}»",
        tax_id=testing.valid_edrpou(100 + n),
        email=f"firm{n}@example.com",
        phones="+380501234567",
        code_word="Слово",
        contact_person="Бондар Ірина",
        offer="free_price",
    )


def failed_message(n: int) -> OutboxMessage:
    return OutboxMessage.objects.create(
        channel="email",
        recipient=f"x{n}@example.com",
        purpose="test",
        text="x",
        status=Status.FAILED,
        next_attempt_at=timezone.now(),
    )


# --- The first page -----------------------------------------------------------------------------


def queue_counts(html: str) -> dict[str, str]:
    import re

    rows = re.findall(r'<a href="[^"]*">([^<]+)</a></th>\s*<td class="count"[^>]*>(\d+)</td>', html)
    return dict(rows)


def test_the_first_page_shows_each_role_its_queues_with_counts(client, utility, household):
    application(1)
    application(2)
    late = appeal(household.user)
    Appeal.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    appeal(household.user)
    failed_message(1)
    verifier = member("registration_verifier")
    testing.back_office_login(english(client), verifier)
    counts = queue_counts(client.get(reverse("admin:index")).content.decode())
    assert counts == {"Registrations to verify": "2"}
    handler = member("appeals_handler")
    testing.back_office_login(client, handler)
    counts = queue_counts(client.get(reverse("admin:index")).content.decode())
    assert counts["Appeals overdue"] == "1" and counts["New appeals"] == "2"
    assert (
        "Registrations to verify" not in counts and "Failed SMS and e-mail messages" not in counts
    )
    admin = member("administrator")
    testing.back_office_login(client, admin)
    counts = queue_counts(client.get(reverse("admin:index")).content.decode())
    assert counts["Failed SMS and e-mail messages"] == "1"
    assert counts["Registrations to verify"] == "2"


def test_the_first_page_issues_a_fixed_number_of_queries(
    client, utility, household, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = member("administrator")
    testing.back_office_login(client, admin)
    client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("admin:index"))
    for n in range(10):
        application(n)
        failed_message(n)
        appeal(household.user)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("admin:index"))
    assert len(large.captured_queries) == len(small.captured_queries)


# --- The customer search ------------------------------------------------------------------------


@pytest.fixture
def operator(db):
    return member("service_centre_operator", "desk")


@pytest.mark.parametrize(
    "query",
    [
        lambda h: h.gas.number,
        lambda h: h.user.phone,
        lambda h: "0" + h.user.phone[4:],  # 050…, as people say it
        lambda h: h.customer.rnokpp,
        lambda h: h.customer.code,
        lambda h: "Соборна 12",
        lambda h: "вул. Соборна, 12",
        lambda h: "Коваленко",
    ],
)
def test_the_operator_finds_a_customer_by_any_identifier_phone_or_address(
    client, utility, household, operator, query
):
    other = testing.make_household(name="Шевчук Андрій", street="вул. Київська", building="3")
    testing.back_office_login(client, operator)
    html = client.get(reverse("core:office_customers"), {"q": query(household)}).content.decode()
    assert reverse("core:office_customer", args=[household.customer.pk]) in html
    assert household.gas.number in html
    assert reverse("core:office_customer", args=[other.customer.pk]) not in html


def test_the_operator_finds_by_email(client, utility, household, operator):
    household.user.email = "olena@example.com"
    household.user.save()
    testing.back_office_login(client, operator)
    html = client.get(reverse("core:office_customers"), {"q": "OLENA@example.com"}).content.decode()
    assert reverse("core:office_customer", args=[household.customer.pk]) in html


def test_nothing_found_says_so(client, utility, household, operator):
    testing.back_office_login(english(client), operator)
    html = client.get(reverse("core:office_customers"), {"q": "9999999999"}).content.decode()
    assert "Nothing found" in html


def test_the_search_issues_fixed_queries(client, utility, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("core:office_customers"), {"q": "Коваленко"})
        return len(captured.captured_queries)

    for n in range(2):
        testing.make_household(name=f"Коваленко {n}")
    testing.back_office_login(client, operator)
    count()
    few = count()
    for n in range(12):
        testing.make_household(name=f"Коваленко {n + 2}")
    assert count() == few


def test_the_card_shows_accounts_logins_appeals_activity_and_audited_actions(
    client, utility, household, operator
):
    mine = appeal(household.user, account=household.gas)
    testing.back_office_login(english(client), operator)
    url = reverse("core:office_customer", args=[household.customer.pk])
    html = client.get(url).content.decode()
    assert household.gas.number in html and household.electricity.number in html
    assert household.user.username in html and mine.number in html
    assert "appeal.create" in html  # the activity: the customer's own writes
    # temporary access (identity's office flow) and an application entered in person
    assert reverse("identity:office_user", args=[household.user.pk]) in html
    assert reverse("admin:identity_registrationapplication_add") in html
    event = AuditEvent.objects.get(action="office.customer_viewed")
    assert event.actor == operator and event.customer_id == household.customer.pk
    response = client.post(reverse("identity:office_user", args=[household.user.pk]))
    names = [template.name for template in response.templates]
    assert response.status_code == 200 and "identity/office_slip.html" in names
    assert AuditEvent.objects.filter(
        action="office.credentials_issued", actor=operator, customer_id=household.customer.pk
    ).exists()


def test_the_card_of_a_missing_customer_is_404(client, utility, operator):
    testing.back_office_login(client, operator)
    assert client.get(reverse("core:office_customer", args=[999999])).status_code == 404


# --- The audit log -------------------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return member("administrator", "chief")


def changelist(client, **params) -> str:
    """The result table only (the filters' sidebar lists every action)."""
    html = client.get(reverse("admin:core_auditevent_changelist"), params).content.decode()
    if 'id="result_list"' not in html:
        return ""
    return html[html.index('id="result_list"') :].split("</table>")[0]


def test_the_audit_log_searches_by_customer_account_staff_member_and_date(
    client, utility, household, outsider, operator, admin_user
):
    audit("test.mine", customer_id=household.customer.pk, account_id=household.gas.pk)
    audit("test.theirs", customer_id=outsider.customer.pk)
    audit("test.by_operator", actor=operator)
    old = AuditEvent(action="test.old", at=timezone.now() - dt.timedelta(days=40))
    old.save()
    testing.back_office_login(client, admin_user)
    by_account = changelist(client, q=household.gas.number)
    assert "test.mine" in by_account and "test.theirs" not in by_account
    by_name = changelist(client, q="Шевчук")  # the outsider's name
    assert "test.theirs" in by_name and "test.mine" not in by_name
    by_id = changelist(client, customer_id=household.customer.pk)
    assert "test.mine" in by_id and "test.theirs" not in by_id
    by_staff = changelist(client, staff=operator.pk)
    assert "test.by_operator" in by_staff and "test.mine" not in by_staff
    today = timezone.localdate().isoformat()
    recent = changelist(client, at__date__gte=today)
    assert "test.mine" in recent and "test.old" not in recent


def test_the_audit_log_exports_what_it_shows_as_csv_and_audits_the_export(
    client, utility, household, outsider, admin_user
):
    audit("test.mine", customer_id=household.customer.pk, number="2026-000001")
    audit("test.theirs", customer_id=outsider.customer.pk)
    testing.back_office_login(client, admin_user)
    response = client.get(
        reverse("admin:core_auditevent_export"), {"customer_id": household.customer.pk}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["at", "actor_label", "action"]
    assert [row[2] for row in rows[1:]] == ["test.mine"]
    assert '"number": "2026-000001"' in rows[1][8]
    event = AuditEvent.objects.get(action="audit.exported")
    assert event.actor == admin_user and event.data["filters"] == {
        "customer_id": str(household.customer.pk)
    }


def test_nobody_edits_or_deletes_the_audit_log_not_even_a_superuser(client, utility):
    event = audit("test.event")
    boss = testing.make_staff(username="boss", is_superuser=True)
    testing.back_office_login(client, boss)
    change = reverse("admin:core_auditevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(change, {"action": "changed"})
    assert client.get(reverse("admin:core_auditevent_delete", args=[event.pk])).status_code == 403
    listing = changelist(client)
    assert "delete_selected" not in listing
    client.post(
        reverse("admin:core_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_admin_edits_by_staff_land_in_the_audit_log(client, utility):
    from kabinet.core.models import Announcement

    editor = member("content_editor", "sofia")
    testing.back_office_login(client, editor)
    add = reverse("admin:core_announcement_add")
    response = client.post(
        add,
        {
            "title": "Графік оновлення даних",
            "body": "Дані оновлюються щодня о 06:00.",
            "starts_at_0": "2026-12-01",
            "starts_at_1": "00:00:00",
            "on_login_page": "on",
            "on_dashboard": "on",
        },
    )
    assert response.status_code == 302
    notice = Announcement.objects.get()
    added = AuditEvent.objects.get(action="admin.add")
    assert added.actor == editor and added.object_id == str(notice.pk)

    admin = member("administrator", "chief")
    testing.back_office_login(client, admin)
    group = Group.objects.get(name=role("appeals_handler").group)
    change = reverse("admin:identity_user_change", args=[editor.pk])
    page = client.get(change).content.decode()
    assert 'name="groups"' in page

    form = {
        "username": editor.username,
        "password": editor.password,
        "is_active": "on",
        "is_staff": "on",
        "groups": [str(g.pk) for g in editor.groups.all()] + [str(group.pk)],
        "date_joined_0": "2026-12-01",
        "date_joined_1": "00:00:00",
        "language": editor.language or "uk",
        "kind": editor.kind,
    }
    response = client.post(change, form)
    assert response.status_code == 302
    changed = AuditEvent.objects.get(action="admin.change", object_id=str(editor.pk))
    assert changed.actor == admin and changed.data["model"] == "identity.user"


def test_the_card_issues_fixed_queries(client, utility, household, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("core:office_customer", args=[household.customer.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    testing.back_office_login(client, operator)
    appeal(household.user)
    count()
    few = count()
    for _ in range(8):
        testing.make_account(customer=household.customer, address=household.address)
        appeal(household.user, account=household.gas)
        testing.make_user(customer=household.customer)
    assert count() == few
