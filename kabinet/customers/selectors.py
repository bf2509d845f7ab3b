"""Read-side queries of the cabinet: which accounts a user may see, each in a fixed number of
queries whatever their number. Every customer page goes through these (SECURITY.md 16)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from kabinet.identity.models import User

from .models import AccountLink, ServiceOrder

ADDRESS = (
    "account__building__street__settlement",
    "account__apartment",
)


def links_for(user: User) -> QuerySet[AccountLink]:
    """The user's accounts, with their addresses and customers, in the order they were added."""
    return AccountLink.objects.filter(user=user).select_related(*ADDRESS, "account__customer")


def link_for(user: User, account_pk: int) -> AccountLink:
    """The user's link to one account, or 404: another person's account does not exist here."""
    link = links_for(user).filter(account_id=account_pk).first()
    if link is None:
        raise Http404
    return link


def links_with_current(user: User, account_pk: int) -> tuple[list[AccountLink], AccountLink]:
    """All the user's links (for the accounts list) and the chosen one, in one query; 404 when
    the account is not the user's."""
    links = list(links_for(user))
    for link in links:
        if link.account_id == account_pk:
            return links, link
    raise Http404


def service_orders_for_billing() -> QuerySet[ServiceOrder]:
    """Every order of a catalogue service, with what a row of the billing export names."""
    return ServiceOrder.objects.select_related(
        "kind", "customer", "account", "service_point__contract"
    )
