"""The sandbox provider of the demo and the tests: a local "hosted page" on its own URL that
behaves like a provider's, keeps its own ledger (SandboxCharge) and calls the portal's
callback signed with its own secret (HMAC-SHA256 over the body as sent).

It is enabled only when "sandbox" is in PAYMENT_PROVIDERS; its pages answer 404 otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import CallbackRejected, Checkout, Notice, Provider, ProviderUnavailable, http_call

if TYPE_CHECKING:
    from kabinet.payments.models import PaymentOrder, SandboxCharge

logger = logging.getLogger("kabinet.payments")
SIGNATURE_HEADER = "X-Sandbox-Signature"
TOKEN_SALT = "kabinet.payments.sandbox"  # noqa: S105 - a signing salt, not a secret
TOKEN_MAX_AGE = 3600


def secret() -> bytes:
    configured = getattr(settings, "PAYMENT_SANDBOX_SECRET", "")
    if configured:
        return configured.encode()
    return hashlib.sha256(("sandbox:" + settings.SECRET_KEY).encode()).digest()


def sign(body: bytes) -> str:
    return hmac.new(secret(), body, hashlib.sha256).hexdigest()


def make_token(params: dict[str, str]) -> str:
    return signing.dumps(params, salt=TOKEN_SALT)


def read_token(token: str) -> dict[str, str]:
    """The checkout's parameters, or BadSignature when forged or older than an hour."""
    return signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)


def callback_body(charge: SandboxCharge) -> bytes:
    return json.dumps(
        {
            "order_id": charge.order_id,
            "status": charge.status,
            "amount": str(charge.amount),
            "currency": charge.currency,
            "transaction_id": charge.transaction_id,
        }
    ).encode()


def deliver(charge: SandboxCharge) -> bool:
    """POST the signed callback to the portal, as a provider's server would. False when the
    portal did not take it (the reconciliation job will then ask the ledger instead)."""
    body = callback_body(charge)
    try:
        status, _body = http_call(
            "POST",
            charge.callback_url,
            body=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)},
        )
    except ProviderUnavailable:
        return False
    return status == 200


def notice_from(payload: dict[str, Any]) -> Notice:
    try:
        status = str(payload["status"])
        if status not in {"success", "failure", "pending", "reversed"}:
            raise CallbackRejected("unknown status")
        return Notice(
            order_id=str(payload["order_id"]),
            status=status,
            amount=Decimal(str(payload["amount"])),
            currency=str(payload["currency"]),
            transaction_id=str(payload["transaction_id"]),
            raw_status=status,
        )
    except (KeyError, InvalidOperation, TypeError) as exc:
        raise CallbackRejected("missing fields") from exc


class SandboxProvider(Provider):
    code = "sandbox"
    label = _("Test card payment (sandbox)")

    def start(self, order: PaymentOrder, *, return_url: str, callback_url: str) -> Checkout:
        token = make_token(
            {
                "order_id": order.order_id,
                "amount": str(order.amount),
                "currency": order.currency,
                "description": order.purpose,
                "return_url": return_url,
                "callback_url": callback_url,
            }
        )
        url = reverse("payments:sandbox_checkout") + "?" + signing_query(token)
        return Checkout(url=url)

    def parse_callback(self, request: HttpRequest) -> list[Notice]:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(sign(request.body).encode(), signature.encode()):
            raise CallbackRejected("bad signature")
        try:
            payload = json.loads(request.body)
        except ValueError as exc:
            raise CallbackRejected("not JSON") from exc
        if not isinstance(payload, dict):
            raise CallbackRejected("not an object")
        return [notice_from(payload)]

    def fetch(self, order: PaymentOrder) -> Notice | None:
        from kabinet.payments.models import SandboxCharge

        charge = SandboxCharge.objects.filter(order_id=order.order_id).first()
        if charge is None:
            return None
        return notice_from(json.loads(callback_body(charge)))


def signing_query(token: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"t": token})
