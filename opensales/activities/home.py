"""Home widgets: the user's follow-ups planned for today and the overdue ones."""

from __future__ import annotations

from typing import Any

from opensales.core.actions import Action
from opensales.core.home import HomeWidget, register_home_widget
from opensales.core.scope import has_action

WIDGET_ROWS = 6


def _may_view(user: Any) -> bool:
    from .models import FollowUp

    return has_action(user, FollowUp, Action.VIEW)


def _lists(request: Any) -> dict[str, Any]:
    from .views import today_lists

    # Both widgets read the same two lists: load them once per request.
    cached = getattr(request, "_follow_up_lists", None)
    if cached is None:
        cached = request._follow_up_lists = today_lists(request.user, limit=WIDGET_ROWS)
    return cached


def register() -> None:
    register_home_widget(
        HomeWidget(
            "follow_ups_today", "activities/home/today.html", order=20, visible=_may_view, context=_lists
        )
    )
    register_home_widget(
        HomeWidget(
            "follow_ups_overdue", "activities/home/overdue.html", order=21, visible=_may_view, context=_lists
        )
    )
