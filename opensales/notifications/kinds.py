"""The kinds of notification, and which of them go by e-mail unless the user says otherwise.

The built-in kinds are the `Kind` choices. A module adds its own in its AppConfig.ready():

    from opensales.notifications.kinds import register_kind
    register_kind("order_shipped", _("Order shipped"), icon="ti-truck", email=False)

The model stores the kind as plain text (no `choices` on the field), so adding a kind needs no
migration; `notify` refuses a kind that was never registered.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    MENTION = "mention", _("Mention")
    ASSIGNMENT = "assignment", _("Assignment")
    REMINDER = "reminder", _("Reminder")
    APPROVAL = "approval", _("Approval")
    SYSTEM = "system", _("System")


@dataclass(frozen=True)
class KindInfo:
    code: str
    label: str | Promise
    icon: str  # a Tabler icon class
    email: bool  # whether it goes by e-mail for users who have not chosen
    description: str | Promise = ""


_kinds: dict[str, KindInfo] = {}


def register_kind(
    code: str, label: str | Promise, *, icon: str = "ti-bell", email: bool = False, description=""
) -> KindInfo:
    """Add a kind (or replace one with the same code). `code` is at most 40 characters."""
    if not code or len(code) > 40:
        raise ValueError("a notification kind code has 1 to 40 characters")
    info = KindInfo(code=code, label=label, icon=icon, email=email, description=description)
    _kinds[code] = info
    return info


def get_kind(code: str) -> KindInfo | None:
    return _kinds.get(code)


def all_kinds() -> list[KindInfo]:
    """Every registered kind, in registration order (the built-ins first)."""
    return list(_kinds.values())


def kind_label(code: str) -> str | Promise:
    info = _kinds.get(code)
    return info.label if info else code


register_kind(
    Kind.MENTION,
    Kind.MENTION.label,
    icon="ti-at",
    email=True,
    description=_("Someone mentioned you in a note or comment."),
)
register_kind(
    Kind.ASSIGNMENT,
    Kind.ASSIGNMENT.label,
    icon="ti-user-check",
    email=True,
    description=_("A record or task was assigned to you."),
)
register_kind(
    Kind.REMINDER,
    Kind.REMINDER.label,
    icon="ti-alarm",
    description=_("A follow-up or task you planned is due."),
)
register_kind(
    Kind.APPROVAL,
    Kind.APPROVAL.label,
    icon="ti-checklist",
    description=_("Something waits for your approval, or your request was decided."),
)
register_kind(
    Kind.SYSTEM, Kind.SYSTEM.label, icon="ti-info-circle", description=_("Messages from OpenSales itself.")
)
