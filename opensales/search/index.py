"""Keeping `SearchEntry` in step with the records.

Every `save()` and `delete()` of a registered model refreshes its entry through post_save/post_delete
(a side concern, so a signal is right here: docs/search.md), inside the same transaction as the write.
A change to a model named in `refresh_on` (a user's name, a department's name) refreshes the entries
that show it.

Bulk writes (`QuerySet.update()`, `bulk_create()`, `bulk_update()`, raw SQL, `loaddata`) send no
signals: code that bulk-writes a searchable model calls `index_objects(...)` or `reindex(Model)`
afterwards, and after a bulk load an operator runs `opensales search_reindex`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from . import fulltext
from .models import SearchEntry
from .registry import SearchType, get_search_type, search_types
from .tokens import person_name_tokens, phone_tokens, text_tokens

BATCH_SIZE = 500


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def build_tokens(search_type: SearchType, obj: Any) -> str:
    from .registry import resolve

    tokens: set[str] = set()
    if not search_type.person_name_fields:
        # The title names the record; a type whose title is a person's name lists that name in
        # person_name_fields instead, so that it is read with surname readings only.
        tokens |= text_tokens(_text(resolve(obj, search_type.title)), name=True)
    for getter in search_type.fields:
        tokens |= text_tokens(_text(resolve(obj, getter)))
    for getter in search_type.person_name_fields:
        tokens |= person_name_tokens(_text(resolve(obj, getter)))
    for getter in search_type.phone_fields:
        tokens |= phone_tokens(_text(resolve(obj, getter)))
    return " ".join(sorted(tokens))


def build_entry(search_type: SearchType, obj: Any, content_type: ContentType) -> SearchEntry:
    from .registry import resolve

    title = _text(resolve(obj, search_type.title)) or str(obj)
    subtitle = _text(resolve(obj, search_type.subtitle)) if search_type.subtitle else ""
    return SearchEntry(
        content_type=content_type,
        object_id=obj.pk,
        title=title[:255],
        subtitle=subtitle[:255],
        tokens=build_tokens(search_type, obj),
        updated_at=timezone.now(),
    )


def index_objects(objects: Iterable[Any], *, created: bool = False) -> int:
    """Create or refresh the entries of these records (one type or several); returns how many.
    `created`: the records were just inserted (a bulk import), so none has an entry yet: plain
    INSERTs (COPY on PostgreSQL) instead of an upsert."""
    by_type: dict[SearchType, list[Any]] = {}
    for obj in objects:
        search_type = get_search_type(type(obj))
        if search_type is not None and obj.pk is not None:
            by_type.setdefault(search_type, []).append(obj)
    if created and by_type:
        # New entries only: the full-text index takes them all in one statement at the end.
        with fulltext.bulk_insert():
            return _write_entries(by_type, created=True)
    return _write_entries(by_type, created=created)


def _write_entries(by_type: dict[SearchType, list[Any]], *, created: bool) -> int:
    from opensales.core import fastsql

    done = 0
    for search_type, objs in by_type.items():
        content_type = ContentType.objects.get_for_model(search_type.model)
        # The rows `bulk_create(update_conflicts=True)` would write, as plain tuples (one executemany).
        now = fastsql.converter(SearchEntry, "updated_at")(timezone.now())
        rows = [_entry_row(search_type, obj, content_type.pk, now) for obj in objs]
        columns = ["content_type_id", "object_id", "title", "subtitle", "tokens", "updated_at"]
        if created:
            fastsql.insert_tuples(SearchEntry, columns, rows)
        else:
            fastsql.insert_tuples(
                SearchEntry,
                columns,
                rows,
                conflict=["content_type_id", "object_id"],
                update=["title", "subtitle", "tokens", "updated_at"],
            )
        done += len(rows)
    return done


def _entry_row(search_type: SearchType, obj: Any, content_type_id: int, now: Any) -> tuple[Any, ...]:
    from .registry import resolve

    title = _text(resolve(obj, search_type.title)) or str(obj)
    subtitle = _text(resolve(obj, search_type.subtitle)) if search_type.subtitle else ""
    return (content_type_id, obj.pk, title[:255], subtitle[:255], build_tokens(search_type, obj), now)


def remove_objects(model: type, ids: Iterable[Any]) -> None:
    content_type = ContentType.objects.get_for_model(model)
    SearchEntry.objects.filter(content_type=content_type, object_id__in=list(ids)).delete()


def _all_records(search_type: SearchType):
    qs = search_type.model._default_manager.all()
    if hasattr(qs, "unscoped"):
        qs = qs.unscoped(reason="search index: every record; the scope applies when searching")
    if search_type.select_related:
        qs = qs.select_related(*search_type.select_related)
    return qs.order_by("pk")


def _delete_stale(content_type: ContentType, present: set[int]) -> None:
    """Delete the entries of this type whose record is gone (compared in Python, deleted in chunks:
    no query with a parameter per record)."""
    stale = [
        pk
        for pk, object_id in SearchEntry.objects.filter(content_type=content_type).values_list(
            "pk", "object_id"
        )
        if object_id not in present
    ]
    for start in range(0, len(stale), BATCH_SIZE):
        SearchEntry.objects.filter(pk__in=stale[start : start + BATCH_SIZE]).delete()


def reindex(model: type | None = None, *, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Rebuild the entries of one registered model, or of all (also removing entries of models that
    are no longer registered). Returns {model label: entries written}.

    Each batch is written in a transaction of its own, so a long reindex never holds SQLite's write
    lock for long; searches meanwhile see old and new entries, never none."""
    repaired = fulltext.ensure_installed()
    if model is not None:
        search_type = get_search_type(model)
        if search_type is None:
            raise LookupError(f"{model._meta.label_lower} is not registered with the search")
        wanted = [search_type]
    else:
        wanted = search_types()
        kept = [ContentType.objects.get_for_model(t.model).pk for t in wanted]
        SearchEntry.objects.exclude(content_type_id__in=kept).delete()
    counts = {}
    for search_type in wanted:
        content_type = ContentType.objects.get_for_model(search_type.model)
        seen: list[int] = []
        batch: list[Any] = []
        written = 0
        for obj in _all_records(search_type).iterator(chunk_size=batch_size):
            batch.append(obj)
            seen.append(obj.pk)
            if len(batch) >= batch_size:
                written += index_objects(batch)
                batch = []
        written += index_objects(batch)
        _delete_stale(content_type, set(seen))
        counts[search_type.model_label] = written
    if repaired:
        # The FTS table or its triggers were missing: the entries written before are not in it.
        fulltext.rebuild()
    return counts


