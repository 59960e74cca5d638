"""The home page is a set of widgets; each module registers its own, for the roles it serves.

    register_home_widget(HomeWidget("my_tasks", "crm/home/tasks.html", order=10,
                                    visible=lambda user: has_action(user, "crm.task", "view"),
                                    context=lambda request: {...}))

A widget shows when its `visible(user)` says so (a role, a permission), so a rep, a manager and an
auditor each get the home page of their job. `context(request)` runs only for shown widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HomeWidget:
    key: str
    template: str
    order: int = 100
    width: str = "col-md-6 col-xl-4"
    visible: Callable[[Any], bool] | None = None
    context: Callable[[Any], dict[str, Any]] | None = None


_widgets: dict[str, HomeWidget] = {}


def register_home_widget(widget: HomeWidget) -> None:
    _widgets[widget.key] = widget


def widgets_for(request: Any) -> list[dict[str, Any]]:
    shown = []
    for widget in sorted(_widgets.values(), key=lambda w: (w.order, w.key)):
        if widget.visible is not None and not widget.visible(request.user):
            continue
        context = widget.context(request) if widget.context is not None else {}
        shown.append({"widget": widget, "context": context})
    return shown
