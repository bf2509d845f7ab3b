"""Write-side of the business pages: colleagues (invite, accept, change role, remove) and
service orders (place, cancel, answer). Each runs in one transaction with its audit event,
which names the user who did it and the customer it was done for."""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Collection
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from kabinet.core.audit import audit
from kabinet.identity.models import User
from kabinet.notify.models import Channel
from kabinet.notify.services import message_render_and_queue

from .models import (
    Account,
    AccountLink,
    CompanyMember,
    Customer,
    CustomerKind,
    Invitation,
    Role,
    ServiceKind,
    ServiceOrder,
    ServicePoint,
)

INVITATION_DAYS = 7


class InvitationInvalid(Exception):
    """Unknown, used, withdrawn or expired link."""


class CannotJoin(Exception):
    """The logged-in user acts for a customer already (or is staff)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Colleagues ----------------------------------------------------------------------------------


def invitation_send(
    *, customer: Customer, email: str, phone: str, role: str, request: HttpRequest
) -> Invitation:
    """Create an invitation and send its link by e-mail (or SMS when only a phone is given)."""
    token = secrets.token_urlsafe(32)
    link = settings.SITE_URL + reverse("customers:invitation_open", args=[token])
    with transaction.atomic():
        invitation = Invitation.objects.create(
            customer=customer,
            email=email,
            phone=phone,
            role=role,
            token_hash=token_hash(token),
            invited_by=cast(User, request.user),
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        context = {
            "link": link,
            "company": customer.name,
            "role": Role(role).label,
            "days": INVITATION_DAYS,
            "inviter": request.user.get_username(),
        }
        language = getattr(request, "LANGUAGE_CODE", None)
        message_render_and_queue(
            channel=Channel.EMAIL if email else Channel.SMS,
            recipient=email or phone,
            purpose="company_invitation",
            context=context,
            language=language,
            sensitive=True,
        )
        audit(
            "company.invited",
            request=request,
            obj=invitation,
            customer_id=customer.pk,
            email=email,
            phone=phone,
            role=role,
        )
    return invitation


def invitation_withdraw(*, invitation: Invitation, request: HttpRequest) -> None:
    with transaction.atomic():
        invitation.revoked = True
        invitation.save(update_fields=["revoked"])
        audit(
            "company.invitation_withdrawn",
            request=request,
            obj=invitation,
            customer_id=invitation.customer_id,
        )


def invitation_by_token(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("customer").filter(token_hash=token_hash(token)).first()
    )
    if (
        invitation is None
        or invitation.revoked
        or invitation.accepted_at is not None
        or invitation.expires_at < timezone.now()
    ):
        raise InvitationInvalid
    return invitation


def _join(*, user: User, invitation: Invitation, request: HttpRequest) -> CompanyMember:
    customer = invitation.customer
    member = CompanyMember.objects.create(
        customer=customer, user=user, role=invitation.role, invited_by=invitation.invited_by
    )
    user.customer = customer
    user.kind = customer.kind
    user.save(update_fields=["customer", "kind"])
    accounts = list(Account.objects.filter(customer=customer))
    AccountLink.objects.bulk_create(
        [AccountLink(user=user, account=account) for account in accounts], ignore_conflicts=True
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit(
        "company.joined",
        request=request,
        actor=user,
        obj=member,
        customer_id=customer.pk,
        role=member.role,
        invited_by=invitation.invited_by.get_username() if invitation.invited_by else "",
    )
    return member


def invitation_accept_new(
    *, token: str, username: str, password: str, request: HttpRequest
) -> User:
    """A colleague without a login: create one (with the invited e-mail or phone) and join."""
    with transaction.atomic():
        invitation = invitation_by_token(token)
        Invitation.objects.select_for_update().get(pk=invitation.pk)
        user = User.objects.create(
            username=username,
            email=invitation.email,
            phone=invitation.phone or None,
            password=make_password(password),
            language=getattr(request, "LANGUAGE_CODE", "") or "",
        )
        _join(user=user, invitation=invitation, request=request)
    return user


def invitation_accept_existing(*, token: str, user: User, request: HttpRequest) -> CompanyMember:
    """A logged-in person who acts for no customer yet joins with their own login."""
    if user.customer_id is not None or user.is_staff:
        raise CannotJoin
    with transaction.atomic():
        invitation = invitation_by_token(token)
        Invitation.objects.select_for_update().get(pk=invitation.pk)
        return _join(user=user, invitation=invitation, request=request)


def member_role_change(*, member: CompanyMember, role: str, request: HttpRequest) -> None:
    with transaction.atomic():
        old, member.role = member.role, role
        member.save(update_fields=["role"])
        audit(
            "company.role_changed",
            request=request,
            obj=member,
            customer_id=member.customer_id,
            colleague=member.user.get_username(),
            old=old,
            new=role,
        )


def member_remove(*, member: CompanyMember, request: HttpRequest) -> None:
    """The colleague keeps their login but no longer acts for the company or sees its
    accounts."""
    with transaction.atomic():
        user = member.user
        AccountLink.objects.filter(user=user, account__customer_id=member.customer_id).delete()
        if user.customer_id == member.customer_id:
            user.customer = None
            user.kind = ""
            user.save(update_fields=["customer", "kind"])
        audit(
            "company.removed",
            request=request,
            obj=member,
            customer_id=member.customer_id,
            colleague=user.get_username(),
            role=member.role,
        )
        member.delete()


def company_accounts_link(*, customer_ids: Collection[int]) -> int:
    """Put every account of these customers, where they are businesses, in the list of everyone
    acting for them (the registrant and the colleagues): for the accounts billing adds after
    they joined. The accounts import calls it for the customers of every batch. Idempotent;
    returns the number of links made, in a fixed number of queries."""
    users = list(
        User.objects.filter(customer_id__in=customer_ids, is_active=True)
        .exclude(customer__kind=CustomerKind.INDIVIDUAL)
        .values_list("pk", "customer_id")
    )
    if not users:
        return 0
    accounts: dict[int, list[int]] = {}
    for pk, customer_id in Account.objects.filter(
        customer_id__in={c for _u, c in users}
    ).values_list("pk", "customer_id"):
        accounts.setdefault(customer_id, []).append(pk)
    held = set(
        AccountLink.objects.filter(
            user_id__in=[u for u, _c in users], account__customer_id__in=accounts
        ).values_list("user_id", "account_id")
    )
    missing = [
        (user, account, customer_id)
        for user, customer_id in users
        for account in accounts.get(customer_id, [])
        if (user, account) not in held
    ]
    with transaction.atomic():
        AccountLink.objects.bulk_create(
            [AccountLink(user_id=u, account_id=a) for u, a, _c in missing],
            ignore_conflicts=True,  # a link made meanwhile by another process
            batch_size=1000,
        )
        for customer_id, made in sorted(Counter(c for _u, _a, c in missing).items()):
            audit("company.accounts_linked", customer_id=customer_id, links=made)
    return len(missing)


# --- Service orders ------------------------------------------------------------------------------


def service_order_place(
    *,
    kind: ServiceKind,
    customer: Customer,
    account: Account | None,
    service_point: ServicePoint | None,
    details: dict[str, Any],
    comment: str,
    request: HttpRequest,
) -> ServiceOrder:
    with transaction.atomic():
        order = ServiceOrder.objects.create(
            kind=kind,
            customer=customer,
            account=account,
            service_point=service_point,
            details=details,
            comment=comment,
            price=kind.price if kind.price else None,
            ordered_by=cast(User, request.user),
        )
        audit(
            "service_order.placed",
            request=request,
            obj=order,
            customer_id=customer.pk,
            account_id=account.pk if account else None,
            service=kind.code,
            price=str(order.price) if order.price is not None else "",
        )
    return order


def service_order_cancel(*, order: ServiceOrder, request: HttpRequest) -> None:
    with transaction.atomic():
        order.status = ServiceOrder.Status.CANCELLED
        order.save(update_fields=["status", "updated_at"])
        audit(
            "service_order.cancelled",
            request=request,
            obj=order,
            customer_id=order.customer_id,
            account_id=order.account_id,
        )


def service_order_answer(
    *, order: ServiceOrder, status: str, answer: str, request: HttpRequest
) -> None:
    """Staff set the status and write the answer (the back office's admin form calls this);
    the customer who ordered is told by e-mail, or by SMS when they have no e-mail."""
    with transaction.atomic():
        before = ServiceOrder.objects.filter(pk=order.pk).values("status", "answer").first()
        old = before["status"] if before else None
        changed = before is None or (before["status"], before["answer"]) != (status, answer)
        order.status = status
        order.answer = answer
        order.save()
        orderer = order.ordered_by
        if changed and orderer is not None and (orderer.email or orderer.phone):
            message_render_and_queue(
                channel=Channel.EMAIL if orderer.email else Channel.SMS,
                recipient=orderer.email or orderer.phone or "",
                purpose="service_order_answered",
                context={
                    "number": order.pk,
                    "service": order.kind.name,
                    "status": order.get_status_display(),
                    "link": settings.SITE_URL + reverse("customers:service_order", args=[order.pk]),
                },
                language=orderer.language or None,
            )
        audit(
            "service_order.answered",
            request=request,
            obj=order,
            customer_id=order.customer_id,
            account_id=order.account_id,
            old=old,
            new=status,
        )


def service_order_payment_received(*, order: Any) -> None:
    """An online payment of the order (payments.PAID_HANDLERS passes the paid PaymentOrder,
    whose reference is the service order's number), in the payment's transaction."""
    found = ServiceOrder.objects.filter(pk=int(order.reference)).first()
    if found is None or found.paid_at is not None:
        audit("service_order.payment_unmatched", obj=order, reference=order.reference[:40])
        return
    service_order_paid(order=found, amount=order.amount, request=None)


def service_order_paid(
    *, order: ServiceOrder, amount: Decimal, request: HttpRequest | None
) -> None:
    """The payments flow's hook: mark a priced order paid once its payment succeeded."""
    with transaction.atomic():
        order.paid_at = timezone.now()
        order.save(update_fields=["paid_at", "updated_at"])
        audit(
            "service_order.paid",
            request=request,
            obj=order,
            customer_id=order.customer_id,
            account_id=order.account_id,
            amount=str(amount),
        )
