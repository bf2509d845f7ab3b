"""SECURITY.md 29: schemathesis runs every check (status codes, response schemas, content
types, rejected negative data, ignored authorization…) against the OpenAPI schema, positive and
negative data alike, in-process through the WSGI application: no server, no network."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings

from kabinet.api.v1 import api
from kabinet.wsgi import application

from .conftest import make_key

# The schema as the API serves it (test_the_schema_served_is_the_one_tested checks that).
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
schema.app = application


@pytest.fixture
def raw_key(db: None) -> Iterator[str]:
    # As Django's test client does: a request must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield make_key(name="schemathesis")[1]
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_schema_served_is_the_one_tested(db: None) -> None:
    served = Client().get("/api/openapi.json").json()
    assert served == schema.raw_schema
    assert set(served["paths"]) >= {"/api/v1/import/statements", "/api/v1/export/readings"}
    docs = Client().get("/api/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_schema(case: schemathesis.Case, raw_key: str) -> None:
    case.call_and_validate(headers={"X-Api-Key": raw_key})
