"""Ordering the utility's services online (DTEK): the catalogue staff keep in the back office,
an order for one of the user's accounts or service points with the service's required
fields, the user's orders with their status and the utility's answer. A priced order is paid
through the payments flow (the `order_payment` block of service_order.html and
services.service_order_paid)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.core.queries import any_of
from kabinet.core.ratelimit import Throttle
from kabinet.identity.models import User

from . import roles, services
from .dashboard import CURRENCY_SIGNS
from .models import Account, ServiceKind, ServiceOrder, ServicePoint
from .selectors import links_for

# An order lands in the service centre's queue: a generous limit that stops a script.
ORDERS_PER_USER = Throttle("service-orders-user", limit=30, window=3600)


def targets_for(user: User, kind: ServiceKind) -> list[tuple[str, str, Account | ServicePoint]]:
    """What the user may order `kind` for: (value, label, object). Two queries."""
    links = list(links_for(user))
    accounts = [link.account for link in links]
    options: list[tuple[str, str, Account | ServicePoint]] = []
    if kind.target in (ServiceKind.Target.ACCOUNT, ServiceKind.Target.ANY):
        for account in accounts:
            label = f"{account.number} · {account.get_service_display()} · {account.address_line()}"
            options.append((f"a{account.pk}", label, account))
    if kind.target in (ServiceKind.Target.SERVICE_POINT, ServiceKind.Target.ANY):
        points = ServicePoint.objects.filter(
            any_of(
                ServicePoint.objects.filter(account__in=accounts),
                ServicePoint.objects.filter(contract__customer_id=user.customer_id or 0),
            )
        ).select_related("contract__customer")
        for point in points:
            options.append(
                (f"s{point.pk}", f"{point.code} · {point.name} · {point.address}", point)
            )
    return options


class OrderForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("For"))
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, max_length=2000, widget=forms.Textarea
    )
    required_css_class = "required"
    error_css_class = "has-error"

    def __init__(self, *args: Any, kind: ServiceKind, targets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = {value: obj for value, _label, obj in targets}
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [(value, label) for value, label, _obj in targets]
        if kind.target == ServiceKind.Target.SERVICE_POINT:
            target.label = gettext_lazy("Service point")
        elif kind.target == ServiceKind.Target.ACCOUNT:
            target.label = gettext_lazy("Personal account")
        # Kept under the Ukrainian labels, shown in the customer's language.
        shown = kind.shown_labels()
        self.labels = list(shown)
        for index, label in enumerate(self.labels):
            self.fields[f"field_{index}"] = forms.CharField(label=shown[label], max_length=300)
        self.order_fields(["target", *[f"field_{i}" for i in range(len(self.labels))], "comment"])

    def details(self) -> dict[str, str]:
        return {label: self.cleaned_data[f"field_{i}"] for i, label in enumerate(self.labels)}


def _currency() -> str:
    from kabinet.core.models import UtilityProfile

    profile = UtilityProfile.get()
    return str(CURRENCY_SIGNS.get(profile.currency, profile.currency))


@login_required
def service_catalogue(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    kinds = list(ServiceKind.objects.filter(is_active=True))
    return render(
        request,
        "customers/service_catalogue.html",
        {
            "links": list(links_for(user)),
            "current": None,
            "kinds": kinds,
            "currency": _currency(),
        },
    )


@login_required
def service_order_new(request: HttpRequest, kind_pk: int) -> HttpResponse:
    user = cast(User, request.user)
    kind = ServiceKind.objects.filter(pk=kind_pk, is_active=True).first()
    if kind is None:
        raise Http404
    targets = targets_for(user, kind)
    form = OrderForm(request.POST or None, kind=kind, targets=targets)
    if request.method == "POST" and form.is_valid():
        target = form.targets[form.cleaned_data["target"]]
        if not roles.can(user, target, roles.ORDER):
            form.add_error(None, _("Your role does not allow ordering services."))
        elif not ORDERS_PER_USER.hit(str(user.pk)):
            form.add_error(None, _("Too many attempts, try again later."))
        else:
            account = target if isinstance(target, Account) else None
            point = target if isinstance(target, ServicePoint) else None
            customer = account.customer if account else point.contract.customer  # type: ignore[union-attr]
            order = services.service_order_place(
                kind=kind,
                customer=customer,
                account=account,
                service_point=point,
                details=form.details(),
                comment=form.cleaned_data["comment"],
                request=request,
            )
            messages.success(request, _("The order has been sent to the utility."))
            return redirect("customers:service_order", order.pk)
    return render(
        request,
        "customers/service_order_new.html",
        {
            "links": list(links_for(user)),
            "current": None,
            "kind": kind,
            "form": form,
            "currency": _currency(),
        },
    )


def orders_for(user: User) -> Any:
    """The orders the user may see: those for the accounts in their list and, for a
    company's user, every order of the company."""
    visible = Q(account__links__user=user)
    if user.customer_id and user.kind and user.kind != "individual":
        visible |= Q(customer_id=user.customer_id)
    return (
        ServiceOrder.objects.filter(visible)
        .distinct()
        .select_related(
            "kind",
            "customer",
            "account__customer",
            "service_point__contract__customer",
            "ordered_by",
        )
    )


@login_required
def service_order_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    return render(
        request,
        "customers/service_orders.html",
        {
            "links": list(links_for(user)),
            "current": None,
            "orders": list(orders_for(user)),
            "currency": _currency(),
        },
    )


def _order(request: HttpRequest, pk: int) -> ServiceOrder:
    order = orders_for(cast(User, request.user)).filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


@login_required
def service_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    order = _order(request, pk)
    target = order.account or order.service_point
    return render(
        request,
        "customers/service_order.html",
        {
            "links": list(links_for(user)),
            "current": None,
            "order": order,
            "can_pay": order.needs_payment
            and target is not None
            and roles.can(user, target, roles.PAY),
            "can_cancel": order.status == ServiceOrder.Status.NEW
            and target is not None
            and roles.can(user, target, roles.ORDER),
            "currency": _currency(),
        },
    )


@login_required
@require_POST
def service_order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    order = _order(request, pk)
    target = order.account or order.service_point
    if (
        order.status != ServiceOrder.Status.NEW
        or target is None
        or not roles.can(user, target, roles.ORDER)
    ):
        messages.error(request, _("This order cannot be cancelled."))
    else:
        services.service_order_cancel(order=order, request=request)
        messages.success(request, _("The order has been cancelled."))
    return redirect("customers:service_order", order.pk)


urlpatterns: list[URLPattern] = [
    path("services/", service_catalogue, name="service_catalogue"),
    path("services/<int:kind_pk>/order/", service_order_new, name="service_order_new"),
    path("orders/", service_order_list, name="service_orders"),
    path("orders/<int:pk>/", service_order_detail, name="service_order"),
    path("orders/<int:pk>/cancel/", service_order_cancel, name="service_order_cancel"),
]
