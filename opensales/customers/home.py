"""Home widget: my recently changed customers."""

from __future__ import annotations

from typing import Any

from opensales.core.actions import Action
from opensales.core.home import HomeWidget, register_home_widget
from opensales.core.scope import has_action


def _recent(request: Any) -> dict[str, Any]:
    from .models import Customer

    customers = (
        Customer.objects.visible_to(request.user, Action.VIEW)
        .filter(owner_id=request.user.pk)
        .order_by("-updated_at", "-pk")[:5]
    )
    return {"customers": list(customers)}


def register_widgets() -> None:
    register_home_widget(
        HomeWidget(
            "recent_customers",
            "customers/home/recent.html",
            order=30,
            visible=lambda user: has_action(user, "customers.customer", Action.VIEW),
            context=_recent,
        )
    )
