"""Reads of the recycle bin: which models have one, what a user may restore, and one page of it.

A record is in the recycle bin while its `deleted_at` is set. A user may restore or purge it when a
role grants them `delete` on its model and the record is within that grant's scope (the owner's own
records are in every scope; an "all" scope reaches everything): `restorable_by(user, model)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import IntegerField, Model, QuerySet, Value
from django.utils import timezone

from opensales.core.actions import Action
from opensales.core.registry import ScopedModel as Entry
from opensales.core.registry import all_entries, get_entry
from opensales.core.scope import has_action, is_soft_deletable

DEFAULT_DAYS = 30


def retention_days() -> int:
    """How long a record stays restorable: settings.OPENSALES_RECYCLE_BIN_DAYS (default 30)."""
    return int(getattr(settings, "OPENSALES_RECYCLE_BIN_DAYS", DEFAULT_DAYS))


def bin_entries() -> list[Entry]:
    """The registered models that can go to the recycle bin: soft-deletable, with a delete action."""
    return [e for e in all_entries() if Action.DELETE in e.actions and is_soft_deletable(e.model)]


def bin_entry(label: str) -> Entry | None:
    """The registry entry for a label such as "org.department", if it has a recycle bin."""
    try:
        entry = get_entry(label.lower())
    except LookupError:
        return None
    return entry if Action.DELETE in entry.actions and is_soft_deletable(entry.model) else None


def entries_for(user: Any) -> list[Entry]:
    """The recycle-bin models on which a role of the user grants delete."""
    return [e for e in bin_entries() if has_action(user, e.model, Action.DELETE)]


def may_use(user: Any) -> bool:
    """Whether the user has a recycle bin at all (the menu item, the page's 403)."""
    return bool(entries_for(user))


def restorable_by(user: Any, model: type[Model]) -> QuerySet:
    """The records of `model` in the recycle bin that `user` may restore or purge."""
    return model.objects.deleted_only().visible_to(user, Action.DELETE)


def purge_after(deleted_at: datetime, days: int | None = None) -> datetime:
    return deleted_at + timedelta(days=retention_days() if days is None else days)


def days_left(deleted_at: datetime, now: datetime | None = None) -> int:
    """Whole days until the record may be purged (rounded up; 0 once it is due)."""
    remaining = purge_after(deleted_at) - (now or timezone.now())
    return max(0, math.ceil(remaining.total_seconds() / 86400))


@dataclass
class Item:
    entry: Entry
    obj: Any

    @property
    def label(self) -> str:
        return self.entry.label

    @property
    def row_id(self) -> str:
        return f"{self.entry.label}:{self.obj.pk}"

    @property
    def type_name(self) -> str:
        return self.entry.verbose_name

    @property
    def title(self) -> str:
        return str(self.obj)

    @property
    def deleted_at(self) -> datetime:
        return self.obj.deleted_at

    @property
    def deleted_by(self) -> Any:
        return self.obj.deleted_by

    @property
    def purge_after(self) -> datetime:
        return purge_after(self.obj.deleted_at)

    @property
    def days_left(self) -> int:
        return days_left(self.obj.deleted_at)


def page(user: Any, entries: list[Entry], offset: int, limit: int) -> tuple[int, list[Item]]:
    """One page of the records of `entries` in the user's recycle bin, most recently deleted first.

    One UNION of (type, id, deleted_at) gives the count and the page; then one query per type on the
    page fetches its records. Queries: 2 + the number of types on the page."""
    if not entries:
        return 0, []
    parts = [
        restorable_by(user, e.model)
        .order_by()
        .values("pk", "deleted_at", rb_type=Value(i, output_field=IntegerField()))
        for i, e in enumerate(entries)
    ]
    union = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
    count = union.count()
    if offset >= count:
        return count, []
    keys = list(union.order_by("-deleted_at", "rb_type", "-pk")[offset : offset + limit])
    wanted: dict[int, list[Any]] = {}
    for key in keys:
        wanted.setdefault(key["rb_type"], []).append(key["pk"])
    found: dict[tuple[int, Any], Any] = {}
    for i, ids in wanted.items():
        model = entries[i].model
        for obj in restorable_by(user, model).filter(pk__in=ids).select_related("deleted_by"):
            found[(i, obj.pk)] = obj
    items = []
    for key in keys:
        obj = found.get((key["rb_type"], key["pk"]))
        if obj is not None:  # restored between the two queries
            items.append(Item(entries[key["rb_type"]], obj))
    return count, items
