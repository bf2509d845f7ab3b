"""The topics a new installation starts with (the utility edits the list in the back office).
Used by the migration that made topics a list, and by tests whose database is flushed."""

from __future__ import annotations

from typing import Any

TOPICS = [
    ("billing", "Питання щодо рахунку", "Вопрос по счёту", "Billing question"),
    ("readings", "Показники лічильника", "Показания счётчика", "Meter readings"),
    ("payment_missing", "Оплата не відображається", "Оплата не отображается", "Payment not shown"),
    ("quality", "Якість обслуговування", "Качество обслуживания", "Quality of service"),
    ("connection", "Підключення", "Подключение", "Connection"),
    ("other", "Інше", "Другое", "Other"),
]


def topics_seed(*, apps: Any = None) -> None:
    """Create the default topics that are missing (by code); existing ones stay as edited."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    topic_model = apps.get_model("appeals", "AppealTopic")
    for position, (code, uk, ru, en) in enumerate(TOPICS):
        topic_model.objects.get_or_create(
            code=code, defaults={"name": uk, "name_ru": ru, "name_en": en, "position": position}
        )
