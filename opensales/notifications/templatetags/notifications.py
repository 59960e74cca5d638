"""The bell's count: `{% notification_count as unread %}`, queried once per request."""

from __future__ import annotations

from django import template
from django.conf import settings

from ..selectors import badge_text, bell_count

register = template.Library()


@register.simple_tag(takes_context=True)
def notification_count(context) -> int:
    request = context.get("request")
    return bell_count(request) if request is not None else 0


@register.simple_tag(takes_context=True)
def notification_bell_once(context) -> bool:
    """True for the first bell drawn in a request (its stylesheet goes out once)."""
    request = context.get("request")
    if request is None or getattr(request, "_opensales_bell_drawn", False):
        return False
    request._opensales_bell_drawn = True
    return True


@register.simple_tag
def notification_poll_seconds() -> int:
    """How often the page asks for a fresh count; 0 (the default) = only on page loads and when the
    bell is opened. Off by default: a poll is a request like any other, so it would keep an idle
    session alive past OPENSALES_IDLE_TIMEOUT (see docs/notifications.md)."""
    return int(getattr(settings, "OPENSALES_NOTIFICATIONS_POLL_SECONDS", 0) or 0)


@register.filter
def notification_badge(count: int) -> str:
    """3 → "3", 150 → "99+"."""
    return badge_text(count)
