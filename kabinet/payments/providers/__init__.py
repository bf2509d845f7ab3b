"""Payment providers behind one interface, chosen by settings.PAYMENT_PROVIDERS.

A provider turns an order into a checkout (where to send the customer), turns a callback into
a Notice after authenticating it, and reads an order's status for reconciliation. It never
writes to the database of the portal: services.py does, in one transaction with the audit.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from kabinet.payments.models import PaymentOrder

logger = logging.getLogger("kabinet.payments")

TIMEOUT = 10  # seconds for every outgoing call (SECURITY.md 22)
RETRIES = 3


class CallbackRejected(Exception):
    """The callback is not authentic or not well formed: nothing is credited."""


class ProviderUnavailable(Exception):
    """The provider did not answer (or answered an error) after the retries."""


@dataclass(frozen=True)
class Checkout:
    """Where the customer goes to pay: a plain redirect, or a form posted to the provider."""

    url: str
    fields: dict[str, str] = field(default_factory=dict)
    transaction_id: str = ""


@dataclass(frozen=True)
class Notice:
    """What the provider says about one order, once authenticated."""

    order_id: str
    status: str  # an OrderStatus value
    amount: Decimal
    currency: str
    transaction_id: str
    raw_status: str = ""


class Provider:
    code = ""
    label: Any = ""

    def start(self, order: PaymentOrder, *, return_url: str, callback_url: str) -> Checkout:
        raise NotImplementedError

    def parse_callback(self, request: HttpRequest) -> list[Notice]:
        raise NotImplementedError

    def fetch(self, order: PaymentOrder) -> Notice | None:
        """The order's status as the provider knows it; None when it has never seen it."""
        raise NotImplementedError


def http_call(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One HTTP call with a timeout, retried on network errors and 5xx (callers send an
    idempotence key where the provider has one, so a retry never pays twice)."""
    last: Exception | None = None
    for _attempt in range(RETRIES):
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return exc.code, exc.read()
            last = exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            last = exc
    logger.warning("payment provider call failed: %s %s: %s", method, url, last)
    raise ProviderUnavailable(str(last))


def json_call(method: str, url: str, payload: Any = None, **kwargs: Any) -> tuple[int, Any]:
    body = json.dumps(payload).encode() if payload is not None else None
    status, data = http_call(method, url, body=body, **kwargs)
    try:
        return status, json.loads(data or b"null")
    except ValueError as exc:
        raise ProviderUnavailable("not JSON") from exc


def get_provider(code: str) -> Provider:
    from . import liqpay, sandbox, yookassa

    providers: dict[str, type[Provider]] = {
        "sandbox": sandbox.SandboxProvider,
        "liqpay": liqpay.LiqPayProvider,
        "yookassa": yookassa.YooKassaProvider,
    }
    if code not in providers:
        raise KeyError(code)
    return providers[code]()


PROVIDER_LABELS = {
    "sandbox": _("Test card payment (sandbox)"),
    "liqpay": _("LiqPay"),
    "yookassa": _("YooKassa"),
}
