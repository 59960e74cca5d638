"""The sidebar: modules and their entries, each shown only to users whose roles grant it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .idurls import fixed_url


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    # (model label, action) the user needs, or a predicate on the user; None = every signed-in user.
    requires: tuple[str, str] | Callable[[Any], bool] | None = None


@dataclass
class NavGroup:
    key: str
    label: str | Promise
    icon: str
    items: list[NavItem] = field(default_factory=list)


# Groups in menu order; business apps append their items in their AppConfig.ready().
GROUPS: dict[str, NavGroup] = {
    g.key: g
    for g in [
        NavGroup("customers", _("Customers"), "ti-users"),
        NavGroup("sales", _("Sales"), "ti-briefcase"),
        NavGroup("inventory", _("Inventory"), "ti-building-warehouse"),
        NavGroup("targets", _("Targets & performance"), "ti-target-arrow"),
        NavGroup("staff", _("Staff"), "ti-id-badge-2"),
        NavGroup("service", _("Service"), "ti-headset"),
        NavGroup("marketing", _("Marketing"), "ti-speakerphone"),
        NavGroup("knowledge", _("Knowledge base"), "ti-book"),
        NavGroup("reports", _("Reports"), "ti-chart-bar"),
        NavGroup("settings", _("Settings"), "ti-settings"),
    ]
}


def add_item(group: str, item: NavItem) -> None:
    GROUPS[group].items.append(item)


def menu_for(user) -> list[dict]:
    from .scope import has_action

    menu = []
    for group in GROUPS.values():
        items = [
            {
                "label": item.label,
                "url": fixed_url(item.url_name),
                "icon": item.icon,
                "url_name": item.url_name,
            }
            for item in group.items
            if item.requires is None
            or (item.requires(user) if callable(item.requires) else has_action(user, *item.requires))
        ]
        if items:
            menu.append({"key": group.key, "label": group.label, "icon": group.icon, "items": items})
    return menu
