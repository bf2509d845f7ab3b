"""What the applicant sees of an application: the stages passed with their dates, the current
one, those still ahead, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from .models import FINAL, PATH, ConnectionApplication, Stage


@dataclass(frozen=True)
class Row:
    stage: str
    label: str
    at: datetime | None
    comment: str
    state: str  # "done", "current", "ahead"


def timeline(application: ConnectionApplication) -> list[Row]:
    """Uses the prefetched events: no query of its own."""
    events = [event for event in application.events.all() if event.stage != Stage.DRAFT]
    rows = [
        Row(
            stage=event.stage,
            label=str(Stage(event.stage).label),
            at=event.at,
            comment=event.comment,
            state="done",
        )
        for event in events
    ]
    if rows and application.stage != Stage.DRAFT:
        rows[-1] = Row(**{**rows[-1].__dict__, "state": "current"})
    if application.stage in FINAL:
        return rows
    position = PATH.index(Stage(application.stage)) if application.stage in PATH else -1
    if application.stage == Stage.RETURNED:
        position = PATH.index(Stage.REGISTERED) if application.registered_at else 0
    rows += [
        Row(stage=stage, label=str(stage.label), at=None, comment="", state="ahead")
        for stage in PATH[position + 1 :]
    ]
    return rows


def applicant_next_step(application: ConnectionApplication) -> str:
    stage = application.stage
    texts = {
        Stage.DRAFT: _("Fill in the form and attach the documents, then send the application."),
        Stage.SUBMITTED: _("Nothing for now: the utility registers the application."),
        Stage.REGISTERED: _("Nothing for now: the utility starts reviewing the application."),
        Stage.UNDER_REVIEW: _("Nothing for now: the utility prepares the technical conditions."),
        Stage.RETURNED: _("Correct what the utility named and send the application again."),
        Stage.CONDITIONS_ISSUED: _("Read the technical conditions and the contract."),
        Stage.AWAITING_SIGNATURE: _("Read the contract and sign it with the SMS code."),
        Stage.AWAITING_PAYMENT: _("Pay the connection fee by the invoice."),
        Stage.WORKS: _("Nothing for now: the utility carries out the works."),
        Stage.ACCEPTANCE_ISSUED: _("Read the acceptance act."),
        Stage.COMPLETED: _("Nothing: the object is connected."),
        Stage.REJECTED: _("Read the reason. You can file a new application."),
    }
    return texts[Stage(stage)]
