"""The record timeline: comments, field changes, audit events and files, newest first.

    from opensales.comments.selectors import timeline
    items = timeline(obj, request.user, limit=50)   # the caller has checked VIEW on obj

A constant number of queries whatever the number of items (pinned in tests/test_timeline.py): the
comments with their authors and mentions, the history, the audit events with their actors, the files.
Sensitive fields stay masked (core.history.history_rows). Reads (downloads, unmasking, refusals) and
the audit events of what the timeline shows by itself (comments added or edited, files added, record
creations and updates when the model keeps history) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from opensales.audit.models import AuditEvent
from opensales.core.history import history_rows

from .models import Comment

# Audit actions the timeline never shows: reads, and what it shows as items of their own.
HIDDEN_ACTIONS = frozenset(
    {"access.denied", "comment.add", "comment.edit", "attachment.add", "attachment.download"}
)
HIDDEN_SUFFIXES = (".view", ".read", ".download", ".unmask", ".export")
COVERED_BY_HISTORY = (".create", ".update")

# Labels of audit actions shown on timelines; other modules may add theirs (`EVENT_LABELS[code] = ...`).
EVENT_LABELS: dict[str, Any] = {
    "comment.delete": _("deleted a comment"),
    "attachment.delete": _("deleted a file"),
    "user.set_roles": _("changed the roles"),
    "user.reset_password": _("reset the password"),
    "employee.create": _("created the record"),
    "employee.update": _("changed the record"),
    "department.create": _("created the record"),
    "department.update": _("changed the record"),
}


@dataclass
class TimelineItem:
    when: datetime
    kind: str  # comment | change | event | file
    who: Any = None  # a user, or None (the system, or a user since deleted)
    who_name: str = ""
    text: Any = ""
    changes: list[dict[str, Any]] = field(default_factory=list)
    comment: Comment | None = None
    attachment: Any = None
    action: str = ""

    @property
    def sort_key(self) -> datetime:
        return self.when


def comments_of(obj: models.Model) -> QuerySet[Comment]:
    return Comment.objects.for_record(obj).select_related("author").prefetch_related("mentions")


def _events(obj: models.Model, limit: int) -> list[AuditEvent]:
    qs = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).exclude(
        action__in=HIDDEN_ACTIONS
    )
    hidden = Q()
    for suffix in HIDDEN_SUFFIXES + (COVERED_BY_HISTORY if hasattr(obj, "history") else ()):
        hidden |= Q(action__endswith=suffix)
    return list(qs.exclude(hidden).order_by("-id")[:limit])


def event_text(event: AuditEvent) -> Any:
    label = EVENT_LABELS.get(event.action, event.action)
    name = (event.changes or {}).get("name") if event.action.startswith("attachment.") else None
    return f"{label}: {name}" if name else label


def timeline(obj: models.Model, user: Any, limit: int = 50) -> list[TimelineItem]:
    """Up to `limit` items about `obj`, newest first (see the module docstring)."""
    from opensales.attachments.models import Attachment

    items: list[TimelineItem] = []
    for comment in comments_of(obj)[:limit]:
        items.append(
            TimelineItem(
                when=comment.created_at,
                kind="comment",
                who=comment.author,
                who_name=comment.author.get_full_name() if comment.author else "",
                text=comment.body,
                comment=comment,
            )
        )
    if hasattr(obj, "history"):
        for row in history_rows(obj, limit=limit):
            who = row["who"]
            items.append(
                TimelineItem(
                    when=row["when"],
                    kind="change",
                    who=who,
                    who_name=who.get_full_name() if who else "",
                    text=row["kind"],
                    changes=row["changes"],
                )
            )
    events = _events(obj, limit)
    actors = {
        u.pk: u for u in get_user_model().objects.filter(pk__in={e.actor_id for e in events if e.actor_id})
    }
    for event in events:
        actor = actors.get(event.actor_id)
        items.append(
            TimelineItem(
                when=event.occurred_at,
                kind="event",
                who=actor,
                who_name=actor.get_full_name() if actor else event.actor_username,
                text=event_text(event),
                action=event.action,
            )
        )
    content_type = ContentType.objects.get_for_model(obj)
    files = Attachment.objects.filter(content_type=content_type, object_id=obj.pk).select_related(
        "uploaded_by"
    )
    for attachment in files[:limit]:
        uploader = attachment.uploaded_by
        items.append(
            TimelineItem(
                when=attachment.uploaded_at,
                kind="file",
                who=uploader,
                who_name=uploader.get_full_name() if uploader else "",
                text=attachment.original_name,
                attachment=attachment,
            )
        )
    items.sort(key=lambda item: item.when, reverse=True)
    return items[:limit]
