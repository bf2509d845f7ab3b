"""Adding a personal account by its address, naming it and removing it from the user's list.

The address is chosen level by level (branch → settlement → street → building → apartment).
Without JavaScript each step is a GET of the same page carrying the choices made so far; with
JavaScript (static customers/address.js) the selects fill themselves from `address_options`.
Linking needs a second fact from the bill — the first letters of the holder's name, or the
amount charged on the last bill, as the utility profile chooses — and failed attempts are
counted per user and per IP (SECURITY.md 17).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.billing.models import Statement
from kabinet.core.audit import audit, client_ip
from kabinet.core.models import (
    Apartment,
    Branch,
    Building,
    LinkFact,
    Settlement,
    Street,
    UtilityProfile,
)
from kabinet.core.ratelimit import Throttle
from kabinet.identity.models import User

from .models import Account, AccountLink
from .selectors import link_for, links_for

# Failed link attempts (wrong number, address or name). An IP may carry a household or an
# office behind NAT, so it gets more room than one user.
FAILURES_PER_USER = Throttle("account-link-user", limit=10, window=3600)
FAILURES_PER_IP = Throttle("account-link-ip", limit=30, window=3600)
# The JSON endpoint behind the selects: generous, it only lists public address names.
OPTIONS_PER_USER = Throttle("address-options-user", limit=600, window=3600)

# A second fact from the bill is always asked for (SECURITY.md 17); the profile picks which.
SURNAME_LETTERS = 3

NOT_FOUND = gettext_lazy(
    "No account with this number at this address for this surname. Check the bill."
)
NOT_FOUND_CHARGE = gettext_lazy(
    "No account with this number at this address and this amount on its last bill. Check the bill."
)
TOO_MANY = gettext_lazy("Too many attempts, try again later.")
BUSINESS = gettext_lazy(
    "This is a business account: ask your organisation's administrator to add you."
)


class LinkRefused(Exception):
    """The account cannot be added; `message` is safe to show to the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


class AlreadyLinked(Exception):
    def __init__(self, link: AccountLink) -> None:
        super().__init__(str(link))
        self.link = link


# --- Services ------------------------------------------------------------------------------------


def _name_starts_with(name: str, letters: str) -> bool:
    letters = letters.strip().casefold()
    return len(letters) >= SURNAME_LETTERS and name.strip().casefold().startswith(letters)


def _last_charge_is(account: Account, amount: Decimal) -> bool:
    """Whether the account's latest statement (its last bill) charged exactly this amount."""
    last = Statement.objects.filter(account=account).order_by("-period").first()
    return last is not None and last.charged == amount


def account_link_add(
    *,
    user: User,
    building: Building,
    apartment: Apartment | None,
    number: str,
    surname_start: str = "",
    last_charge: Decimal | None = None,
    request: HttpRequest,
) -> AccountLink:
    """Link the account at exactly this address to the user, after checking the second fact
    the profile asks for: the holder's name (`surname_start`) or the last bill's charge.

    Raises LinkRefused (one message for any mismatch, another when over the limit or for a
    business account) or AlreadyLinked (the user has it already).
    """
    user_key, ip_key = str(user.pk), client_ip(request) or "-"
    if not (FAILURES_PER_USER.allowed(user_key) and FAILURES_PER_IP.allowed(ip_key)):
        raise LinkRefused(TOO_MANY)
    by_charge = UtilityProfile.get().account_link_fact == LinkFact.LAST_CHARGE
    account = (
        Account.objects.select_related("customer")
        .filter(number=re.sub(r"\s+", "", number), building=building, apartment=apartment)
        .first()
    )
    if by_charge:
        fact_ok = account is not None and last_charge is not None
        fact_ok = fact_ok and _last_charge_is(cast(Account, account), cast(Decimal, last_charge))
    else:
        fact_ok = account is not None and _name_starts_with(account.customer.name, surname_start)
    if account is None or not fact_ok:
        FAILURES_PER_USER.hit(user_key)
        FAILURES_PER_IP.hit(ip_key)
        audit(
            "account.link_failed",
            request=request,
            actor=user,
            building_id=building.pk,
            apartment_id=apartment.pk if apartment else None,
            number=number[:32],
            reason="number or address" if account is None else "charge" if by_charge else "name",
        )
        raise LinkRefused(NOT_FOUND_CHARGE if by_charge else NOT_FOUND)
    existing = AccountLink.objects.filter(user=user, account=account).first()
    if existing is not None:
        raise AlreadyLinked(existing)
    if account.customer.is_business:
        audit(
            "account.link_refused_business",
            request=request,
            actor=user,
            customer_id=account.customer_id,
            account_id=account.pk,
        )
        raise LinkRefused(BUSINESS)
    with transaction.atomic():
        shared = AccountLink.objects.filter(account=account).exclude(user=user).exists()
        link, created = AccountLink.objects.get_or_create(user=user, account=account)
        if not created:
            raise AlreadyLinked(link)
        audit(
            "account.link_added",
            request=request,
            actor=user,
            obj=link,
            customer_id=account.customer_id,
            account_id=account.pk,
            shared=shared,
        )
    return link


