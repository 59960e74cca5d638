"""{% bulk_toolbar model_view as bar %}: what the list's bulk toolbar offers the current user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from opensales.core.actions import Action
from opensales.core.scope import has_action

from .. import actions as built_in

register = template.Library()


@dataclass
class ToolbarAction:
    key: str
    label: Any
    icon: str
    danger: bool
    form: Any


@dataclass
class Toolbar:
    actions: list[ToolbarAction]
    can_export: bool


@register.simple_tag(takes_context=True)
def bulk_toolbar(context, model_view) -> Toolbar:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    items = []
    for bulk in built_in.available_actions(model_view, user):
        form = built_in.make_form(model_view, bulk, user, prefix=bulk.key)
        if form is not None:
            form.use_required_attribute = False  # one form holds every action's fields
        items.append(ToolbarAction(bulk.key, bulk.label, bulk.icon or "ti-bolt", bulk.danger, form))
    return Toolbar(actions=items, can_export=has_action(user, model_view.model, Action.EXPORT))
