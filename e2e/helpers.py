"""Small helpers shared by the browser tests."""

from __future__ import annotations

import re


def in_cabinet(base: str) -> re.Pattern[str]:
    """/cabinet/, or the first account's dashboard it opens when there are accounts."""
    return re.compile(re.escape(base) + r"/cabinet/(accounts/\d+/)?$")
