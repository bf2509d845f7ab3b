"""TurboSMS (turbosms.ua), HTTP API: `POST /message/send.json` with a bearer token.

Request:  {"recipients": ["380501234567"], "sms": {"sender": "Kabinet", "text": "…"}}
Response: {"response_code": 800, "response_status": "SUCCESS_MESSAGE_ACCEPTED",
           "response_result": [{"phone": "380501234567", "response_code": 0,
                                "message_id": "…", "response_status": "OK"}]}

Codes (https://turbosms.ua/api.html): 0 OK; 800-803 accepted/sent (wholly or partly: the
recipient's own entry says which); 103-107 missing or bad token; 2xx missing fields, 203
REQUIRED_BALANCE (not enough money); 3xx invalid values (305 INVALID_PHONE); 4xx not allowed
(sender, stop list, country…); 5xx and 999 failures on their side.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings

from .base import DeliveryError, SmsTransport, check_http_status, digits, http_post, sms_api_url

DEFAULT_URL = "https://api.turbosms.ua"
ACCEPTED = {0, 800, 801, 802, 803}
# Worth another try later: the balance may be topped up, their side may recover.
RETRYABLE = {203, *range(500, 508), 999}


def _status_name(value: Any) -> str:
    """The provider's constant (e.g. INVALID_PHONE), kept to safe characters for last_error."""
    return re.sub(r"[^A-Z0-9_]", "", str(value or "").upper())[:60]


def _error(code: Any, status: Any) -> DeliveryError:
    try:
        number = int(code)
    except (TypeError, ValueError):
        return DeliveryError("TurboSMS: unexpected answer", retryable=True)
    return DeliveryError(
        f"TurboSMS {number} {_status_name(status)}".strip(), retryable=number in RETRYABLE
    )


class TurboSms(SmsTransport):
    name = "turbosms"

    def __init__(self) -> None:
        self.token: str = getattr(settings, "SMS_API_TOKEN", "")
        self.sender: str = getattr(settings, "SMS_SENDER", "") or "Kabinet"

    def send(self, *, to: str, text: str) -> str:
        if not self.token:
            raise DeliveryError("TurboSMS: SMS_API_TOKEN is not set", retryable=False)
        url = sms_api_url(DEFAULT_URL) + "/message/send.json"
        payload = {"recipients": [digits(to)], "sms": {"sender": self.sender, "text": text}}
        response = http_post(
            url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
            },
        )
        check_http_status("TurboSMS", response.status)
        try:
            body = response.json()
        except (UnicodeDecodeError, ValueError):
            raise DeliveryError(
                f"TurboSMS HTTP {response.status}: not JSON", retryable=response.status < 400
            ) from None
        if not isinstance(body, dict):
            raise DeliveryError("TurboSMS: unexpected answer", retryable=True)
        if body.get("response_code") not in ACCEPTED:
            raise _error(body.get("response_code"), body.get("response_status"))
        results = body.get("response_result") or []
        entry = results[0] if isinstance(results, list) and results else {}
        if not isinstance(entry, dict):
            raise DeliveryError("TurboSMS: unexpected answer", retryable=True)
        if entry.get("response_code", 0) != 0:
            raise _error(entry.get("response_code"), entry.get("response_status"))
        # Accepted: a missing id only costs us the provider's reference, never a resend.
        return str(entry.get("message_id") or "")
