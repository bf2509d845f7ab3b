"""YooKassa (Russia): REST API v3 with Basic auth and an Idempotence-Key.

Notifications are unsigned: they are accepted only from YooKassa's published address ranges,
and even then only the payment's id is taken from them; its status is read back from the API
(SECURITY.md 20).
"""

from __future__ import annotations

import base64
import ipaddress
import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest

from kabinet.core.audit import client_ip

from . import CallbackRejected, Checkout, Notice, Provider, ProviderUnavailable, json_call

if TYPE_CHECKING:
    from kabinet.payments.models import PaymentOrder

# https://yookassa.ru/developers/using-api/webhooks — the addresses notifications come from.
NOTIFICATION_NETWORKS = [
    ipaddress.ip_network(net)
    for net in (
        "185.71.76.0/27",
        "185.71.77.0/27",
        "77.75.153.0/25",
        "77.75.156.11/32",
        "77.75.156.35/32",
        "77.75.154.128/25",
        "2a02:5180::/32",
    )
]

STATUSES = {
    "pending": "pending",
    "waiting_for_capture": "pending",
    "succeeded": "success",
    "canceled": "failure",
}


def from_yookassa(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in NOTIFICATION_NETWORKS if net.version == ip.version)


def api_url(path: str) -> str:
    base = getattr(settings, "YOOKASSA_API_URL", "https://api.yookassa.ru/v3")
    return base.rstrip("/") + path


def auth_headers() -> dict[str, str]:
    token = f"{settings.YOOKASSA_SHOP_ID}:{settings.YOOKASSA_SECRET_KEY}".encode()
    return {
        "Authorization": "Basic " + base64.b64encode(token).decode(),
        "Content-Type": "application/json",
    }


def notice_from(payment: dict[str, Any]) -> Notice:
    try:
        status = STATUSES.get(str(payment["status"]), "pending")
        amount = Decimal(str(payment["amount"]["value"]))
        refunded = Decimal(str((payment.get("refunded_amount") or {}).get("value", "0")))
        if status == "success" and refunded >= amount:
            status = "reversed"
        return Notice(
            order_id=str((payment.get("metadata") or {}).get("order_id", "")),
            status=status,
            amount=amount,
            currency=str(payment["amount"]["currency"]),
            transaction_id=str(payment["id"]),
            raw_status=str(payment["status"]),
        )
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise ProviderUnavailable("unexpected payment object") from exc


class YooKassaProvider(Provider):
    code = "yookassa"
    label = "YooKassa"

    def start(self, order: PaymentOrder, *, return_url: str, callback_url: str) -> Checkout:
        headers = auth_headers() | {"Idempotence-Key": order.order_id}
        status, payment = json_call(
            "POST",
            api_url("/payments"),
            {
                "amount": {"value": str(order.amount), "currency": order.currency},
                "capture": True,
                "confirmation": {"type": "redirect", "return_url": return_url},
                "description": order.purpose[:128],
                "metadata": {"order_id": order.order_id},
            },
            headers=headers,
        )
        if status not in (200, 201) or not isinstance(payment, dict):
            raise ProviderUnavailable(f"HTTP {status}")
        try:
            url = payment["confirmation"]["confirmation_url"]
        except (KeyError, TypeError) as exc:
            raise ProviderUnavailable("no confirmation_url") from exc
        return Checkout(url=url, transaction_id=str(payment["id"]))

    def parse_callback(self, request: HttpRequest) -> list[Notice]:
        if not from_yookassa(client_ip(request)):
            raise CallbackRejected("not from YooKassa's addresses")
        try:
            body = json.loads(request.body)
            obj = body["object"]
            event = str(body["event"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CallbackRejected("not a notification") from exc
        payment_id = obj.get("payment_id") if event.startswith("refund.") else obj.get("id")
        if not payment_id:
            raise CallbackRejected("no payment id")
        # Trust nothing but the id: read the payment itself from the API.
        return [self._read(str(payment_id))]

    def fetch(self, order: PaymentOrder) -> Notice | None:
        if not order.transaction_id:
            return None
        return self._read(order.transaction_id)

    @staticmethod
    def _read(payment_id: str) -> Notice:
        status, payment = json_call(
            "GET", api_url(f"/payments/{payment_id}"), headers=auth_headers()
        )
        if status == 404:
            raise CallbackRejected("unknown payment")
        if status != 200 or not isinstance(payment, dict):
            raise ProviderUnavailable(f"HTTP {status}")
        return notice_from(payment)
