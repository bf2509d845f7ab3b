from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.api.services import api_key_create


class ApiClient:
    """The Django test client speaking to the API with a key in the X-Api-Key header."""

    def __init__(self, raw_key: str) -> None:
        self.client = Client()
        self.raw_key = raw_key

    def post(self, path: str, body: Any, **query: Any) -> Any:
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        return self.client.post(
            f"/api/v1/{path}" + (f"?{qs}" if qs else ""),
            body,
            content_type="application/json",
            headers={"X-Api-Key": self.raw_key},
        )

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"/api/v1/{path}", query, headers={"X-Api-Key": self.raw_key})

    def records(self, record_type: str, records: list[Any], **query: Any) -> Any:
        return self.post(f"import/{record_type}", {"records": records}, **query)


def make_key(**fields: Any) -> tuple[Any, str]:
    values: dict[str, Any] = {
        "name": f"billing-{timezone.now().timestamp()}",
        "can_import": True,
        "can_export": True,
        "expires_at": timezone.now() + dt.timedelta(days=365),
    }
    values.update(fields)
    return api_key_create(**values)


@pytest.fixture
def billing(db: None) -> ApiClient:
    _key, raw = make_key(name="1C billing")
    return ApiClient(raw)
