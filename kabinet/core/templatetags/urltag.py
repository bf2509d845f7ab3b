"""`{% url %}` with its answers remembered: the same tag, registered as a template builtin.

Django's `reverse` walks the URL patterns on every call (~30 µs); a cabinet page asks for about
twenty URLs, a fifth of its rendering time (measured in bench/README.md). A reversal depends
only on its arguments, the URLconf and the script prefix, so the answer is remembered per
process under exactly those (and the active language, should a URL ever be translated):
nothing about a request or a user is kept.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=8192, typed=True)
def _reverse(
    view_name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
    urlconf: Any,
    prefix: str,
    language: str | None,
) -> str:
    return reverse(
        view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


def _forget(**_kwargs: Any) -> None:
    _reverse.cache_clear()


setting_changed.connect(_forget)


class RememberedURLNode(URLNode):
    def render(self, context: template.Context) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        try:  # as Django's tag: the request's current_app if it has one, else its namespace
            current_app = request.current_app  # type: ignore[union-attr]
        except AttributeError:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        url = ""
        try:
            hashable = all(isinstance(v, str | int) for v in args + tuple(v for _k, v in kwargs))
            urlconf = get_urlconf() or settings.ROOT_URLCONF
            if hashable:
                url = _reverse(
                    view_name,
                    args,
                    kwargs,
                    current_app,
                    urlconf,
                    get_script_prefix(),
                    get_language(),
                )
            else:
                url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> RememberedURLNode:
    """Parsed exactly as Django's own `{% url %}`."""
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
