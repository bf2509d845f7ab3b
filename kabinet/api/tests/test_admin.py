"""Keys are made in the back office (behind the staff TOTP login): the raw key is shown once."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from kabinet.api.models import ApiKey
from kabinet.core.models import AuditEvent
from kabinet.core.testing import back_office_login

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(staff):
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="api", codename__endswith="apikey")
    )
    return staff


def test_a_key_made_in_the_back_office_works_once_copied(client, operator) -> None:
    back_office_login(client, operator)
    response = client.post(
        "/admin/api/apikey/add/",
        {
            "name": "SAP IS-U",
            "can_export": "on",
            "expires_at_0": "2099-01-01",
            "expires_at_1": "00:00:00",
        },
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    page = response.content.decode()
    match = re.search(r"(kbk_[A-Za-z0-9_-]{40,})", page)
    assert match, shown
    raw = match.group(1)
    key = ApiKey.objects.get(name="SAP IS-U")
    assert key.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert key.created_by == operator
    assert AuditEvent.objects.filter(action="api_key.created", object_id=str(key.pk)).exists()
    # Shown once: the key's own page does not have it.
    change = client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert raw not in change and key.prefix in change
    assert ApiClient(raw).get("export/readings").status_code == 200
    assert ApiClient(raw).records("customers", []).status_code == 403


def test_a_key_needs_a_scope(client, operator) -> None:
    back_office_login(client, operator)
    response = client.post(
        "/admin/api/apikey/add/",
        {"name": "none", "expires_at_0": "2099-01-01", "expires_at_1": "00:00:00"},
    )
    assert response.status_code == 200
    assert not ApiKey.objects.exists()


def test_revoking_in_the_back_office(client, operator) -> None:
    from .conftest import make_key

    key, raw = make_key(name="old billing")
    back_office_login(client, operator)
    client.post(
        "/admin/api/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
        follow=True,
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert ApiClient(raw).get("export/readings").status_code == 401


def test_staff_without_the_totp_step_cannot_reach_keys(client, operator) -> None:
    client.force_login(operator)
    response = client.get("/admin/api/apikey/add/")
    assert response.status_code in (302, 403)
