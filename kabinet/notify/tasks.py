"""Delivery of outbox messages: one task per message, retried with back-off, swept by cron.

A delivery claims its row (queued → sending) in a short locked transaction, calls the provider
outside any transaction (an HTTP call must not hold a database lock), then records the outcome.
A second delivery of the same message finds it sending or sent and does nothing, so enqueuing
twice is harmless; that is what lets the sweep re-enqueue anything the queue may have lost.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from .masking import mask_recipient
from .models import REDACTED, Channel, OutboxMessage, Status
from .transports import DeliveryError, get_sms_transport
from .transports.email import send_email

logger = logging.getLogger("kabinet.notify")

BACKOFF_FIRST = 30  # seconds before the second attempt, four times longer after each failure…
BACKOFF_FACTOR = 4
BACKOFF_CAP = 3600  # …but never more than an hour
STUCK_AFTER = timedelta(minutes=10)  # "sending" for this long: its worker died
SWEEP_GRACE = timedelta(minutes=1)  # a healthy queue runs a due task well within this
EARLY_TOLERANCE = timedelta(seconds=5)  # clock skew between the scheduler and the worker
SWEEP_BATCH = 1000


def max_attempts() -> int:
    return max(1, int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 8)))


def backoff(failures: int) -> timedelta:
    """The wait after the n-th failed attempt: 30 s, 2 min, 8 min, 32 min, then 1 h."""
    return timedelta(
        seconds=min(BACKOFF_FIRST * BACKOFF_FACTOR ** max(failures - 1, 0), BACKOFF_CAP)
    )


def enqueue_delivery(message_id: int, run_after: datetime | None = None) -> bool:
    """Hand a delivery to the task queue. False when the backend cannot defer (the immediate
    backend of tests and trials): the sweep then delivers the message when it is due."""
    scheduled = deliver_message
    if run_after is not None:
        if not scheduled.get_backend().supports_defer:
            return False
        scheduled = scheduled.using(run_after=run_after)
    scheduled.enqueue(message_id)
    return True


def enqueue_after_commit(message_id: int) -> None:
    """Enqueue the delivery once the current transaction commits (at once outside one). If the
    queue is unreachable the message stays queued and the sweep enqueues it later."""

    def enqueue() -> None:
        try:
            enqueue_delivery(message_id)
        except Exception as exc:
            logger.error("message %s: could not enqueue (%s)", message_id, type(exc).__name__)

    transaction.on_commit(enqueue)


@task()
def deliver_message(message_id: int) -> str:
    """Send one message; the returned word is what happened (for the task's result)."""
    message = _claim(message_id)
    if message is None:
        return "skipped"
    try:
        if message.channel == Channel.EMAIL:
            provider_id = send_email(
                to=message.recipient, subject=message.subject, text=message.text, html=message.html
            )
        else:
            provider_id = get_sms_transport().send(to=message.recipient, text=message.text)
    except DeliveryError as exc:
        return _record_failure(message, exc)
    except Exception as exc:  # a bug or an unforeseen answer: retry as if the provider were down
        # Only the type: an exception's text may quote what it choked on, number or code.
        logger.error("message %s: transport raised %s", message.pk, type(exc).__name__)
        return _record_failure(message, DeliveryError(type(exc).__name__, retryable=True))
    return _record_success(message, provider_id)


def _claim(message_id: int) -> OutboxMessage | None:
    now = timezone.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            logger.warning("message %s: not in the outbox", message_id)
            return None
        if message.status in (Status.SENT, Status.FAILED):
            return None
        if message.status == Status.SENDING:
            if message.updated_at > now - STUCK_AFTER:
                return None  # another worker is on it
            logger.warning("message %s: stuck while sending, trying again", message.pk)
            if message.attempts >= max_attempts():
                message.status = Status.FAILED
                message.last_error = "stuck while sending; no attempts left"
                message.save(update_fields=["status", "last_error", "updated_at"])
                return None
        elif message.next_attempt_at > now + EARLY_TOLERANCE:
            return None  # a duplicate task running early; the scheduled one will come
        message.status = Status.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts", "updated_at"])
    return message


def _record_success(message: OutboxMessage, provider_id: str) -> str:
    now = timezone.now()
    changes: dict[str, object] = {
        "status": Status.SENT,
        "sent_at": now,
        "provider_message_id": provider_id[:200],
        "last_error": "",
        "updated_at": now,
    }
    if message.sensitive and not getattr(settings, "NOTIFY_KEEP_SENT_BODIES", False):
        changes["text"] = REDACTED
        changes["html"] = REDACTED if message.html else ""
    OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(**changes)
    logger.info(
        "message %s sent: %s %s to %s (attempt %s)",
        message.pk,
        message.channel,
        message.purpose,
        mask_recipient(message.channel, message.recipient),
        message.attempts,
    )
    return "sent"


def _record_failure(message: OutboxMessage, error: DeliveryError) -> str:
    now = timezone.now()
    reason = str(error)[:500]
    target = OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING)
    recipient = mask_recipient(message.channel, message.recipient)
    if not error.retryable or message.attempts >= max_attempts():
        target.update(status=Status.FAILED, last_error=reason, updated_at=now)
        logger.warning(
            "message %s failed for good after %s attempt(s): %s %s to %s: %s",
            message.pk,
            message.attempts,
            message.channel,
            message.purpose,
            recipient,
            reason,
        )
        return "failed"
    next_attempt = now + backoff(message.attempts)
    deferred = enqueue_supported()
    target.update(
        status=Status.QUEUED,
        next_attempt_at=next_attempt,
        last_error=reason,
        updated_at=now,
        **({"enqueued_at": now} if deferred else {}),
    )
    logger.info(
        "message %s: attempt %s to %s failed (%s); next at %s",
        message.pk,
        message.attempts,
        recipient,
        reason,
        next_attempt.isoformat(timespec="seconds"),
    )
    if deferred:
        try:
            enqueue_delivery(message.pk, run_after=next_attempt)
        except Exception as exc:  # the queue is down too: the sweep will find the message
            logger.error("message %s: could not re-enqueue (%s)", message.pk, type(exc).__name__)
    return "retry"


def enqueue_supported() -> bool:
    """Whether the task backend can run a task later (the database and Redis ones can)."""
    return bool(deliver_message.get_backend().supports_defer)


def sweep_due_messages(*, now: datetime | None = None) -> int:
    """Re-enqueue messages the queue has lost: queued ones overdue by more than a minute, and
    ones stuck in "sending" for ten. Idempotent and cheap: run it from cron every minute."""
    now = now or timezone.now()
    not_recently_enqueued = Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - SWEEP_GRACE)
    overdue = Q(status=Status.QUEUED, next_attempt_at__lte=now - SWEEP_GRACE)
    stuck = Q(status=Status.SENDING, updated_at__lte=now - STUCK_AFTER)
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter((overdue | stuck) & not_recently_enqueued)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        OutboxMessage.objects.filter(pk__in=ids).update(enqueued_at=now)
    for pk in ids:
        enqueue_delivery(pk)
    if ids:
        logger.info("sweep: re-enqueued %s message(s)", len(ids))
    return len(ids)
