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

EXCLUDED = ["version", "updated_at", "mobile_index", "email_index", "name_key", "phone_digits"]


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


def history_rows(obj: Any, limit: int = 20, user: Any = None) -> list[dict[str, Any]]:
    """The latest `limit` history rows of `obj`, newest first. `user` (default: the request's user)
    decides which related scoped records are named."""
    entry = get_entry(type(obj))
    sensitive = set(entry.sensitive_fields)
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
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
    viewer = user if user is not None else _viewer()
    labels = {model: _labels(model, ids, viewer) for model, ids in wanted.items()}
    rows = []
    for newer, changes in pending:
        rows.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "kind": newer.get_history_type_display(),
                "version": getattr(newer, "version", None),
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
