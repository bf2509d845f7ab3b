"""Who may do what for a customer: ONE check, `can(user, target, action)`, for every view.

A household's user may do everything on the accounts in their list. A business customer's
user acts with a role: the user who registered the company (User.customer, no CompanyMember
row) is its administrator; colleagues have a CompanyMember row with the role the
administrator gave them. Staff act through the back office, never through these pages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from .models import Account, AccountLink, CompanyMember, Contract, Customer, Role, ServicePoint

VIEW = "view"
SUBMIT_READINGS = "submit_readings"
PAY = "pay"
ORDER = "order_services"
MANAGE_USERS = "manage_users"
ACTIONS = (VIEW, SUBMIT_READINGS, PAY, ORDER, MANAGE_USERS)

ALLOWED: dict[str, frozenset[str]] = {
    Role.VIEW: frozenset({VIEW}),
    Role.READINGS: frozenset({VIEW, SUBMIT_READINGS}),
    Role.PAY: frozenset({VIEW, PAY}),
    Role.FULL: frozenset({VIEW, SUBMIT_READINGS, PAY, ORDER}),
    Role.ADMIN: frozenset(ACTIONS),
}
HOUSEHOLD = frozenset({VIEW, SUBMIT_READINGS, PAY, ORDER})


def role_of(user: Any, customer_id: int) -> str | None:
    """The user's role for a business customer, or None if they do not act for it (1 query
    at most)."""
    if not getattr(user, "is_authenticated", False) or user.customer_id != customer_id:
        return None
    member = CompanyMember.objects.filter(user=user, customer_id=customer_id).first()
    return member.role if member is not None else Role.ADMIN


def allowed_actions(user: Any, customer: Customer) -> frozenset[str]:
    if not customer.is_business:
        return HOUSEHOLD if user.customer_id == customer.pk else frozenset()
    role = role_of(user, customer.pk)
    return ALLOWED[role] if role else frozenset()


def allowed_on_linked_account(user: Any, account: Account) -> frozenset[str]:
    """What the user may do on an account already known to be in their list (the cabinet's
    pages check the link first): a household everything but managing users, a business's
    user what their role allows. One or two queries."""
    if not account.customer.is_business:
        return HOUSEHOLD
    return allowed_actions(user, account.customer)


def can(user: Any, target: Customer | Contract | Account | ServicePoint, action: str) -> bool:
    """Whether `user` may do `action` (one of ACTIONS) on the target.

    Accounts need a link in the user's list too (a household's only way in); a business
    account, contract or service point needs the user to act for its customer with a role
    that allows the action. Costs one or two queries; pass targets with `customer` loaded.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if isinstance(target, ServicePoint):
        target = target.contract
    if isinstance(target, Account):
        if not AccountLink.objects.filter(user=user, account=target).exists():
            return False
        if not target.customer.is_business:
            return action in HOUSEHOLD
        target = target.customer
    if isinstance(target, Contract):
        target = target.customer
    return action in allowed_actions(user, target)


def require(user: Any, target: Customer | Contract | Account | ServicePoint, action: str) -> None:
    """`can` or 403."""
    if not can(user, target, action):
        raise PermissionDenied
