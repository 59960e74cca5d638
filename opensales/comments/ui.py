"""What the timeline partial needs, shared by the template tag (first render) and the views (htmx)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .records import record_label, record_url
from .selectors import timeline
from .services import may_moderate

TIMELINE_LIMIT = 50


def safe_next(request: Any, fallback: str = "") -> str:
    """The `next` of the request if it is a path on this site, else the Referer's, else `fallback`."""
    for candidate in (request.POST.get("next"), request.GET.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return fallback or "/"


def element_id(obj: Any) -> str:
    return f"timeline-{record_label(obj).replace('.', '-')}-{obj.pk}"


def timeline_context(
    request: Any,
    obj: Any,
    *,
    errors: list[str] | None = None,
    notice: str = "",
    body: str = "",
    next_url: str = "",
) -> dict[str, Any]:
    user = request.user
    label = record_label(obj)
    return {
        "obj": obj,
        "label": label,
        "items": timeline(obj, user, limit=TIMELINE_LIMIT),
        "limit": TIMELINE_LIMIT,
        "may_moderate": may_moderate(user, obj),
        "me": user,
        "element_id": element_id(obj),
        "next": next_url or request.get_full_path(),
        "record_url": record_url(obj),
        "suggest_url": reverse("comments:mention_suggest", args=[label, obj.pk]),
        "errors": errors or [],
        "notice": notice,
        "body": body,
    }
