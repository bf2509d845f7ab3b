"""Announcements billing sends (the data-update schedule, outages) by billing's code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
from django.utils import timezone

from kabinet.core.models import Announcement, Branch

from .base import Outcome, Record, RecordType, ids_by, orm_upsert


class AnnouncementRecord(Record):
    code: str = pydantic.Field(min_length=1, max_length=40)
    title: str = pydantic.Field(min_length=1, max_length=200)
    body: str = pydantic.Field(min_length=1)
    title_ru: str = pydantic.Field("", max_length=200)
    body_ru: str = ""
    title_en: str = pydantic.Field("", max_length=200)
    body_en: str = ""
    branch_code: str = pydantic.Field("", max_length=32)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    on_login_page: bool = True
    on_dashboard: bool = True

    @pydantic.model_validator(mode="after")
    def _ends_after_start(self) -> AnnouncementRecord:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Announcements(RecordType):
    name = "announcements"
    title = "Announcements by billing code (for everyone, or one branch)"
    schema = AnnouncementRecord

    def key(self, row: Any) -> Any:
        return row.code

    def upsert(self, rows: list[tuple[int, Any]], outcome: Outcome) -> None:
        branches = ids_by(Branch, "code", {r.branch_code for _i, r in rows if r.branch_code})
        now = timezone.now()
        given, defaulted = [], []
        for index, row in rows:
            if row.branch_code and row.branch_code not in branches:
                outcome.reject(index, "branch_code", "unknown branch")
                continue
            data = row.model_dump(exclude={"branch_code"})
            data["branch_id"] = branches.get(row.branch_code) if row.branch_code else None
            for name in ("starts_at", "ends_at"):
                if data[name] is not None and timezone.is_naive(data[name]):
                    data[name] = timezone.make_aware(data[name])
            if data["starts_at"] is None:
                data["starts_at"] = now  # shown from now on: kept as it was on a re-import
                defaulted.append((index, data))
            else:
                given.append((index, data))
        orm_upsert(Announcement, ("code",), given, outcome)
        orm_upsert(Announcement, ("code",), defaulted, outcome, keep=("starts_at",))
