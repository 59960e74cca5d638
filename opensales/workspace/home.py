"""The workspace's home-page widget: the lists the user may open, each with their saved views."""

from __future__ import annotations

from typing import Any

from opensales.core.actions import Action
from opensales.core.home import HomeWidget, register_home_widget
from opensales.core.scope import has_action

from . import saved_views
from .registry import all_views


def _lists(request: Any) -> dict[str, Any]:
    user = request.user
    views = [mv for mv in all_views() if mv.show_on_home and has_action(user, mv.model, Action.VIEW)]
    saved: dict[str, list[dict[str, Any]]] = {mv.key: [] for mv in views}
    by_key = {mv.key: mv for mv in views}
    for view in saved_views.available(user, list(saved)).order_by("name"):
        saved[view.list_key].append(
            {
                "name": view.name,
                "url": saved_views.url_of(by_key[view.list_key], view),
                "shared": view.visibility != "private",
            }
        )
    return {
        "lists": [
            {"name": mv.verbose_name_plural(), "icon": mv.icon, "url": mv.list_url(), "views": saved[mv.key]}
            for mv in views
        ]
    }


def register() -> None:
    register_home_widget(HomeWidget("workspace_lists", "workspace/home/lists.html", order=50, context=_lists))
