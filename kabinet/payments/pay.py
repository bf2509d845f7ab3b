"""Paying: the household's Pay page, a contract's payment page, the checkout hand-off, the
order's status page the provider sends the customer back to."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.billing.models import Invoice
from kabinet.billing.selectors import contract_invoices
from kabinet.core.models import UtilityProfile
from kabinet.customers import roles
from kabinet.customers.selectors import links_for, links_with_current
from kabinet.customers.service_orders import orders_for
from kabinet.identity.models import User

from .access import contract_for, require_pay
from .debts import account_debt, contract_debt
from .forms import ContractPayForm, PayForm
from .models import OrderStatus, PaymentOrder, PaymentRules
from .providers import Checkout, ProviderUnavailable
from .services import payment_order_create, payment_order_start

# The hosted pages the pay forms may lead to (CSP form-action also governs redirects).
PROVIDER_ORIGINS = {
    "liqpay": ["https://www.liqpay.ua"],
    "yookassa": ["https://yoomoney.ru", "https://yookassa.ru"],
}


def allow_providers(view: Any) -> Any:
    """Let the page's forms lead to the enabled providers' hosted pages (CSP form-action also
    governs the redirect after a form is posted); django-csp reads `_csp_update`."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        origins = [o for code in settings.PAYMENT_PROVIDERS for o in PROVIDER_ORIGINS.get(code, [])]
        if origins:
            response._csp_update = {"form-action": origins}
        return response

    return wrapped


def checkout(request: HttpRequest, order: PaymentOrder) -> HttpResponse:
    """Start the order at its provider and send the customer there."""
    # Real providers get addresses built from SITE_URL, never from the Host header; the local
    # sandbox calls back the very server the customer is on (the demo, the browser tests).
    if order.provider == "sandbox":
        base = request.build_absolute_uri("/").rstrip("/")
    else:
        base = settings.SITE_URL
    status_url = base + reverse("payments:order", args=[order.order_id])
    callback = base + reverse("payments:callback", args=[order.provider])
    try:
        checkout: Checkout = payment_order_start(
            order=order, return_url=status_url, callback_url=callback, request=request
        )
    except ProviderUnavailable:
        return redirect("payments:order", order.order_id)
    if checkout.fields:
        return render(request, "payments/checkout.html", {"checkout": checkout, "order": order})
    return redirect(checkout.url)


@login_required
@allow_providers
def account_pay(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    links, current = links_with_current(user, pk)
    account = current.account
    require_pay(user, account)
    rules = PaymentRules.get()
    debt = account_debt(account, rules=rules, today=timezone.localdate())
    form = PayForm(request.POST or None, rules=rules, debt=debt.payable)
    available = UtilityProfile.get().payments_enabled and bool(rules.enabled_providers())
    if request.method == "POST" and available and debt.payable > 0 and form.is_valid():
        try:
            order = payment_order_create(
                user=user,
                amount=form.cleaned_data["amount"],
                account=account,
                purpose=_("Payment for %(service)s, account %(number)s")
                % {"service": account.get_service_display(), "number": account.number},
                provider=form.cleaned_data["provider"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return checkout(request, order)
    return render(
        request,
        "payments/account_pay.html",
        {
            "links": links,
            "current": current,
            "account": account,
            "form": form,
            "debt": debt,
            "rules": rules,
            "available": available,
        },
    )


def _invoice_initial(contract_pk: int, invoice_pk: str | None) -> tuple[Invoice | None, dict]:
    if not invoice_pk or not invoice_pk.isdigit():
        return None, {}
    # the contract's own invoices and its accounts' (as the Invoices tab lists them)
    invoice = contract_invoices(contract_pk).filter(pk=int(invoice_pk)).first()
    if invoice is None:
        raise Http404
    return invoice, {
        "amount": invoice.amount,
        "invoice_number": invoice.number,
        "period": f"{invoice.period:%m.%Y}",
    }


@login_required
@allow_providers
def contract_pay(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    contract = contract_for(user, pk, action=roles.PAY)
    rules = PaymentRules.get()
    debt = contract_debt(contract, rules=rules, today=timezone.localdate())
    invoice, initial = _invoice_initial(contract.pk, request.GET.get("invoice"))
    points = list(contract.service_points.values_list("code", flat=True)[:2])
    initial.setdefault("service", contract.title)
    if len(points) == 1:
        initial.setdefault("subscriber", points[0])
    amount = initial.pop("amount", debt.payable)
    form = ContractPayForm(request.POST or None, rules=rules, debt=amount, initial=initial)
    available = UtilityProfile.get().payments_enabled and bool(rules.enabled_providers())
    if request.method == "POST" and available and form.is_valid():
        try:
            order = payment_order_create(
                user=user,
                amount=form.cleaned_data["amount"],
                contract=contract,
                purpose=_("Payment under contract %(number)s") % {"number": contract.number},
                comment=form.comment(),
                provider=form.cleaned_data["provider"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return checkout(request, order)
    return render(
        request,
        "payments/contract_pay.html",
        {
            "links": list(links_for(user)),
            "current": None,
            "contract": contract,
            "form": form,
            "debt": debt,
            "invoice": invoice,
            "available": available,
        },
    )


def _own_order(request: HttpRequest, order_id: str) -> PaymentOrder:
    return get_object_or_404(
        PaymentOrder.objects.select_related("account", "contract"),
        order_id=order_id,
        user=request.user,
    )


@login_required
def order(request: HttpRequest, order_id: str) -> HttpResponse:
    """Where the provider sends the customer back: the order's real status, as recorded."""
    found = _own_order(request, order_id)
    return render(
        request,
        "payments/order.html",
        {
            "links": list(links_for(cast(User, request.user))),
            "current": None,
            "order": found,
            "waiting": found.status in (OrderStatus.CREATED, OrderStatus.PENDING),
        },
    )


@login_required
@require_POST
@allow_providers
def order_retry(request: HttpRequest, order_id: str) -> HttpResponse:
    """Try the provider again for an order it could not start (it was down)."""
    found = _own_order(request, order_id)
    if found.status != OrderStatus.CREATED:
        return redirect("payments:order", found.order_id)
    return checkout(request, found)


@login_required
@require_POST
@allow_providers
def service_order_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay a priced service order (DTEK's online services) through the same flow."""
    user = cast(User, request.user)
    found = orders_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    target = found.account or found.service_point
    if target is None or not roles.can(user, target, roles.PAY):
        raise PermissionDenied
    if not found.needs_payment or not UtilityProfile.get().payments_enabled:
        messages.error(request, _("This order has nothing to pay now."))
        return redirect("customers:service_order", found.pk)
    try:
        payment = payment_order_create(
            user=user,
            amount=cast(Decimal, found.price),
            domain="service_order",
            reference=str(found.pk),
            purpose=_("Service order №%(number)s: %(title)s")
            % {"number": found.pk, "title": found.kind.title},
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("customers:service_order", found.pk)
    return checkout(request, payment)


urlpatterns: list[URLPattern] = [
    path("cabinet/accounts/<int:pk>/pay/", account_pay, name="account_pay"),
    path("cabinet/orders/<int:pk>/pay/", service_order_pay, name="service_order_pay"),
    path("cabinet/contracts/<int:pk>/pay/", contract_pay, name="contract_pay"),
    path("cabinet/payments/<str:order_id>/", order, name="order"),
    path("cabinet/payments/<str:order_id>/retry/", order_retry, name="order_retry"),
]
