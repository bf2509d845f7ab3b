"""SMS providers: one small module each, chosen by settings.SMS_BACKEND.

`console` (the default, for the demo), `fake` (tests), `turbosms` (Ukraine), `smsru` (Russia),
or the dotted path of any SmsTransport subclass.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import DeliveryError, SmsTransport

BACKENDS = {
    "console": "kabinet.notify.transports.console.ConsoleSms",
    "fake": "kabinet.notify.transports.fake.FakeSms",
    "turbosms": "kabinet.notify.transports.turbosms.TurboSms",
    "smsru": "kabinet.notify.transports.smsru.SmsRu",
}


def get_sms_transport() -> SmsTransport:
    """A transport built from the current settings (cheap: built for each message)."""
    name = getattr(settings, "SMS_BACKEND", "console") or "console"
    cls = import_string(BACKENDS.get(name.lower(), name))
    if not (isinstance(cls, type) and issubclass(cls, SmsTransport)):
        raise TypeError(f"SMS_BACKEND {name!r} is not an SmsTransport")
    return cls()


__all__ = ["BACKENDS", "DeliveryError", "SmsTransport", "get_sms_transport"]
