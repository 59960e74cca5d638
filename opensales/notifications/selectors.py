"""Reading notifications: the bell's count (once per request), the latest few, and preferences."""

from __future__ import annotations

from typing import Any

from .kinds import all_kinds
from .models import Notification, NotificationPreference

# The badge shows "99+" beyond this; counting stops there, so a huge unread pile costs no more.
BADGE_CAP = 99
MENU_SIZE = 5

_REQUEST_CACHE = "_opensales_unread_notifications"


def unread_count(user: Any, cap: int | None = BADGE_CAP) -> int:
    """Unread notifications of `user`, counted up to `cap` + 1 (one query, on the unread index)."""
    qs = Notification.objects.for_recipient(user).unread()
    if cap is not None:
        qs = qs.order_by()[: cap + 1]
    return qs.count()


def bell_count(request: Any) -> int:
    """The unread count for the top bar, computed once per request however often the bell is drawn
    (it is drawn twice: phone navigation bar and desktop top bar)."""
    cached = getattr(request, _REQUEST_CACHE, None)
    if cached is None:
        user = getattr(request, "user", None)
        cached = unread_count(user) if user is not None and user.is_authenticated else 0
        setattr(request, _REQUEST_CACHE, cached)
    return cached


def badge_text(count: int) -> str:
    return f"{BADGE_CAP}+" if count > BADGE_CAP else str(count)


def latest(user: Any, size: int = MENU_SIZE) -> list[Notification]:
    """The newest few, read or not, for the bell's dropdown (one query, the actor joined)."""
    return list(Notification.objects.for_recipient(user).select_related("actor").newest_first()[:size])


def effective_preferences(user: Any) -> dict[str, bool]:
    """{kind: by e-mail?} for every registered kind: the user's choice, else the kind's default."""
    chosen = dict(NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "email"))
    return {info.code: chosen.get(info.code, info.email) for info in all_kinds()}
