"""LiqPay (Ukraine): checkout API v3, server callback and `action=status` for reconciliation.

data = base64(JSON), signature = base64(sha1(private_key + data + private_key)); the callback's
signature is checked over `data` exactly as received, before it is decoded (SECURITY.md 20).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language

from . import CallbackRejected, Checkout, Notice, Provider, ProviderUnavailable, http_call

if TYPE_CHECKING:
    from kabinet.payments.models import PaymentOrder

SUCCESS = {"success", "sandbox"}
FAILURE = {"failure", "error"}
REVERSED = {"reversed"}
# Every other documented status (processing, prepared, wait_accept, wait_secure, 3ds_verify,
# otp_verify, cvv_verify, wait_*, hold_wait, invoice_wait, cash_wait, …) means "not yet".


def map_status(status: str) -> str:
    if status in SUCCESS:
        return "success"
    if status in FAILURE:
        return "failure"
    if status in REVERSED:
        return "reversed"
    return "pending"


def encode(params: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(params, ensure_ascii=False).encode()).decode()


def sign(data: str, private_key: str | None = None) -> str:
    key = settings.LIQPAY_PRIVATE_KEY if private_key is None else private_key
    digest = hashlib.sha1((key + data + key).encode()).digest()  # noqa: S324 - LiqPay's scheme
    return base64.b64encode(digest).decode()


def api_url(path: str) -> str:
    return getattr(settings, "LIQPAY_API_URL", "https://www.liqpay.ua/api/").rstrip("/") + path


class LiqPayProvider(Provider):
    code = "liqpay"
    label = "LiqPay"

    def start(self, order: PaymentOrder, *, return_url: str, callback_url: str) -> Checkout:
        language = {"uk": "uk", "ru": "uk", "en": "en"}.get(get_language() or "uk", "uk")
        data = encode(
            {
                "version": 3,
                "public_key": settings.LIQPAY_PUBLIC_KEY,
                "action": "pay",
                "amount": str(order.amount),
                "currency": order.currency,
                "description": order.purpose,
                "order_id": order.order_id,
                "result_url": return_url,
                "server_url": callback_url,
                "language": language,
            }
        )
        return Checkout(url=api_url("/3/checkout"), fields={"data": data, "signature": sign(data)})

    def parse_callback(self, request: HttpRequest) -> list[Notice]:
        data = request.POST.get("data", "")
        signature = request.POST.get("signature", "")
        if not data or not hmac.compare_digest(sign(data).encode(), signature.encode()):
            raise CallbackRejected("bad signature")
        return [self._notice(self._decode(data))]

    def fetch(self, order: PaymentOrder) -> Notice | None:
        data = encode(
            {
                "action": "status",
                "version": 3,
                "public_key": settings.LIQPAY_PUBLIC_KEY,
                "order_id": order.order_id,
            }
        )
        body = urlencode({"data": data, "signature": sign(data)}).encode()
        status, raw = http_call(
            "POST",
            api_url("/request"),
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 200:
            raise ProviderUnavailable(f"HTTP {status}")
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise ProviderUnavailable("not JSON") from exc
        if answer.get("status") == "error" and answer.get("err_code") in {
            "payment_not_found",
            "order_not_found",
        }:
            return None
        if "order_id" not in answer:
            raise ProviderUnavailable(str(answer.get("err_description", "no order")))
        return self._notice(answer)

    @staticmethod
    def _decode(data: str) -> dict[str, Any]:
        try:
            payload = json.loads(base64.b64decode(data, validate=True))
        except ValueError as exc:
            raise CallbackRejected("not base64 JSON") from exc
        if not isinstance(payload, dict):
            raise CallbackRejected("not an object")
        return payload

    @staticmethod
    def _notice(payload: dict[str, Any]) -> Notice:
        try:
            amount = Decimal(str(payload["amount"]))
            return Notice(
                order_id=str(payload["order_id"]),
                status=map_status(str(payload.get("status", ""))),
                amount=amount,
                currency=str(payload["currency"]),
                transaction_id=str(payload.get("payment_id") or payload.get("transaction_id", "")),
                raw_status=str(payload.get("status", "")),
            )
        except (KeyError, InvalidOperation) as exc:
            raise CallbackRejected("missing fields") from exc
