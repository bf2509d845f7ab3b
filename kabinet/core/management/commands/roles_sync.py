"""Create the back office's role groups and give each exactly the permissions of core/roles.py."""

from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.core.management.base import BaseCommand

from kabinet.core.roles import roles_sync


class Command(BaseCommand):
    help = "Create the role groups of the back office and set their permissions (core/roles.py)."

    def handle(self, *args: Any, **options: Any) -> None:
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        missing = roles_sync()
        for group, names in missing.items():
            self.stderr.write(f"{group}: no such permission: {', '.join(names)}")
        self.stdout.write("Roles synchronised.")
