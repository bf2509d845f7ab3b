"""`{% url %}` that remembers its answers gives exactly Django's answers, and forgets them when
the URLconf or the script prefix changes."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from kabinet.core.templatetags.urltag import RememberedURLNode, _reverse


def render(text: str, **context: object) -> str:
    return Template(text).render(Context(context))


def test_url_is_the_builtin_tag() -> None:
    template = Template("{% url 'core:home' %}")
    assert isinstance(template.nodelist[0], RememberedURLNode)


def test_same_answers_as_django() -> None:
    assert render("{% url 'customers:dashboard' 7 %}") == reverse("customers:dashboard", args=[7])
    assert render("{% url 'customers:dashboard' pk %}", pk=8) == "/cabinet/accounts/8/"
    assert render("{% url 'customers:dashboard' pk=9 %}") == "/cabinet/accounts/9/"
    # A string and a number that print alike are one URL; True is not 1 for the cache.
    assert render("{% url 'customers:dashboard' '10' %}") == "/cabinet/accounts/10/"


def test_remembered_per_arguments() -> None:
    _reverse.cache_clear()
    for pk in (1, 2, 1, 2, 1):
        assert render("{% url 'customers:dashboard' pk %}", pk=pk) == f"/cabinet/accounts/{pk}/"
    info = _reverse.cache_info()
    assert (info.misses, info.hits) == (2, 3)


def test_as_variable_and_missing_url() -> None:
    assert render("{% url 'nowhere:at-all' as link %}[{{ link }}]") == "[]"
    assert render("{% url 'core:home' as link %}[{{ link }}]") == "[/]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'nowhere:at-all' %}")
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")


def test_unhashable_or_unusual_arguments_are_reversed_each_time() -> None:
    class Pk:
        def __str__(self) -> str:
            return "11"

    assert render("{% url 'customers:dashboard' pk %}", pk=Pk()) == "/cabinet/accounts/11/"


def test_script_prefix_and_language_are_part_of_the_answer() -> None:
    assert render("{% url 'core:home' %}") == "/"
    set_script_prefix("/portal/")
    try:
        assert render("{% url 'core:home' %}") == "/portal/"
    finally:
        clear_script_prefix()
        set_script_prefix("/")
    assert render("{% url 'core:home' %}") == "/"
    with translation.override("ru"):
        assert render("{% url 'core:contacts' %}") == reverse("core:contacts")


@override_settings(ROOT_URLCONF="kabinet.core.tests.urls_other")
def test_another_urlconf_is_not_answered_from_memory() -> None:
    assert render("{% url 'only-here' %}") == "/somewhere-else/"
