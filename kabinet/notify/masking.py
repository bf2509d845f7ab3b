"""Recipients as logs and the back office may show them: enough to recognise, not to contact.

Full phone numbers never reach a log (SECURITY.md 12): `+380501234567` → `+38050•••••67`.
"""

from __future__ import annotations

DOT = "•"


def mask_phone(phone: str) -> str:
    """Country and operator code plus the last two digits: `+38050•••••67`."""
    value = (phone or "").strip()
    if len(value) <= 4:
        return DOT * len(value)
    head = max(0, min(6, len(value) - 6))  # at least four digits always hidden
    return value[:head] + DOT * (len(value) - head - 2) + value[-2:]


def mask_email(email: str) -> str:
    """The first letter of the local part and the domain: `o•••@example.com`."""
    local, sep, domain = (email or "").strip().rpartition("@")
    if not sep:
        return mask_phone(domain)
    return (local[:1] + DOT * 3 if local else "") + "@" + domain


def mask_recipient(channel: str, recipient: str) -> str:
    return mask_email(recipient) if channel == "email" else mask_phone(recipient)