def account_link_rename(*, link: AccountLink, nickname: str, request: HttpRequest) -> AccountLink:
    with transaction.atomic():
        old, link.nickname = link.nickname, nickname.strip()
        link.save(update_fields=["nickname"])
        audit(
            "account.link_renamed",
            request=request,
            obj=link,
            account_id=link.account_id,
            old=old,
            new=link.nickname,
        )
    return link


def account_link_remove(*, link: AccountLink, request: HttpRequest) -> None:
    """Remove the account from the user's list; the account and its data stay."""
    with transaction.atomic():
        audit(
            "account.link_removed",
            request=request,
            obj=link,
            account_id=link.account_id,
            nickname=link.nickname,
        )
        link.delete()


# --- The address cascade -------------------------------------------------------------------------

LEVELS: tuple[tuple[str, type[models.Model], str | None, Any], ...] = (
    ("branch", Branch, None, gettext_lazy("Branch")),
    ("settlement", Settlement, "branch", gettext_lazy("Settlement")),
    ("street", Street, "settlement", gettext_lazy("Street")),
    ("building", Building, "street", gettext_lazy("Building")),
    ("apartment", Apartment, "building", gettext_lazy("Apartment")),
)
LEVEL_NAMES = [level[0] for level in LEVELS]


def _natural(text: str) -> tuple[int, str]:
    """“2” before “10”, “12а” after “12”."""
    digits = re.match(r"\d+", text)
    return (int(digits.group()) if digits else 10**9, text.casefold())


def options_under(index: int, parent_id: int | None) -> list[tuple[int, str]]:
    """The choices of level `index` under the chosen parent, in one query."""
    _name, model, parent, _label = LEVELS[index]
    queryset = model._default_manager.all()
    if parent is not None:
        queryset = queryset.filter(**{f"{parent}_id": parent_id})
    if model in (Building, Apartment):
        rows = list(queryset.values_list("pk", "number"))
        return sorted(rows, key=lambda row: _natural(row[1]))
    return list(queryset.values_list("pk", "name"))


@dataclass
class Step:
    name: str
    label: str
    options: list[tuple[int, str]] = field(default_factory=list)
    chosen: int | None = None

    @property
    def visible(self) -> bool:
        return bool(self.options)


@dataclass
class Cascade:
    steps: list[Step]

    def chosen(self, name: str) -> int | None:
        return self.steps[LEVEL_NAMES.index(name)].chosen

    @property
    def complete(self) -> bool:
        """A building is chosen and, if it has apartments, one of them."""
        building, apartment = self.steps[3], self.steps[4]
        return building.chosen is not None and (
            apartment.chosen is not None or not apartment.options
        )


def _as_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def resolve(data: QueryDict) -> Cascade:
    """The choices in `data` that are children of the previous ones, and the lists to show.

    One query per level reached, whatever the number of streets or buildings; a choice that
    does not belong under its parent is dropped, with everything after it.
    """
    steps, parent_id, reached = [], None, True
    for index, (name, _model, _parent, label) in enumerate(LEVELS):
        step = Step(name=name, label=str(label))
        if reached:
            step.options = options_under(index, parent_id)
            chosen = _as_id(data.get(name))
            step.chosen = chosen if chosen in {pk for pk, _ in step.options} else None
            reached, parent_id = step.chosen is not None, step.chosen
        steps.append(step)
    return Cascade(steps)


class AccountNumberForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Personal account number"),
        max_length=40,
        help_text=gettext_lazy("As printed on the bill."),
    )
    surname_start = forms.CharField(
        label=gettext_lazy("First three letters of the account holder's surname"),
        min_length=SURNAME_LETTERS,
        max_length=SURNAME_LETTERS,
        help_text=gettext_lazy("Or of the company name, as on the bill."),
    )
    last_charge = forms.CharField(
        label=gettext_lazy("Amount charged on the last bill"),
        max_length=20,
        help_text=gettext_lazy("The “charged” line of your latest bill, e.g. 412,50."),
    )

    def __init__(self, *args: Any, fact: str = LinkFact.SURNAME, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the fact the utility asks for is shown and required.
        del self.fields["last_charge" if fact == LinkFact.SURNAME else "surname_start"]

    def clean_last_charge(self) -> Decimal:
        """The amount as people copy it from a bill: "1 234,50", "1234.5", "412 грн"."""
        text = re.sub(r"[\s\u00a0\u202f]|грн\.?|руб\.?|₴|₽", "", self.cleaned_data["last_charge"])
        if not re.fullmatch(r"\d{1,12}([.,]\d{1,2})?", text):
            raise forms.ValidationError(_("Type the amount in figures, e.g. 412,50."))
        return Decimal(text.replace(",", "."))


class NicknameForm(forms.ModelForm):
    class Meta:
        model = AccountLink
        fields = ["nickname"]


# --- Views ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account_add(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    data = request.POST if request.method == "POST" else request.GET
    cascade = resolve(data)
    fact = UtilityProfile.get().account_link_fact
    form = AccountNumberForm(request.POST if request.method == "POST" else None, fact=fact)
    if request.method == "POST":
        if not cascade.complete:
            form.add_error(None, _("Choose the address of the account."))
        elif form.is_valid():
            building = Building.objects.get(pk=cast(int, cascade.chosen("building")))
            apartment_id = cascade.chosen("apartment")
            apartment = Apartment.objects.get(pk=apartment_id) if apartment_id else None
            try:
                link = account_link_add(
                    user=user,
                    building=building,
                    apartment=apartment,
                    number=form.cleaned_data["number"],
                    surname_start=form.cleaned_data.get("surname_start", ""),
                    last_charge=form.cleaned_data.get("last_charge"),
                    request=request,
                )
            except AlreadyLinked as already:
                messages.info(request, _("This account is already in your list."))
                return redirect(reverse("customers:dashboard", args=[already.link.account_id]))
            except LinkRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The account has been added."))
                return redirect(reverse("customers:dashboard", args=[link.account_id]))
    context = {
        "links": list(links_for(user)),
        "current": None,
        "cascade": cascade,
        "form": form,
        "by_charge": fact == LinkFact.LAST_CHARGE,
    }
    return render(request, "customers/account_add.html", context)


@login_required
@require_GET
def address_options(request: HttpRequest) -> JsonResponse:
    """The children of one address level: ?level=street&id=5 → that street's buildings."""
    if not OPTIONS_PER_USER.hit(str(request.user.pk)):
        return JsonResponse({"error": _("Too many requests, try again later.")}, status=429)
    level, parent_id = request.GET.get("level", ""), _as_id(request.GET.get("id"))
    if not level:
        index = 0
    elif level in LEVEL_NAMES[:-1] and parent_id is not None:
        index = LEVEL_NAMES.index(level) + 1
    else:
        return JsonResponse({"error": "bad level or id"}, status=400)
    options = options_under(index, parent_id)
    return JsonResponse([{"id": pk, "name": name} for pk, name in options], safe=False)


@login_required
@require_http_methods(["GET", "POST"])
def account_rename(request: HttpRequest, account_pk: int) -> HttpResponse:
    user = cast(User, request.user)
    link = link_for(user, account_pk)
    form = NicknameForm(request.POST or None, instance=AccountLink(nickname=link.nickname))
    if request.method == "POST" and form.is_valid():
        account_link_rename(link=link, nickname=form.cleaned_data["nickname"], request=request)
        messages.success(request, _("The account has been renamed."))
        return redirect(reverse("customers:dashboard", args=[link.account_id]))
    context = {"links": list(links_for(user)), "current": link, "link": link, "form": form}
    return render(request, "customers/account_rename.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_remove(request: HttpRequest, account_pk: int) -> HttpResponse:
    user = cast(User, request.user)
    link = link_for(user, account_pk)
    if request.method == "POST":
        account_link_remove(link=link, request=request)
        messages.success(request, _("The account has been removed from your list."))
        return redirect("customers:cabinet")
    context = {"links": list(links_for(user)), "current": link, "link": link}
    return render(request, "customers/account_remove.html", context)


urlpatterns: list[URLPattern] = [
    path("accounts/add/", account_add, name="account_add"),
    path("accounts/address-options/", address_options, name="address_options"),
    path("accounts/<int:account_pk>/rename/", account_rename, name="account_rename"),
    path("accounts/<int:account_pk>/remove/", account_remove, name="account_remove"),
]
