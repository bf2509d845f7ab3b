"""A consent text for tests and the demo: DRSK's sign-up cannot start without one.

A real utility writes its own in the back office; nothing but tests and the demo imports this.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import ConsentText

CONSENT_UK = (
    "Я даю згоду на обробку моїх персональних даних (прізвище, ім'я, по батькові, "
    "ідентифікаційні номери, адреса електронної пошти, номер телефону) з метою реєстрації та "
    "обслуговування в особистому кабінеті, відповідно до Закону України «Про захист "
    "персональних даних». Згоду можна відкликати в налаштуваннях кабінету."
)
CONSENT_RU = (
    "Я даю согласие на обработку моих персональных данных (фамилия, имя, отчество, СНИЛС или "
    "ИНН, адрес электронной почты, номер телефона) в целях регистрации и обслуживания в личном "
    "кабинете в соответствии с Федеральным законом № 152-ФЗ «О персональных данных». Согласие "
    "может быть отозвано в настройках кабинета."
)
CONSENT_EN = (
    "I consent to the processing of my personal data (surname, name, patronymic, identification "
    "numbers, e-mail address, phone number) for registration and service in the personal "
    "cabinet, under the personal-data laws that apply. I can withdraw the consent in Settings."
)


def make_consent_text(
    *,
    version: str = "2026-01",
    text: str = CONSENT_UK,
    text_ru: str = CONSENT_RU,
    text_en: str = CONSENT_EN,
    published_at: dt.datetime | None = None,
) -> ConsentText:
    """The consent text of this version (created once; later calls return the same row)."""
    consent, _created = ConsentText.objects.get_or_create(
        version=version,
        defaults={
            "text": text,
            "text_ru": text_ru,
            "text_en": text_en,
            "published_at": published_at or timezone.now() - dt.timedelta(days=1),
        },
    )
    return consent
