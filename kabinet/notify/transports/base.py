"""The interface every SMS provider implements, and the HTTP call they share."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

# Seconds to wait for a provider before the attempt counts as failed (and is retried).
DEFAULT_TIMEOUT = 10.0


class DeliveryError(Exception):
    """A failed attempt. `retryable`: try again later (provider down, timeout, rate limit);
    otherwise the message can never go out as it is (invalid number, bad credentials).

    The text is stored in `OutboxMessage.last_error`: it names codes, never the message body
    or the full recipient.
    """

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable

    def __str__(self) -> str:
        return f"{self.reason} ({'retryable' if self.retryable else 'permanent'})"


class SmsTransport:
    """Sends one SMS. Subclasses read their settings in `__init__` and implement `send`."""

    name = "sms"

    def send(self, *, to: str, text: str) -> str:
        """Hand the message to the provider; return the provider's message id.

        `to` is E.164 (`+380501234567`). Raise DeliveryError when it did not go out.
        """
        raise NotImplementedError


@dataclass
class HttpResponse:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


def sms_api_url(default: str) -> str:
    """SMS_API_URL (a test server, a proxy) or the provider's own address, without a slash."""
    url = (getattr(settings, "SMS_API_URL", "") or default).rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise DeliveryError("SMS_API_URL must be an http(s) URL", retryable=False)
    return url


def http_post(url: str, *, data: bytes, headers: dict[str, str]) -> HttpResponse:
    """POST and return status and body, whatever the status; network trouble is retryable.

    Error texts name the failure's kind only: never the URL (it may carry credentials).
    """
    timeout = float(getattr(settings, "SMS_TIMEOUT", DEFAULT_TIMEOUT))
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return HttpResponse(response.status, response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpResponse(exc.code, exc.read())
    except TimeoutError as exc:
        raise DeliveryError("provider timed out", retryable=True) from exc
    except urllib.error.URLError as exc:
        reason = type(exc.reason).__name__ if not isinstance(exc.reason, str) else "URLError"
        raise DeliveryError(f"provider unreachable: {reason}", retryable=True) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(
            f"provider connection failed: {type(exc).__name__}", retryable=True
        ) from exc


def check_http_status(provider: str, status: int) -> None:
    """Statuses that say enough on their own: 5xx, 408 and 429 retryable; 401/403 permanent."""
    if status >= 500 or status in (408, 425, 429):
        raise DeliveryError(f"{provider} HTTP {status}", retryable=True)
    if status in (401, 403):
        raise DeliveryError(f"{provider} HTTP {status}: authentication refused", retryable=False)


def digits(phone: str) -> str:
    """`+380501234567` → `380501234567`: both providers take the number without the plus."""
    return "".join(ch for ch in phone if ch.isdigit())
