"""E-mail goes through Django's own backend (EMAIL_URL in settings picks console or SMTP)."""

from __future__ import annotations

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME

from .base import DeliveryError


def send_email(*, to: str, subject: str, text: str, html: str = "") -> str:
    """Send one e-mail; return its Message-ID. SMTP trouble is retryable, except a 5xx refusal
    of the recipient (the address does not exist)."""
    message_id = make_msgid(domain=str(DNS_NAME))
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id},
    )
    if html:
        email.attach_alternative(html, "text/html")
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _reply in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        raise DeliveryError(
            f"SMTP recipient refused {','.join(map(str, codes))}", retryable=not permanent
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP {exc.smtp_code}", retryable=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {type(exc).__name__}", retryable=True) from exc
    return message_id
