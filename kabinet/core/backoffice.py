"""The back office's first page: the work queues, each one small entry in `QUEUES`.

A queue is a title, the permission that shows it, a count query and a link. Each visible
queue costs one COUNT query, so the page's query count is fixed whatever the data size.

To add a queue of another app (flagged readings, connection applications by stage, service
orders), append an entry, e.g.:

    Queue("readings_flagged", _("Readings flagged for the inspector"), "metering.review_reading",
          lambda: Reading.objects.filter(status="flagged").count(),
          lambda: reverse("admin:metering_reading_changelist") + "?status__exact=flagged"),
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Queue:
    key: str  # stable, for links and tests
    title: Any
    permission: str
    count: Callable[[], int]
    url: Callable[[], str]
    urgent: bool = False  # shown in red when not empty


def _registrations() -> int:
    from kabinet.identity.models import RegistrationApplication

    return RegistrationApplication.objects.filter(status=RegistrationApplication.Status.NEW).count()


def _appeals(status: str) -> Callable[[], int]:
    def count() -> int:
        from kabinet.appeals.models import Appeal

        return Appeal.objects.filter(status=status).count()

    return count


def _appeals_overdue() -> int:
    from kabinet.appeals.models import Appeal

    return Appeal.objects.overdue().count()


def _failed_messages() -> int:
    from kabinet.notify.models import OutboxMessage, Status

    return OutboxMessage.objects.filter(status=Status.FAILED).count()


def _service_orders_open() -> int:
    from kabinet.customers.models import ServiceOrder

    open_ = (ServiceOrder.Status.NEW, ServiceOrder.Status.IN_PROGRESS)
    return ServiceOrder.objects.filter(status__in=open_).count()


def _readings_flagged() -> int:
    from kabinet.metering.selectors import inspector_queue

    return inspector_queue(flagged=True).count()


def _applications(*stages: str) -> Callable[[], int]:
    def count() -> int:
        from kabinet.connections.models import ConnectionApplication

        return ConnectionApplication.objects.filter(stage__in=stages).count()

    return count


def _appeal_queue(status: str) -> Callable[[], str]:
    return lambda: reverse("appeals_office:queue") + f"?status={status}"


QUEUES: list[Queue] = [
    Queue(
        "registrations",
        _("Registrations to verify"),
        "identity.change_registrationapplication",
        _registrations,
        lambda: reverse("admin:identity_registrationapplication_changelist") + "?status__exact=new",
    ),
    Queue(
        "appeals_overdue",
        _("Appeals overdue"),
        "appeals.view_appeal",
        _appeals_overdue,
        _appeal_queue("overdue"),
        urgent=True,
    ),
    Queue(
        "appeals_new",
        _("New appeals"),
        "appeals.view_appeal",
        _appeals("new"),
        _appeal_queue("new"),
    ),
    Queue(
        "appeals_assigned",
        _("Appeals assigned"),
        "appeals.view_appeal",
        _appeals("assigned"),
        _appeal_queue("assigned"),
    ),
    Queue(
        "appeals_in_progress",
        _("Appeals in progress"),
        "appeals.view_appeal",
        _appeals("in_progress"),
        _appeal_queue("in_progress"),
    ),
    Queue(
        "appeals_waiting",
        _("Appeals waiting for the customer"),
        "appeals.view_appeal",
        _appeals("waiting"),
        _appeal_queue("waiting"),
    ),
    Queue(
        "readings_flagged",
        _("Readings flagged for the inspector"),
        "metering.review_reading",
        _readings_flagged,
        lambda: reverse("admin:metering_reading_queue") + "?flagged=1",
    ),
    Queue(
        "connections_submitted",
        _("Connection applications to register"),
        "connections.register_application",
        _applications("submitted"),
        lambda: (
            reverse("admin:connections_connectionapplication_changelist")
            + "?stage__exact=submitted"
        ),
    ),
    Queue(
        "connections_in_review",
        _("Connection applications under review"),
        "connections.view_connectionapplication",
        _applications("registered", "under_review"),
        lambda: (
            reverse("admin:connections_connectionapplication_changelist")
            + "?stage__in=registered,under_review"
        ),
    ),
    Queue(
        "service_orders",
        _("Service orders to handle"),
        "customers.change_serviceorder",
        _service_orders_open,
        lambda: reverse("admin:customers_serviceorder_changelist"),
    ),
    Queue(
        "messages_failed",
        _("Failed SMS and e-mail messages"),
        "notify.view_outboxmessage",
        _failed_messages,
        lambda: reverse("admin:notify_outboxmessage_changelist") + "?status__exact=failed",
        urgent=True,
    ),
]


@dataclass(frozen=True)
class QueueRow:
    key: str
    title: Any
    count: int
    url: str
    urgent: bool


def queues_for(user: Any) -> list[QueueRow]:
    """The queues this member of staff may see, with their counts (one query each)."""
    return [
        QueueRow(queue.key, queue.title, queue.count(), queue.url(), queue.urgent)
        for queue in QUEUES
        if user.has_perm(queue.permission)
    ]


@dataclass(frozen=True)
class Tool:
    title: Any
    permission: str
    url_name: str


# The purpose-built pages, linked from the first page for whoever may use them.
TOOLS: list[Tool] = [
    Tool(_("Find a customer"), "core.search_customers", "core:office_customers"),
    Tool(_("Appeals"), "appeals.view_appeal", "appeals_office:queue"),
    Tool(_("Credentials at the office"), "core.issue_credentials", "identity:office_search"),
    Tool(_("Audit log"), "core.view_auditevent", "admin:core_auditevent_changelist"),
    Tool(_("My authenticator app"), "", "identity:otp_authenticator"),
]


def tools_for(user: Any) -> list[tuple[Any, str]]:
    return [
        (tool.title, reverse(tool.url_name))
        for tool in TOOLS
        if not tool.permission or user.has_perm(tool.permission)
    ]
