"""The audit viewer, for the auditor and the administrator. Reading the log is itself audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action

from .forms import AuditFilterForm
from .models import AuditEvent
from .services import record

PAGE_SIZE = 50


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered(request, form: AuditFilterForm):
    events = AuditEvent.objects.visible_to(request.user, Action.VIEW)
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data["actor"]:
        events = events.filter(actor_username__iexact=data["actor"].strip())
    if data["action"]:
        events = events.filter(action__startswith=data["action"].strip())
    if data["object_type"]:
        events = events.filter(object_type=data["object_type"])
    if data["object_id"]:
        events = events.filter(object_id=data["object_id"].strip())
    if data["outcome"]:
        events = events.filter(outcome=data["outcome"])
    if data["since"]:
        events = events.filter(occurred_at__gte=_day_start(data["since"]))
    if data["until"]:
        events = events.filter(occurred_at__lt=_day_start(data["until"] + dt.timedelta(days=1)))
    return events


@require_safe
def event_list(request):
    if not has_action(request.user, AuditEvent, Action.VIEW):
        raise PermissionDenied
    object_types = (
        AuditEvent.objects.visible_to(request.user)
        .exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )
    form = AuditFilterForm(request.GET or None, object_types=list(object_types))
    events = _filtered(request, form) if request.GET else AuditEvent.objects.visible_to(request.user)
    # Keyset pagination: the log only grows, so "older than id N" is stable and cheap at any depth.
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(pk__lt=int(before))
    page = list(events.order_by("-pk")[: PAGE_SIZE + 1])
    has_more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    filters = {k: v for k, v in request.GET.items() if k != "before" and v}
    record(action="audit.read", changes={"filters": filters, "rows": len(page)})
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "events": page,
            "next_before": page[-1].pk if has_more else None,
            "query": query.urlencode(),
        },
    )


@require_safe
def event_detail(request, pk: int):
    if not has_action(request.user, AuditEvent, Action.VIEW):
        raise PermissionDenied
    event = get_visible_or_404(AuditEvent, request.user, pk)
    record(action="audit.read", object_type="audit.auditevent", object_id=event.pk)
    return render(request, "audit/event_detail.html", {"event": event, "rows": change_rows(event.changes)})


def change_rows(changes: dict) -> list[dict]:
    """{field: [before, after]} pairs become before/after columns; any other value is shown whole."""
    rows = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            rows.append({"field": name, "before": value[0], "after": value[1], "pair": True})
        else:
            rows.append({"field": name, "value": value, "pair": False})
    return rows
