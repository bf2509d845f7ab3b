"""Phrases several identity pages share."""

from django.utils.translation import ngettext


def wait_text(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many attempts. Try again in %(n)d minute.",
        "Too many attempts. Try again in %(n)d minutes.",
        minutes,
    ) % {"n": minutes}
