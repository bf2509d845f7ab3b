"""The data of each document, read from billing and payments in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.utils.translation import gettext as _

from kabinet.billing.models import Invoice, Statement
from kabinet.billing.reconciliation import reconciliation_for
from kabinet.core.periods import add_months
from kabinet.customers.models import Account, Contract, Customer
from kabinet.identity.models import User

if TYPE_CHECKING:
    from kabinet.payments.models import PaymentOrder

from .pdf.documents import InvoiceData, InvoiceLine, ReceiptData, ReconciliationData, StatementRow


def tax_id(customer: Customer) -> str:
    return customer.edrpou or customer.inn or customer.rnokpp


def receipt_data(order: PaymentOrder) -> ReceiptData:
    from kabinet.payments.providers import PROVIDER_LABELS

    account, contract = order.account, order.contract
    customer: Customer | None
    if account is not None:
        subject = _("Personal account %(number)s") % {"number": account.number}
        customer, address = account.customer, account.address_line()
    elif contract is not None:
        subject = _("Contract %(number)s") % {"number": contract.number}
        customer, address = contract.customer, contract.address
    else:  # another domain's order (a connection fee): the payer is the user
        subject, address = order.purpose, ""
        customer = cast(User, order.user).customer
    return ReceiptData(
        order_id=order.order_id,
        transaction_id=order.transaction_id,
        provider=str(PROVIDER_LABELS.get(order.provider, order.provider)),
        paid_at=order.paid_at or order.updated_at,
        amount=order.amount,
        currency=order.currency,
        payer=customer.name if customer else order.user.get_full_name() or str(order.user),
        subject=subject,
        address=address,
        purpose=order.purpose,
        comment=order.comment,
    )


def month_invoice_data(account: Account, statement: Statement) -> InvoiceData:
    """A household's invoice-receipt for one month, from its statement."""
    service = account.get_service_display()
    return InvoiceData(
        number=f"{account.number}-{statement.period:%Y%m}",
        period=statement.period,
        issued_on=statement.as_of.date(),
        due_on=add_months(statement.period, 2) - dt.timedelta(days=1),
        payer=account.customer.name,
        payer_tax_id="",
        subject=_("Personal account %(number)s") % {"number": account.number},
        address=account.address_line(),
        account_number=account.number,
        lines=[
            InvoiceLine(
                description=str(service),
                volume=statement.volume,
                unit=account.unit,
                tariff=statement.tariff,
                amount=statement.charged,
            )
        ],
        opening_balance=statement.opening_balance,
        paid=statement.paid,
        to_pay=max(statement.closing_balance, Decimal(0)),
        household=True,
    )


def contract_invoice_data(invoice: Invoice, contract: Contract) -> InvoiceData:
    """A contract's invoice as billing issued it, with the month's charges of its accounts."""
    statements = list(
        Statement.objects.filter(account__contract=contract, period=invoice.period)
        .select_related("account")
        .order_by("account__number")
    )
    lines = [
        InvoiceLine(
            description=f"{s.account.get_service_display()}, {s.account.number}",
            volume=s.volume,
            unit=s.account.unit,
            tariff=s.tariff,
            amount=s.charged,
        )
        for s in statements
    ]
    charged = sum((line.amount for line in lines), Decimal(0))
    if not lines or charged != invoice.amount:
        lines = [InvoiceLine(contract.title, None, "", None, invoice.amount)]
    return InvoiceData(
        number=invoice.number,
        period=invoice.period,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        payer=contract.customer.name,
        payer_tax_id=tax_id(contract.customer),
        subject=_("Contract %(number)s “%(title)s”")
        % {
            "number": contract.number,
            "title": contract.title,
        },
        address=contract.address,
        account_number=contract.number,
        lines=lines,
        opening_balance=None,
        paid=None,
        to_pay=invoice.amount,
    )


def reconciliation_data(
    *, accounts: list[int], customer: Customer, subject: str, start: dt.date, end: dt.date
) -> ReconciliationData:
    """The same statement as the contract's Balance tab (billing.reconciliation), laid out
    for the PDF: from `start`'s month to `end`'s month (3 queries)."""
    statement = reconciliation_for(
        accounts=Account.objects.filter(pk__in=accounts), start=start, end=end
    )
    rows = [
        StatementRow(
            day=entry.day,
            description=(
                _("Charges for %(period)s") % {"period": f"{entry.day:%m.%Y}"}
                if entry.is_charge
                else _("Payment (%(channel)s)") % {"channel": entry.channel}
            ),
            charged=entry.charged,
            paid=entry.paid,
        )
        for entry in statement.entries
    ]
    return ReconciliationData(
        customer=customer.name,
        customer_tax_id=tax_id(customer),
        subject=subject,
        start=statement.start,
        end=statement.end,
        opening_balance=statement.opening,
        rows=rows,
    )
