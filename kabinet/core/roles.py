"""The back office's roles, data first: each role is a Django group with exactly the
permissions listed here. A migration (core 0007) creates the groups; `manage.py roles_sync`
re-applies this mapping (after a merge adds codenames, or to undo hand edits of a group).

To give a role the permissions of another app, add "app_label.codename" strings to its list
(e.g. "metering.review_reading" for the meter inspector) and run `manage.py roles_sync`
(or add a migration that calls `roles_sync(apps=apps)`, depending on that app's migration).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

ALL = "*"  # every permission of these apps (not of third-party ones such as django_otp:
# staff devices are made on the command line only, SECURITY.md 7)
ALL_APPS = (
    "admin",
    "auth",
    "core",
    "identity",
    "notify",
    "customers",
    "billing",
    "payments",
    "metering",
    "appeals",
    "connections",
    "documents",
    "api",
)


@dataclass(frozen=True)
class Role:
    key: str
    group: str  # the group's name (stable: the demo and people refer to it)
    label: Any
    permissions: tuple[str, ...]


def view(*models: str) -> tuple[str, ...]:
    return tuple(f"{app}.view_{model}" for app, model in (m.split(".") for m in models))


def manage(*models: str) -> tuple[str, ...]:
    return tuple(
        f"{app}.{action}_{model}"
        for app, model in (m.split(".") for m in models)
        for action in ("view", "add", "change", "delete")
    )


CUSTOMER_DATA = view(
    "customers.customer", "customers.account", "customers.contract", "customers.accountlink"
)

ROLES: tuple[Role, ...] = (
    Role(
        "registration_verifier",
        "Registration verifiers",
        _("Registration verifier"),
        (
            "identity.view_registrationapplication",
            "identity.change_registrationapplication",
            "identity.add_registrationapplication",
            *view("identity.consenttext", "identity.consentgrant"),
            *CUSTOMER_DATA,
        ),
    ),
    Role(
        "service_centre_operator",
        "Service-centre operators",
        _("Service-centre operator"),
        (
            "core.search_customers",
            "core.issue_credentials",
            "identity.view_registrationapplication",
            "identity.add_registrationapplication",
            *CUSTOMER_DATA,
            *view("billing.statement", "billing.payment", "billing.invoice"),
            *view("metering.meter", "metering.reading", "appeals.appeal"),
            *view("customers.serviceorder", "customers.companymember"),
            "customers.change_serviceorder",
        ),
    ),
    Role(
        "meter_inspector",
        "Meter inspectors",
        _("Meter inspector"),
        (
            *view("metering.meter", "metering.reading"),
            "metering.change_reading",
            "metering.review_reading",
            *view("customers.account", "customers.customer"),
        ),
    ),
    Role(
        "appeals_handler",
        "Appeals handlers",
        _("Appeals handler"),
        (
            *view("appeals.appeal", "appeals.appealtopic"),
            "appeals.change_appeal",
            *view("customers.account", "customers.customer"),
        ),
    ),
    Role(
        "connection_engineer",
        "Connection engineers",
        _("Connection engineer"),
        (
            *view("customers.customer", "customers.account", "customers.servicepoint"),
            *(
                f"connections.{codename}"
                for codename in (
                    "view_connectionapplication",
                    "register_application",
                    "return_application",
                    "issue_document",
                    "move_stage",
                    "confirm_payment",
                    "reject_application",
                )
            ),
        ),
    ),
    Role(
        "content_editor",
        "Content editors",
        _("Content editor"),
        (
            *manage("core.announcement", "appeals.appealtopic", "customers.servicekind"),
            "core.view_utilityprofile",
            "core.change_utilityprofile",
            *manage("identity.consenttext"),
        ),
    ),
    Role(
        "administrator",
        "Administrators",
        _("Administrator"),
        (ALL,),
    ),
)


def role(key: str) -> Role:
    return next(r for r in ROLES if r.key == key)


def roles_sync(*, apps: Any = None) -> dict[str, list[str]]:
    """Create the groups and set each one's permissions to exactly its role's list.
    Returns the codenames that do not exist (yet), per group. Works inside a migration
    (pass its `apps`) and outside (the management command)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    everything = list(permission_model.objects.select_related("content_type"))
    by_name = {f"{p.content_type.app_label}.{p.codename}": p for p in everything}
    missing: dict[str, list[str]] = {}
    for item in ROLES:
        group, _created = group_model.objects.get_or_create(name=item.group)
        if ALL in item.permissions:
            wanted = [p for p in everything if p.content_type.app_label in ALL_APPS]
        else:
            wanted = [by_name[name] for name in item.permissions if name in by_name]
            absent = [name for name in item.permissions if name not in by_name]
            if absent:
                missing[item.group] = absent
        group.permissions.set(wanted)
    return missing
