from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language_info

from .models import UtilityProfile

# The language switcher's buttons: (code, label, the language's own name), the same for everyone.
LANGUAGES = tuple(
    (code, code.upper(), get_language_info(code)["name_local"])
    for code, _name in settings.LANGUAGES
)


def utility(request: HttpRequest) -> dict[str, Any]:
    """The utility profile for every template, read only when a template uses it, and the
    languages of the switcher."""
    return {"utility": SimpleLazyObject(UtilityProfile.get), "languages": LANGUAGES}