# --- Signals ---------------------------------------------------------------------------------------


def _on_save(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata: related rows may not exist yet; run search_reindex after loading
        return
    index_objects([instance])


def _on_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    remove_objects(sender, [instance.pk])


def _refresher(search_type: SearchType, related: type):
    rule = search_type.refresh_on[related]
    # A rule is `instance -> records`, or `(instance -> records, fields)`: then a save with
    # update_fields touching none of those fields (a user's last_login) refreshes nothing.
    find, fields = rule if isinstance(rule, tuple) else (rule, None)

    def refresh(sender: type, instance: Any, raw: bool = False, update_fields=None, **kwargs: Any) -> None:
        if raw or get_search_type(search_type.model) is not search_type:
            return
        if fields is not None and update_fields is not None and not set(update_fields) & set(fields):
            return
        records = find(instance)
        if hasattr(records, "select_related") and search_type.select_related:
            records = records.select_related(*search_type.select_related)
        index_objects(list(records))

    return refresh


_receivers: dict[str, list[tuple[Any, type, Any]]] = {}


def connect(search_type: SearchType) -> None:
    disconnect(search_type)
    label = search_type.model_label
    hooks = [
        (post_save, search_type.model, _on_save),
        (post_delete, search_type.model, _on_delete),
        *((post_save, related, _refresher(search_type, related)) for related in search_type.refresh_on),
    ]
    for signal, sender, receiver in hooks:
        signal.connect(receiver, sender=sender, weak=False, dispatch_uid=f"search:{label}:{id(receiver)}")
    _receivers[label] = hooks


def disconnect(search_type: SearchType) -> None:
    for signal, sender, receiver in _receivers.pop(search_type.model_label, []):
        signal.disconnect(
            receiver, sender=sender, dispatch_uid=f"search:{search_type.model_label}:{id(receiver)}"
        )
