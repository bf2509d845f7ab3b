"""SMS.ru, HTTP API: `POST /sms/send` with form fields api_id, to, msg, json=1 (and from).

Response: {"status": "OK", "status_code": 100, "balance": 4.4,
           "sms": {"79251234567": {"status": "OK", "status_code": 100, "sms_id": "…"}}}
or, for the whole request, {"status": "ERROR", "status_code": 200, "status_text": "…"}.

Codes (https://sms.ru/api): 100 accepted; 200 bad api_id, 300-302 bad token or account;
201 not enough money; 202 and 207 bad number or no route; 209 stop list; 203-205, 208,
210-213 malformed request; 206 and 230-233 daily, per-number and repeat limits; 220 service
temporarily unavailable; 500 server error.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings

from .base import DeliveryError, SmsTransport, check_http_status, digits, http_post, sms_api_url

DEFAULT_URL = "https://sms.ru"
OK = 100
# Worth another try later: money topped up, limits reset, their side back.
RETRYABLE = {201, 206, 220, 230, 231, 232, 233, 500}


def _error(code: Any) -> DeliveryError:
    try:
        number = int(code)
    except (TypeError, ValueError):
        return DeliveryError("SMS.ru: unexpected answer", retryable=True)
    return DeliveryError(f"SMS.ru {number}", retryable=number in RETRYABLE)


class SmsRu(SmsTransport):
    """SMS_SENDER goes as `from` and must be a sender name approved in the SMS.ru account;
    leave it empty to use the account's default sender."""

    name = "smsru"

    def __init__(self) -> None:
        self.api_id: str = getattr(settings, "SMS_API_TOKEN", "")
        self.sender: str = getattr(settings, "SMS_SENDER", "")

    def send(self, *, to: str, text: str) -> str:
        if not self.api_id:
            raise DeliveryError("SMS.ru: SMS_API_TOKEN (api_id) is not set", retryable=False)
        number = digits(to)
        fields = {"api_id": self.api_id, "to": number, "msg": text, "json": "1"}
        if self.sender:
            fields["from"] = self.sender
        response = http_post(
            sms_api_url(DEFAULT_URL) + "/sms/send",
            data=urllib.parse.urlencode(fields).encode("ascii"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Accept": "application/json",
            },
        )
        check_http_status("SMS.ru", response.status)
        try:
            body = response.json()
        except (UnicodeDecodeError, ValueError):
            raise DeliveryError(
                f"SMS.ru HTTP {response.status}: not JSON", retryable=response.status < 400
            ) from None
        if not isinstance(body, dict):
            raise DeliveryError("SMS.ru: unexpected answer", retryable=True)
        if body.get("status") != "OK" or body.get("status_code") != OK:
            raise _error(body.get("status_code"))
        entries = body.get("sms") or {}
        entry = entries.get(number) if isinstance(entries, dict) else None
        if entry is None and isinstance(entries, dict) and len(entries) == 1:
            entry = next(iter(entries.values()))
        if not isinstance(entry, dict):
            raise DeliveryError("SMS.ru: no result for the recipient", retryable=True)
        if entry.get("status") != "OK" or entry.get("status_code") != OK:
            raise _error(entry.get("status_code"))
        return str(entry.get("sms_id") or "")
