"""`{% follow_ups_of record as items %}`: the latest follow-ups linked to a customer, opportunity or lead
that the reader may see, for the "Follow-ups" tab of those pages (one query)."""

from __future__ import annotations

from typing import Any

from django import template

from opensales.core.actions import Action
from opensales.core.scope import has_action

register = template.Library()
LIMIT = 50
# The follow-up field that links to each kind of record.
LINKS = {"customers.customer": "customer", "deals.opportunity": "opportunity", "leads.lead": "lead"}


@register.simple_tag(takes_context=True)
def follow_ups_of(context: Any, record: Any) -> list[Any]:
    from opensales.activities.models import FollowUp

    user = context["request"].user
    field = LINKS.get(record._meta.label_lower)
    if field is None or not has_action(user, FollowUp, Action.VIEW):
        return []
    return list(
        FollowUp.objects.visible_to(user, Action.VIEW)
        .filter(**{field: record})
        .select_related("owner", "contact")
        .order_by("-at")[:LIMIT]
    )


def tab_visible(user: Any, record: Any) -> bool:
    return has_action(user, "activities.followup", Action.VIEW)
