from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import UtilityProfile


def utility(request: HttpRequest) -> dict[str, Any]:
    """The utility profile for every template, read only when a template uses it."""
    return {"utility": SimpleLazyObject(UtilityProfile.get)}
