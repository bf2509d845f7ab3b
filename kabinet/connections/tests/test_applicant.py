"""The applicant's side: the stepwise form with drafts, documents, sending, the timeline,
correcting a returned application with versions kept, and “not yours → 404”."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from kabinet.core.models import AuditEvent, UtilityProfile
from kabinet.core.testing import Household
from kabinet.notify.models import OutboxMessage

from .. import services
from ..models import ConnectionApplication, Stage
from .helpers import (
    engineer,
    filled_application,
    pdf_upload,
    request_for,
    session_reads,
    shared_cache_reads,
)


@pytest.fixture
def drsk(utility: UtilityProfile) -> UtilityProfile:
    utility.connections_enabled = True
    utility.save()
    return utility


def test_switched_off_feature_is_not_found(client, utility, household: Household) -> None:
    client.force_login(household.user)
    assert client.get(reverse("connections:list")).status_code == 404


def test_stepwise_form_keeps_a_draft_at_every_step(client, drsk, household: Household) -> None:
    client.force_login(household.user)
    response = client.post(reverse("connections:new"))
    application = ConnectionApplication.objects.get()
    assert response["Location"] == reverse("connections:step", args=[application.pk, "applicant"])
    assert application.stage == Stage.DRAFT

    page = client.get(response["Location"])
    assert page["Cache-Control"].count("no-store")
    assert b'for="id_applicant_name" class="required"' in page.content  # required is marked
    assert b'id="id_contact_phone_helptext"' in page.content  # and explained

    # a wrong phone: a message next to the field, nothing typed is lost
    bad = client.post(
        response["Location"],
        {
            "applicant_kind": "individual",
            "applicant_name": "Коваленко Олена",
            "contact_name": "Олена",
            "contact_phone": "12",
        },
    )
    assert bad.status_code == 200
    assert "Коваленко Олена" in bad.content.decode()
    assert 'aria-invalid="true"' in bad.content.decode()
    application.refresh_from_db()
    assert application.contact_phone == household.user.phone or application.contact_phone == ""

    good = client.post(
        response["Location"],
        {
            "applicant_kind": "individual",
            "applicant_name": "Коваленко Олена",
            "contact_name": "Олена",
            "contact_phone": "050 111 22 33",
        },
    )
    assert good["Location"] == reverse("connections:step", args=[application.pk, "object"])
    application.refresh_from_db()
    assert application.applicant_name == "Коваленко Олена"
    assert application.contact_phone == "+380501112233"

    client.post(
        good["Location"],
        {"object_name": "Будинок", "object_address": "вул. Польова, 3", "purpose": "Побут"},
    )
    past = client.post(
        reverse("connections:step", args=[application.pk, "power"]),
        {
            "connection_type": "increase",
            "max_power_kw": "15",
            "voltage": "0.4",
            "reliability": "3",
            "planned_date": "2001-01-01",
        },
    )
    text = past.content.decode()
    assert "Choose a date from today on." in text or "від сьогодні" in text
    assert 'name="existing_power_kw"' in text and past.status_code == 200
    application.refresh_from_db()
    assert application.object_name == "Будинок" and application.max_power_kw is None

    # the review names what is missing, and sending is refused
    review = client.get(reverse("connections:review", args=[application.pk]))
    assert review.context["missing"]
    client.post(reverse("connections:review", args=[application.pk]))
    application.refresh_from_db()
    assert application.stage == Stage.DRAFT


def test_documents_are_checked_and_the_application_is_sent(
    client, drsk, household: Household
) -> None:
    application = filled_application(household.user, submit=False)
    client.force_login(household.user)
    url = reverse("connections:documents", args=[application.pk])
    fake = client.post(
        url, {"power_of_attorney": pdf_upload("x.pdf").__class__("x.pdf", b"MZ\x90\x00evil")}
    )
    assert fake.status_code == 200 and fake.context["form"].errors["power_of_attorney"]
    response = client.post(reverse("connections:review", args=[application.pk]))
    assert response["Location"] == reverse("connections:detail", args=[application.pk])
    application.refresh_from_db()
    assert application.stage == Stage.SUBMITTED and application.version == 1
    version = application.versions.get()
    assert {d["kind"] for d in version.data["documents"]} == {"land_title", "site_plan"}
    assert version.data["max_power_kw"] == "15.00"
    assert AuditEvent.objects.filter(action="connection.stage", object_id=str(application.pk))
    # the applicant is told, by e-mail and SMS
    sent = OutboxMessage.objects.filter(purpose="connection_stage")
    assert {m.recipient for m in sent} == {household.user.phone}
    with translation.override("uk"):
        assert str(Stage.SUBMITTED.label) in sent.get().text
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert [row.state for row in detail.context["timeline"]][:2] == ["current", "ahead"]
    assert detail.context["application"].utility_due() > timezone.now()


def test_returned_application_reopens_only_the_named_parts_and_keeps_versions(
    client, drsk, household: Household
) -> None:
    application = filled_application(household.user)
    staff = engineer()
    services.application_register(
        application=application, staff=staff, registration_number="ТП-1/26", request=None
    )
    services.application_return(
        application=application,
        staff=staff,
        comment="Уточніть потужність і додайте новий план.",
        fields=["max_power_kw"],
        documents=["site_plan"],
        request=None,
    )
    client.force_login(household.user)
    url = reverse("connections:step", args=[application.pk, "power"])
    page = client.get(url)
    assert page.context["form"].fields["max_power_kw"].disabled is False
    assert page.context["form"].fields["voltage"].disabled is True
    assert "Уточніть потужність" in page.content.decode()
    client.post(
        url,
        {
            "connection_type": "new",
            "max_power_kw": "25",
            "voltage": "110",  # not reopened: ignored
            "reliability": "3",
            "planned_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
    )
    object_step = client.post(
        reverse("connections:step", args=[application.pk, "object"]),
        {"object_name": "Інше", "object_address": "Інша", "purpose": "Інше"},
    )
    assert object_step.status_code == 302
    documents = client.get(reverse("connections:documents", args=[application.pk]))
    assert set(documents.context["form"].fields) == {"site_plan"}
    client.post(
        reverse("connections:documents", args=[application.pk]),
        {"site_plan": pdf_upload("plan-2.pdf", "new plan")},
    )
    client.post(reverse("connections:review", args=[application.pk]))
    application.refresh_from_db()
    assert application.stage == Stage.UNDER_REVIEW  # it was registered: back to the review
    assert application.max_power_kw == 25 and application.voltage == "0.4"
    assert application.object_name == "Житловий будинок"
    first, second = application.versions.all()
    assert (first.data["max_power_kw"], second.data["max_power_kw"]) == ("15.00", "25.00")
    plans = application.documents.filter(kind="site_plan")
    assert [d.superseded for d in plans] == [True, False]  # the old file is kept
    assert application.reopened_fields == []


def test_another_customer_gets_404_everywhere(
    client, drsk, household: Household, outsider: Household
) -> None:
    application = filled_application(household.user)
    document = application.documents.first()
    assert document is not None
    client.force_login(outsider.user)
    for url in (
        reverse("connections:detail", args=[application.pk]),
        reverse("connections:step", args=[application.pk, "applicant"]),
        reverse("connections:documents", args=[application.pk]),
        reverse("connections:review", args=[application.pk]),
        reverse("documents:download", args=[document.document_id]),
        reverse("documents:read", args=[document.document_id]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_submitted_application_cannot_be_edited(client, drsk, household: Household) -> None:
    application = filled_application(household.user)
    client.force_login(household.user)
    response = client.post(
        reverse("connections:step", args=[application.pk, "object"]),
        {"object_name": "Змінено", "object_address": "x", "purpose": "x"},
    )
    assert response["Location"] == reverse("connections:detail", args=[application.pk])
    application.refresh_from_db()
    assert application.object_name == "Житловий будинок"
    with pytest.raises(services.StageError):
        services.application_fields_save(
            application=application,
            user=household.user,
            data={"object_name": "x"},
            request=request_for(household.user),  # type: ignore[arg-type]
        )


@pytest.mark.parametrize("count", [1, 6])
def test_pages_query_counts_do_not_grow(
    client, drsk, household: Household, django_assert_num_queries, count: int
) -> None:
    applications = [filled_application(household.user) for _ in range(count)]
    staff = engineer()
    for application in applications:
        services.application_register(
            application=application, staff=staff, registration_number="R", request=None
        )
        for kind in ("conditions", "contract")[: 1 if count == 1 else 2]:
            services.application_document_issue(
                application=application,
                staff=staff,
                kind=kind,
                upload=pdf_upload(),
                content_type="application/pdf",
                signable=True,
                fee_amount=None,
                request=None,
            )
    client.force_login(household.user)
    client.get(reverse("connections:list"))  # warm the session
    # the user, the applications; the session and the profile where they are database reads
    with django_assert_num_queries(2 + session_reads() + shared_cache_reads()):
        client.get(reverse("connections:list"))
    with django_assert_num_queries(7 + session_reads() + shared_cache_reads()):
        client.get(reverse("connections:detail", args=[applications[0].pk]))
    assert OutboxMessage.objects.filter(purpose="connection_stage").count() == 2 * count
