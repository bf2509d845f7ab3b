from django.db import migrations, models


class Migration(migrations.Migration):
    """The meter's readings indexed in the order "the last reading" reads them: (taken_on, id)."""

    dependencies = [
        ("metering", "0002_rules_history_reminders"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="reading",
            index=models.Index(fields=["meter", "-taken_on", "-id"], name="reading_meter_last_idx"),
        ),
        migrations.RemoveIndex(model_name="reading", name="metering_re_meter_i_6d6726_idx"),
    ]
