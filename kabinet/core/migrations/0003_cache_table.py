from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The database cache (the default) holds rate limits shared by every process; its table
    # comes with the schema so no install step can forget it. A no-op with Redis.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
