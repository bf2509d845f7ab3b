"""The back office: the queue, each action behind its own permission, audited, with the
applicant notified; signing the issued contract and the payment moving the stage on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from kabinet.core.models import AuditEvent, UtilityProfile
from kabinet.core.testing import Household, back_office_login
from kabinet.identity.tests.conftest import last_code
from kabinet.notify.models import OutboxMessage

from .. import services
from ..models import ConnectionApplication, Stage
from .helpers import engineer, filled_application, pdf_upload, session_reads


@pytest.fixture
def drsk(utility: UtilityProfile) -> UtilityProfile:
    utility.connections_enabled = True
    utility.save()
    return utility


def act(application: ConnectionApplication, action: str) -> str:
    return reverse("admin:connections_connectionapplication_act", args=[application.pk, action])


def test_the_queue_shows_submitted_not_drafts(client, drsk, household: Household) -> None:
    sent = filled_application(household.user)
    draft = filled_application(household.user, submit=False)
    back_office_login(client, engineer())
    page = client.get(
        reverse("admin:connections_connectionapplication_changelist") + "?stage__exact=submitted"
    )
    assert sent.number in page.content.decode()
    assert draft.number not in page.content.decode()


def test_staff_without_the_permission_cannot_act(client, drsk, household, staff) -> None:
    application = filled_application(household.user)
    staff.user_permissions.add(Permission.objects.get(codename="view_connectionapplication"))
    back_office_login(client, staff)
    change = client.get(
        reverse("admin:connections_connectionapplication_change", args=[application.pk])
    )
    assert change.status_code == 200 and not change.context["connection_actions"]
    response = client.post(act(application, "register"), {"registration_number": "X"})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.stage == Stage.SUBMITTED


def test_register_return_issue_sign_pay_complete(
    client, drsk, household: Household, django_capture_on_commit_callbacks
) -> None:
    capture = django_capture_on_commit_callbacks
    application = filled_application(household.user)
    staff = engineer()
    back_office_login(client, staff)
    change = client.get(
        reverse("admin:connections_connectionapplication_change", args=[application.pk])
    )
    assert [url for url, _label in change.context["connection_actions"]] == [
        act(application, name) for name in ("register", "return", "issue", "reject")
    ]
    client.post(act(application, "register"), {"registration_number": "ТП-0042/26"})
    application.refresh_from_db()
    assert application.stage == Stage.REGISTERED
    assert application.registration_number == "ТП-0042/26" and application.registered_at

    # a return needs a comment and something named
    empty = client.post(act(application, "return"), {"comment": "x"})
    assert empty.status_code == 200 and empty.context["form"].errors
    client.post(
        act(application, "return"),
        {"comment": "Новий план", "reopen_documents": ["site_plan"]},
    )
    application.refresh_from_db()
    assert application.stage == Stage.RETURNED and application.reopened_documents == ["site_plan"]
    # the applicant sends it again (unchanged here) and it is under review
    services.application_submit(application=application, user=household.user, request=None)  # type: ignore[arg-type]

    client.post(
        act(application, "issue"),
        {
            "kind": "contract",
            "file": pdf_upload("dogovir.pdf", "Contract"),
            "signable": "on",
            "fee_amount": "1250.50",
        },
    )
    application.refresh_from_db()
    assert application.fee_amount == Decimal("1250.50")
    issued = application.issued.get()
    assert issued.document.owner == household.user and issued.document.signable
    client.post(act(application, "next"), {"comment": ""})  # → conditions issued
    client.post(act(application, "next"), {"comment": ""})  # → awaiting signature
    application.refresh_from_db()
    assert application.stage == Stage.AWAITING_SIGNATURE
    # payment cannot be recorded before it is due
    assert client.post(act(application, "payment"), {"payment_reference": "P"}).status_code == 403

    # the applicant signs with the SMS code (through the service; the views have their tests)
    from kabinet.documents.services import document_sign_start

    from .helpers import request_for

    request = request_for(household.user)
    with capture(execute=True):
        document_sign_start(document=issued.document, user=household.user, request=request)  # type: ignore[arg-type]
    assert services.connection_document_sign(
        application=application,
        issued=issued,
        user=household.user,
        code=last_code(str(household.user.phone)),
        request=request,  # type: ignore[arg-type]
    )
    application.refresh_from_db()
    assert application.stage == Stage.AWAITING_PAYMENT

    client.post(act(application, "payment"), {"payment_reference": "ПП-77"})
    application.refresh_from_db()
    assert application.stage == Stage.WORKS and application.payment_reference == "ПП-77"
    # the same confirmation again (a replayed callback) changes nothing
    services.connection_payment_confirmed(application=application, payment_reference="ПП-77")
    assert application.events.filter(stage=Stage.WORKS).count() == 1

    client.post(act(application, "next"), {"comment": ""})  # → acceptance act issued
    client.post(act(application, "next"), {"comment": "Підключено"})  # → completed
    application.refresh_from_db()
    assert application.stage == Stage.COMPLETED
    stages = [e.stage for e in application.events.all()]
    assert stages == [
        "draft", "submitted", "registered", "returned", "under_review", "conditions_issued",
        "awaiting_signature", "awaiting_payment", "works", "acceptance_issued", "completed",
    ]  # fmt: skip
    audited = AuditEvent.objects.filter(object_id=str(application.pk), action="connection.stage")
    assert audited.count() == len(stages) - 1
    assert audited.filter(actor=staff).count() == 7


def test_payment_with_a_wrong_amount_is_refused(drsk, household: Household) -> None:
    application = filled_application(household.user)
    ConnectionApplication.objects.filter(pk=application.pk).update(
        stage=Stage.AWAITING_PAYMENT, fee_amount=Decimal("100.00")
    )
    with pytest.raises(services.StageError):
        services.connection_payment_confirmed(
            application=application, payment_reference="X", amount=Decimal("99.99")
        )
    services.connection_payment_confirmed(
        application=application, payment_reference="X", amount=Decimal("100.00")
    )
    application.refresh_from_db()
    assert application.stage == Stage.WORKS


def test_reject_with_a_reason(client, drsk, household: Household) -> None:
    household.user.email = "olena@example.com"
    household.user.save()
    application = filled_application(household.user)
    back_office_login(client, engineer())
    client.post(act(application, "reject"), {"reason": "Об'єкт поза зоною обслуговування"})
    application.refresh_from_db()
    assert application.stage == Stage.REJECTED
    assert application.rejection_reason.startswith("Об'єкт")
    # told by e-mail and SMS, with the reason
    notices = OutboxMessage.objects.filter(purpose="connection_stage").order_by("pk")
    email = notices.filter(channel="email").last()
    assert email is not None and "поза зоною" in email.text
    assert email.recipient == "olena@example.com" and application.number in email.subject
    assert notices.filter(channel="sms", recipient=household.user.phone).count() == 2


def test_staff_reads_the_applicants_files_only_with_the_permission(
    client, drsk, household, staff
) -> None:
    application = filled_application(household.user)
    document = application.documents.first()
    assert document is not None
    url = reverse(
        "admin:connections_connectionapplication_file", args=[application.pk, document.document_id]
    )
    back_office_login(client, staff)
    assert client.get(url).status_code in (302, 403)
    back_office_login(client, engineer())
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("size", [1, 5])
def test_the_change_page_query_count_does_not_grow(
    client, drsk, household: Household, django_assert_num_queries, size: int
) -> None:
    application = filled_application(household.user)
    staff = engineer()
    back_office_login(client, staff)
    services.application_register(
        application=application, staff=staff, registration_number="R", request=None
    )
    for _ in range(size):
        services.application_document_issue(
            application=application,
            staff=staff,
            kind="invoice",
            upload=pdf_upload(),
            content_type="application/pdf",
            signable=False,
            fee_amount=None,
            request=None,
        )
    for _ in range(min(size, 3)):  # registered → … → awaiting signature
        services.application_stage_next(
            application=application, staff=staff, comment="", request=None
        )
    url = reverse("admin:connections_connectionapplication_change", args=[application.pk])
    assert client.get(url).status_code == 200
    with django_assert_num_queries(14 + session_reads()):
        client.get(url)


def test_the_engineer_sees_stages_files_signatures_and_versions(client, drsk, household) -> None:
    application = filled_application(household.user)
    back_office_login(client, engineer())
    page = client.get(
        reverse("admin:connections_connectionapplication_change", args=[application.pk])
    ).content.decode()
    assert "land_title.pdf" in page and "site_plan.pdf" in page
    assert '"max_power_kw": "15.00"' in page or "15.00" in page
    assert (
        reverse(
            "admin:connections_connectionapplication_file",
            args=[application.pk, application.documents.first().document_id],  # type: ignore[union-attr]
        )
        in page
    )
