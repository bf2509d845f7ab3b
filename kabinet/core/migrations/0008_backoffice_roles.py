"""The back office's roles as groups with permissions (kabinet/core/roles.py).

The permissions of a fresh database are created after `migrate` by Django's post_migrate
handler; this migration creates those of the apps it depends on first, so the groups get
them now. An app whose permissions a role gains later: add it to `dependencies` (or run
`manage.py roles_sync`)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def sync(apps, schema_editor):
    from kabinet.core.roles import roles_sync

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0007_backoffice"),
        ("identity", "0002_codes_sessions_consent_applications"),
        ("notify", "0001_initial"),
        ("customers", "0003_business"),
        ("billing", "0002_initial"),
        ("metering", "0002_rules_history_reminders"),
        ("appeals", "0003_attachment_scan"),
        ("payments", "0001_initial"),
        ("documents", "0002_stored_documents_signatures"),
        ("connections", "0001_initial"),
        ("api", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
