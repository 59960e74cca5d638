"""Record history (django-simple-history) for display: who changed which fields, when.

Services stamp the acting user on the instance before saving (`stamp(obj, actor)`); requests also set
it through simple-history's middleware. Sensitive fields show as masked on both sides.
"""

from __future__ import annotations

from typing import Any

from .masking import mask_value
from .registry import get_entry


def stamp(obj: Any, actor: Any) -> None:
    if actor is not None and getattr(actor, "pk", None):
        obj._history_user = actor


def history_rows(obj: Any, limit: int = 20) -> list[dict[str, Any]]:
    entry = get_entry(type(obj))
    sensitive = set(entry.sensitive_fields)
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    rows = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(rows) == limit:
            break
        changes = []
        if older is not None:
            delta = newer.diff_against(older, excluded_fields=["version", "updated_at", "mobile_index"])
            for change in delta.changes:
                field = obj._meta.get_field(change.field)
                old, new = change.old, change.new
                if change.field in sensitive:
                    old, new = mask_value("phone", str(old or "")), mask_value("phone", str(new or ""))
                changes.append({"field": field.verbose_name, "old": old, "new": new})
        rows.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "kind": newer.get_history_type_display(),
                "version": getattr(newer, "version", None),
                "changes": changes,
            }
        )
    return rows
