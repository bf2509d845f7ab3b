"""SECURITY.md 27 and 29: scoped, expiring, revocable keys in a header, stored hashed; every
call logged; errors in one JSON shape."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.api.models import ApiCall, ApiKey
from kabinet.api.services import api_key_revoke

from .conftest import ApiClient, make_key

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert "Traceback" not in response.content.decode()
    return body["error"]


def test_no_key_is_401_json() -> None:
    response = Client().get("/api/v1/export/readings")
    assert_error(response, 401, "unauthorized")


def test_key_only_in_the_header_not_the_query_string_or_a_cookie() -> None:
    _key, raw = make_key()
    client = Client()
    assert_error(client.get("/api/v1/export/readings", {"X-Api-Key": raw}), 401, "unauthorized")
    client.cookies["X-Api-Key"] = raw
    assert_error(client.get("/api/v1/export/readings"), 401, "unauthorized")
    assert ApiClient(raw).get("export/readings").status_code == 200


def test_key_is_stored_as_its_sha256_only() -> None:
    key, raw = make_key()
    assert len(raw) > 40
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str([getattr(stored, f.attname) for f in ApiKey._meta.concrete_fields])


def test_expired_and_revoked_keys_are_refused() -> None:
    _key, expired = make_key(name="old", expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_error(ApiClient(expired).get("export/readings"), 401, "unauthorized")
    key, raw = make_key(name="revoked")
    assert ApiClient(raw).get("export/readings").status_code == 200
    api_key_revoke(key=key)
    assert_error(ApiClient(raw).get("export/readings"), 401, "unauthorized")


def test_scopes_are_enforced() -> None:
    _key, export_only = make_key(name="reader", can_import=False)
    error = assert_error(ApiClient(export_only).records("customers", []), 403, "forbidden")
    assert "import" in error["message"]
    _key, import_only = make_key(name="writer", can_export=False)
    assert_error(ApiClient(import_only).get("export/readings"), 403, "forbidden")
    assert ApiClient(import_only).post("callbacks/readings", {"records": []}).status_code == 200


def test_every_call_is_logged_even_the_refused_ones(billing: ApiClient) -> None:
    Client().get("/api/v1/export/appeals")
    billing.records("customers", [{"code": "C1", "kind": "individual", "name": "Іваненко"}])
    calls = list(ApiCall.objects.order_by("id"))
    assert [(c.method, c.path, c.status) for c in calls] == [
        ("GET", "/api/v1/export/appeals", 401),
        ("POST", "/api/v1/import/customers", 200),
    ]
    assert calls[0].key is None
    assert calls[1].key is not None and calls[1].key.name == "1C billing"
    assert calls[1].records == 1


def test_bad_body_is_422_with_field_and_reason(billing: ApiClient) -> None:
    error = assert_error(billing.post("import/customers", {"rows": []}), 422, "invalid")
    assert error["fields"] and error["fields"][0]["field"] == "records"
    error = assert_error(billing.get("export/readings", limit=0), 422, "invalid")
    assert error["fields"][0]["field"] == "limit"


def test_a_server_error_is_json_without_a_trace(billing: ApiClient, monkeypatch) -> None:
    from kabinet.api.imports import customers

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(customers.Customers, "upsert", explode)
    response = billing.records("customers", [{"code": "C1", "kind": "individual", "name": "X"}])
    error = assert_error(response, 500, "error")
    assert "secret internals" not in response.content.decode()
    assert error["message"]


def test_posts_need_the_key_not_a_csrf_token() -> None:
    """SECURITY.md 32: the token API is the one place without CSRF, as no cookie is used."""
    _key, raw = make_key()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/import/customers",
        {"records": []},
        content_type="application/json",
        headers={"X-Api-Key": raw},
    )
    assert response.status_code == 200
    assert "Set-Cookie" not in response
