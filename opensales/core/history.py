"""Record history (django-simple-history) for display: who changed which fields, when.

Services stamp the acting user on the instance before saving (`stamp(obj, actor)`); requests also set
it through simple-history's middleware. Sensitive fields show as masked on both sides.

Foreign keys show the related record's label (owner name, customer name, stage name…), resolved for a
whole page of rows in one query per related model. A related record of a scoped model the viewer may
not see (or that is gone) shows as "#id"; choice fields show their label.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import models

from .masking import mask_value
from .registry import get_entry

NEWEST_FIRST = ("-history_date", "-history_id")

EXCLUDED = ["version", "updated_at", "mobile_index", "email_index", "name_key", "phone_digits"]


class _EveryFieldBut:
    """simple-history's `no_db_index` (the copied fields that get no index) as "every field but
    these": it only ever asks `name in no_db_index`."""

    def __init__(self, *kept: str) -> None:
        self.kept = frozenset(kept)

    def __contains__(self, name: object) -> bool:
        return name not in self.kept


def history_records(**options: Any) -> Any:
    """`HistoricalRecords` whose table indexes what history is read by: the record's id (and
    simple-history's own history_date and history_user). By default a history table copies every
    index of its model (owner, region, credit code, pool…), which no one queries there, and each row
    written with every change paid for them: 13 indexes on the customers' history, measured 1.18 s
    for 100 000 rows against 0.50 s with these three (docs/performance.md, sixth round)."""
    from simple_history.models import HistoricalRecords

    return HistoricalRecords(no_db_index=_EveryFieldBut("id"), **options)


def stamp(obj: Any, actor: Any) -> None:
    if actor is not None and getattr(actor, "pk", None):
        obj._history_user = actor


def _viewer() -> Any:
    from opensales.audit.context import current

    ctx = current()
    user = getattr(ctx, "user", None) if ctx is not None else None
    return user if getattr(user, "is_authenticated", False) else None


def _labels(model: type[models.Model], ids: set[Any], viewer: Any) -> dict[Any, str]:
    """{pk: label} of `ids` in one query; scoped models answer only what the viewer may see."""
    manager = model._default_manager
    try:
        get_entry(model)
        scoped = hasattr(manager, "visible_to")
    except LookupError:
        scoped = False
    if scoped:
        qs = (
            manager.visible_to(viewer)
            if viewer is not None
            else manager.unscoped(reason="record history labels")
        )
    else:
        qs = manager.all()
    label_of = getattr(model, "get_full_name", None)
    out = {}
    for related in qs.filter(pk__in=ids):
        label = related.get_full_name() if label_of is not None else str(related)
        out[related.pk] = label or str(related)
    return out


def _display(field: Any, value: Any, labels: dict[type, dict[Any, str]]) -> Any:
    if value is None or value == "":
        return value
    if isinstance(field, models.ForeignKey):
        if isinstance(value, models.Model):
            value = value.pk
        return labels.get(field.related_model, {}).get(value, f"#{value}")
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    return value


# A detail page shows the history twice (its History tab: 20 rows; the timeline: 50). The rows are built
# once, as many as the timeline shows, and kept on the instance with the newest history row they start
# from: a later call reads only that id (the rows may have been written by another instance meanwhile).
SHARED_LIMIT = 50


def history_rows(obj: Any, limit: int = 20, user: Any = None) -> list[dict[str, Any]]:
    """The latest `limit` history rows of `obj`, newest first. `user` (default: the request's user)
    decides which related scoped records are named."""
    viewer = user if user is not None else _viewer()
    if limit > SHARED_LIMIT or limit == 1:
        return _history_rows(obj, limit, viewer)
    cached = getattr(obj, "_history_rows", None)
    if cached is not None:
        newest = obj.history.order_by(*NEWEST_FIRST).values_list("history_id", flat=True).first()
        if cached[0] == (newest, getattr(viewer, "pk", None)):
            return cached[1][:limit]
    rows = _history_rows(obj, SHARED_LIMIT, viewer)
    obj._history_rows = ((rows[0]["history_id"] if rows else None, getattr(viewer, "pk", None)), rows)
    return rows[:limit]


def _history_rows(obj: Any, limit: int, viewer: Any) -> list[dict[str, Any]]:
    entry = get_entry(type(obj))
    sensitive = set(entry.sensitive_fields)
    records = list(obj.history.select_related("history_user").order_by(*NEWEST_FIRST)[: limit + 1])
    pending = []
    wanted: dict[type, set[Any]] = defaultdict(set)
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(pending) == limit:
            break
        changes = []
        if older is not None:
            delta = newer.diff_against(older, excluded_fields=EXCLUDED)
            for change in delta.changes:
                field = obj._meta.get_field(change.field)
                old, new = change.old, change.new
                if change.field in sensitive:
                    kind = "email" if "email" in change.field else "phone"
                    old, new = mask_value(kind, str(old or "")), mask_value(kind, str(new or ""))
                elif isinstance(field, models.ForeignKey):
                    for value in (old, new):
                        if value not in (None, ""):
                            wanted[field.related_model].add(getattr(value, "pk", value))
                changes.append((field, old, new))
        pending.append((newer, changes))
    labels = {model: _labels(model, ids, viewer) for model, ids in wanted.items()}
    rows = []
    for newer, changes in pending:
        rows.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "kind": newer.get_history_type_display(),
                "version": getattr(newer, "version", None),
                "history_id": newer.history_id,
                "changes": [
                    {
                        "field": field.verbose_name,
                        "name": field.name,
                        "old": old if field.name in sensitive else _display(field, old, labels),
                        "new": new if field.name in sensitive else _display(field, new, labels),
                    }
                    for field, old, new in changes
                ],
            }
        )
    return rows
