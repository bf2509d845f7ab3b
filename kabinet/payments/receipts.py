"""The account's payments: recorded ones and online orders, with a PDF receipt of each paid one."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from kabinet.billing.models import Payment
from kabinet.customers.selectors import link_for, links_with_current
from kabinet.documents.cache import cached_pdf
from kabinet.documents.pdf.base import Payee
from kabinet.documents.pdf.documents import receipt_pdf
from kabinet.documents.pdf_views import pdf_response
from kabinet.documents.sources import receipt_data
from kabinet.identity.models import User

from .access import contract_for
from .models import OrderStatus, PaymentOrder
from .selectors import recent_orders

RECENT = 24


@login_required
@require_safe
def receipts(request: HttpRequest, pk: int) -> HttpResponse:
    links, current = links_with_current(cast(User, request.user), pk)
    account = current.account
    orders = recent_orders(account_id=account.pk, count=RECENT)
    payments = list(
        Payment.objects.filter(account=account, online_order__isnull=True).order_by(
            "-paid_on", "-id"
        )[:RECENT]
    )
    return render(
        request,
        "payments/receipts.html",
        {
            "links": links,
            "current": current,
            "account": account,
            "orders": orders,
            "payments": payments,
        },
    )


@login_required
@require_safe
def receipt(request: HttpRequest, order_id: str) -> HttpResponse:
    """The receipt of a paid order, to whoever holds its account or made it; 404 otherwise."""
    user = cast(User, request.user)
    order = (
        PaymentOrder.objects.select_related(
            "account__customer",
            "account__building__street__settlement",
            "account__apartment",
            "contract__customer",
        )
        .filter(order_id=order_id, status=OrderStatus.SUCCESS)
        .first()
    )
    if order is None:
        raise Http404
    if order.user_id != user.pk:
        if order.account_id:
            link_for(user, order.account_id)  # 404 unless the user holds the account
        else:
            contract_for(user, cast(int, order.contract_id))  # 404 unless theirs
    language = get_language() or "uk"
    content = cached_pdf(
        f"receipt:{order.order_id}:{language}",
        lambda: receipt_pdf(receipt_data(order), payee=Payee.current(), language=language),
    )
    return pdf_response(content, f"receipt-{order.order_id}.pdf")


urlpatterns: list[URLPattern] = [
    path("cabinet/accounts/<int:pk>/payments/", receipts, name="receipts"),
    path("cabinet/payments/<str:order_id>/receipt.pdf", receipt, name="receipt_pdf"),
]
