"""A sweep of every customer URL that names an object: a user of company A gets 404 for each
of company B's objects, by GET and by POST; a URL added later without an entry here fails."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.urls import URLPattern, reverse

from kabinet.core import testing
from kabinet.customers import urls
from kabinet.customers.models import CompanyMember, Invitation, Role, ServiceKind, ServiceOrder

from .business_cast import colleague, invoice

# URLs naming no customer's object: the public catalogue's order form and the invitation
# link (its token is the secret; tested in test_company_users).
NOT_CUSTOMER_OBJECTS = {"service_order_new", "invitation_open"}


def objects_of_company_b() -> dict[str, list[int]]:
    b = testing.make_company(name="ТОВ «Б»")
    bill = invoice(period=dt.date(2026, 7, 1), contract=b.contract)
    bill.pdf.save("b.pdf", ContentFile(b"%PDF-1.4 company B"))
    member = CompanyMember.objects.get(user=colleague(b.customer, Role.VIEW))
    invitation = Invitation.objects.create(
        customer=b.customer,
        email="x@b.example.com",
        role=Role.VIEW,
        token_hash="0" * 64,
        expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
    )
    kind = ServiceKind.objects.create(code="copy", name="Копія документа")
    order = ServiceOrder.objects.create(kind=kind, customer=b.customer, account=b.account)
    contract = [b.contract.pk]
    return {
        "dashboard": [b.account.pk],
        "account_rename": [b.account.pk],
        "account_remove": [b.account.pk],
        "contract": contract,
        "contract_subscribers": contract,
        "contract_balance": contract,
        "contract_invoices": contract,
        "contract_invoice": [b.contract.pk, bill.pk],
        "contract_invoice_file": [b.contract.pk, bill.pk],
        "contract_invoice_print": contract,
        "contract_consumption": contract,
        "contract_payment": contract,
        "company_user_role": [member.pk],
        "company_user_remove": [member.pk],
        "invitation_withdraw": [invitation.pk],
        "service_order": [order.pk],
        "service_order_cancel": [order.pk],
    }


def test_every_url_with_an_object_answers_404_to_another_company(client, company):
    b_objects = objects_of_company_b()
    with_args = {
        p.name
        for p in urls.urlpatterns
        if isinstance(p, URLPattern) and p.pattern.converters and p.name
    }
    assert with_args - NOT_CUSTOMER_OBJECTS == set(b_objects), "add the new URL to this sweep"
    client.force_login(company.user)  # company A's administrator
    for name, args in b_objects.items():
        url = reverse(f"customers:{name}", args=args)
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"role": Role.ADMIN}).status_code == 404, url
    assert ServiceOrder.objects.get().status == ServiceOrder.Status.NEW
    assert CompanyMember.objects.get(customer__name="ТОВ «Б»").role == Role.VIEW
    assert not Invitation.objects.get().revoked


def test_lists_show_nothing_of_another_company(client, company):
    objects_of_company_b()
    client.force_login(company.user)
    assert client.get(reverse("customers:contracts")).context["contracts"] == [company.contract]
    rows = client.get(reverse("customers:company_accounts")).context["rows"]
    assert [link.account for link in rows] == [company.account]
    assert client.get(reverse("customers:service_orders")).context["orders"] == []
    members = client.get(reverse("customers:company_users")).context["members"]
    assert [m.pk for m in members] == [company.user.pk]
    activity = client.get(reverse("customers:company_activity")).context["events"]
    assert all(e.customer_id in (None, company.customer.pk) for e in activity)
