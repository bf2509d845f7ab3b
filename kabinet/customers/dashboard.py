"""The chosen account's dashboard: the last month's figures, debt or credit, payments, news."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from kabinet.billing import selectors as billing
from kabinet.billing.charts import format_volume
from kabinet.core.models import Announcement, UtilityProfile
from kabinet.identity.models import User

from . import roles
from .selectors import links_with_current

# The same words as kabinet.core.money.format_money's, so the catalogues already have them.
CURRENCY_SIGNS = {"UAH": _("UAH"), "RUB": _("RUB")}


def balance_state(closing: Decimal | None) -> str:
    """The closing balance read as a debt (positive), a credit (negative, prepaid) or none."""
    if closing is None or closing == 0:
        return "none"
    return "debt" if closing > 0 else "credit"


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    links, current = links_with_current(user, pk)
    account = current.account
    statement = billing.last_statement(account)
    state = balance_state(statement.closing_balance if statement else None)
    profile = UtilityProfile.get()
    allowed = roles.allowed_on_linked_account(user, account)
    can_submit_reading = (
        profile.readings_enabled
        and account.service not in profile.readings_not_accepted_services
        and roles.SUBMIT_READINGS in allowed
    )
    return render(
        request,
        "customers/dashboard.html",
        {
            "links": links,
            "current": current,
            "account": account,
            "statement": statement,
            "state": state,
            "volume": format_volume(statement.volume) if statement else "",
            "amount": abs(statement.closing_balance) if statement else Decimal(0),
            "payments": billing.last_payments(account),
            "announcements": Announcement.shown(
                on="dashboard", branch_ids={account.building.street.settlement.branch_id}, limit=5
            ),
            "currency": str(CURRENCY_SIGNS.get(profile.currency, profile.currency)),
            "can_pay": profile.payments_enabled and state == "debt" and roles.PAY in allowed,
            "can_submit_reading": can_submit_reading,
        },
    )


urlpatterns: list[URLPattern] = [
    path("accounts/<int:pk>/", dashboard, name="dashboard"),
]
