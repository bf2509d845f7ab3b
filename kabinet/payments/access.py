"""Who may pay for what: accounts the user holds (AccountLink), contracts of a customer the
user acts for or holds an account of. Anything else is 404 (SECURITY.md 16)."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from kabinet.customers.models import Contract
from kabinet.identity.models import User


def contract_for(user: User, pk: int) -> Contract:
    linked = Q(customer__accounts__links__user=user)
    if user.customer_id:
        linked |= Q(customer_id=user.customer_id)
    contract = Contract.objects.filter(linked, pk=pk).select_related("customer").distinct().first()
    if contract is None:
        raise Http404
    return contract
