from typing import Any

from django import template

from kabinet.core.backoffice import QueueRow, queues_for, tools_for

register = template.Library()


@register.simple_tag(takes_context=True)
def backoffice_queues(context: dict[str, Any]) -> list[QueueRow]:
    return queues_for(context["request"].user)


@register.simple_tag(takes_context=True)
def backoffice_tools(context: dict[str, Any]) -> list[tuple[Any, str]]:
    return tools_for(context["request"].user)
