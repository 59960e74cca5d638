"""Sorting and paging a list: numbered pages while the list is short, a keyset cursor when it is long.

Counting and OFFSET both read every skipped row; past `keyset_threshold` rows the list stops
counting exactly ("10,000+") and pages with a cursor: the sort value and primary key of the last row
shown, so page 500 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, QuerySet
from django.http import QueryDict

from opensales.core.lookups import InInts

# URL parameters that move through a list without changing what it holds.
PAGING_PARAMS = ("page", "after", "before")


def order_by(qs: QuerySet, sort: tuple[str, str]) -> QuerySet:
    """Order by the sort's ORM path, nulls last, with the primary key as the tie-breaker."""
    _key, path = sort
    name = path.lstrip("-")
    if name == "pk":
        return qs.order_by(path)
    descending = path.startswith("-")
    if _nullable(qs, name):
        expression = F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
    else:
        # A plain ORDER BY, so an index on (column, id) serves it: "DESC NULLS LAST" is not the order of
        # a PostgreSQL index scanned backwards, and would sort the whole table for a page of 25.
        expression = F(name).desc() if descending else F(name).asc()
    return qs.order_by(expression, "-pk" if descending else "pk")


def _sort_path(qs: QuerySet) -> tuple[str, bool]:
    first = qs.query.order_by[0]
    if isinstance(first, str):
        return first.lstrip("-"), first.startswith("-")
    return first.expression.name, first.descending


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return {"t": type(value).__name__, "v": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"t": "decimal", "v": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        kind, raw = value.get("t"), value.get("v", "")
        if kind == "datetime":
            return datetime.datetime.fromisoformat(raw)
        if kind == "date":
            return datetime.date.fromisoformat(raw)
        if kind == "time":
            return datetime.time.fromisoformat(raw)
        if kind == "decimal":
            return decimal.Decimal(raw)
        raise ValueError("bad cursor")
    return value


def make_cursor(values: list[Any]) -> str:
    raw = json.dumps([_encode(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(token: str) -> list[Any] | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) not in (1, 2):
            return None
        return [_decode(v) for v in values]
    except (ValueError, TypeError):
        return None


def _resolve(record: Any, path: str) -> Any:
    value = record
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return getattr(value, "pk", value)


@dataclass
class Page:
    records: list[Any]
    total: int  # exact when `exact`, else the threshold (shown as "10,000+")
    exact: bool
    number: int | None = None  # numbered pages only
    pages: int | None = None
    next_query: str | None = None  # the query string of the next page, None = last page
    previous_query: str | None = None
    page_ids: list[int] = field(default_factory=list)

    @property
    def is_keyset(self) -> bool:
        return self.number is None


def _with(params: QueryDict, **changes: Any) -> str:
    query = params.copy()
    for name in PAGING_PARAMS:
        query.pop(name, None)
    for name, value in changes.items():
        if value is not None:
            query[name] = value
    return query.urlencode()


def _nullable(qs: QuerySet, path: str) -> bool:
    model = qs.model
    parts = path.split("__")
    try:
        for part in parts[:-1]:
            field_ = model._meta.get_field(part)
            if field_.null:
                return True
            model = field_.related_model
        return model._meta.get_field(parts[-1]).null
    except FieldDoesNotExist:
        return True


def capped_count(qs: QuerySet, limit: int) -> tuple[int, bool]:
    """(count, exact): the exact count up to `limit`, else (`limit`, False). At most limit + 1 ids are
    read, unsorted: counting every match cost more than the page itself (a director's 100,000
    customers; docs/decisions/0006)."""
    found = qs.order_by().values("pk")[: limit + 1].count()
    return (found, True) if found <= limit else (limit, False)


def count_beside(qs: QuerySet, start: int, found: int, size: int, limit: int) -> tuple[int, bool]:
    """`capped_count(qs, limit)` for a page of `found` ids read from `start` (of at most `size`): the
    list's end is on a page that is not full, so no query then; else one that reads the row at
    `limit`, if there is one, and stops (the director's 100,000 customers: 0.3 ms instead of counting
    10,001 rows, 0.66 ms), and an exact count only when there is none."""
    if found < size and (found or start == 0):
        total = start + found
        return (total, True) if total <= limit else (limit, False)
    if list(qs.order_by().values_list("pk", flat=True)[limit : limit + 1]):
        return limit, False
    return qs.order_by().count(), True


def paginate(qs: QuerySet, params: QueryDict, size: int, threshold: int) -> Page:
    """One page of the ordered queryset `qs`, by number or by cursor (see the module docstring)."""
    path, descending = _sort_path(qs)
    if path != "pk" and _nullable(qs, path):  # no cursor over a nullable sort: numbered pages, counted
        return _numbered(qs, params, size, qs.count())
    counted, exact = capped_count(qs, threshold)
    if exact:
        return _numbered(qs, params, size, counted)
    return _keyset(qs, params, size, threshold, path, descending)


def page_rows(qs: QuerySet, start: int, stop: int, fields: Sequence[str] | None = None) -> list[Any]:
    """The records of one page, in two steps: the page's ids by a slim query (the table alone, its
    scope and the sort's index), then those rows whole with their joins. Asked at once, the planner
    joined customers, stages and owners to every row in scope before it sorted and cut the page
    (SQLite: 250 ms for a manager's 70,000 deals; 2 ms in two steps). With `fields` (slim.list_fields),
    the rows carry only those fields (slim.slim_records)."""
    return rows_of(qs, list(qs.values_list("pk", flat=True)[start:stop]), fields)


def rows_of(qs: QuerySet, ids: list[Any], fields: Sequence[str] | None = None) -> list[Any]:
    """The records of `qs` with these ids, in their order (the second step of `page_rows`)."""
    if not ids:
        return []
    if fields is not None:
        from .slim import slim_records

        return slim_records(qs, ids, fields)
    by_pk = {record.pk: record for record in qs.filter(InInts(F("pk"), ids)).order_by()}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _numbered(qs: QuerySet, params: QueryDict, size: int, total: int) -> Page:
    pages = max(1, -(-total // size))
    try:
        number = min(max(1, int(params.get("page", "1"))), pages)
    except ValueError:
        number = 1
    records = page_rows(qs, (number - 1) * size, number * size)
    return Page(
        records=records,
        total=total,
        exact=True,
        number=number,
        pages=pages,
        next_query=_with(params, page=number + 1) if number < pages else None,
        previous_query=_with(params, page=number - 1) if number > 1 else None,
    )


def _keyset(qs: QuerySet, params: QueryDict, size: int, threshold: int, path: str, descending: bool) -> Page:
    after = read_cursor(params.get("after", "")) if params.get("after") else None
    before = read_cursor(params.get("before", "")) if params.get("before") and not after else None
    cursor = after or before
    sort_key = path != "pk"

    def beyond(values: list[Any], forward: bool) -> Q:
        pk = values[-1]
        later = (not descending) == forward  # moving to greater values?
        pk_q = Q(pk__gt=pk) if later else Q(pk__lt=pk)
        if not sort_key:
            return pk_q
        value = values[0]
        op = "gt" if later else "lt"
        return Q(**{f"{path}__{op}": value}) | (Q(**{path: value}) & pk_q)

    if cursor is not None and len(cursor) == (2 if sort_key else 1):
        if after:
            qs = qs.filter(beyond(cursor, forward=True))
        else:
            qs = qs.filter(beyond(cursor, forward=False)).reverse()
    else:
        cursor = after = before = None
    records = page_rows(qs, 0, size + 1)
    more = len(records) > size
    records = records[:size]
    if before:
        records.reverse()

    def cursor_of(record: Any) -> str:
        values = ([_resolve(record, path)] if sort_key else []) + [record.pk]
        return make_cursor(values)

    has_next = more if not before else True
    has_previous = (after is not None) if not before else more
    return Page(
        records=records,
        total=threshold,
        exact=False,
        next_query=_with(params, after=cursor_of(records[-1])) if records and has_next else None,
        previous_query=_with(params, before=cursor_of(records[0])) if records and has_previous else None,
    )


def page_size(params: QueryDict, sizes: tuple[int, ...] | list[int]) -> int:
    try:
        wanted = int(params.get("size", ""))
    except ValueError:
        return sizes[0]
    return wanted if wanted in sizes else sizes[0]


def state_query(params: QueryDict) -> str:
    """The list's state without its position: what a saved view stores and an export reads."""
    return _with(params)
