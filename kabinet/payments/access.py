"""Who may pay for what, and see the receipts: accounts in the user's list (a company's
colleague only with a role that may pay), contracts of the company the user acts for, with
the company role deciding (kabinet/customers/roles.py). Anything else is 404 (SECURITY.md 16);
a colleague whose role may look but not pay gets 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from kabinet.customers import business, roles
from kabinet.customers.models import Account, Contract
from kabinet.identity.models import User


def contract_for(user: User, pk: int, *, action: str = roles.VIEW) -> Contract:
    """The contract, when the user acts for its company with a role allowing `action`."""
    contract, allowed = business.contract_for(user, pk)
    if action not in allowed:
        raise PermissionDenied
    return contract


def require_pay(user: User, account: Account) -> None:
    """For an account already known to be in the user's list."""
    if roles.PAY not in roles.allowed_on_linked_account(user, account):
        raise PermissionDenied
