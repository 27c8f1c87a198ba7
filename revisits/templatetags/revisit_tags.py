"""The call-back count on the staff workbench: the demands app's page shows it without importing this app."""

from django import template

from ..permissions import may_view_revisits
from ..selectors import revisit_open_count

register = template.Library()


@register.inclusion_tag("revisits/_workbench_count.html", takes_context=True)
def revisits_due(context):
    user = context["request"].user
    if not may_view_revisits(user):
        return {"shown": False}
    return {"shown": True, "count": revisit_open_count(viewer=user)}
