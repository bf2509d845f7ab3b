"""Read-side queries of grid-connection applications for other apps (the billing export)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Stage, StageEvent


def stage_events_for_billing() -> QuerySet[StageEvent]:
    """Every stage an application reached once it was sent (drafts are the applicant's own),
    with the application and its applicant's customer in the same query."""
    return StageEvent.objects.exclude(stage=Stage.DRAFT).select_related(
        "application__user__customer"
    )
