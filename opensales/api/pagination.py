"""Lists answer {"count": N, "items": [...]}, paged with ?limit= (default 50, at most 200) and ?offset=."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import create_model

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1–200).")
    offset: int = Field(0, ge=0, description="Items to skip.")


_pages: dict[tuple[type, bool], type[Schema]] = {}


def page_of(item: type[Schema], *, count_exact: bool = False) -> type[Schema]:
    """The response schema of a list of `item`: {"count": int, "items": [item]} (one class per item).

    `count_exact`: the list may stop counting (see `capped_count`) and says so in `count_exact`."""
    if (item, count_exact) not in _pages:
        fields: dict[str, Any] = {"count": (int, ...)}
        if count_exact:
            fields["count_exact"] = (
                bool,
                Field(..., description="False when `count` is a lower bound: there are more matches."),
            )
        fields["items"] = (list[item], ...)
        _pages[item, count_exact] = create_model(
            f"{item.__name__.removesuffix('Out')}Page", __base__=Schema, **fields
        )
    return _pages[item, count_exact]


def capped_count(qs: QuerySet, limit: int) -> tuple[int, bool]:
    """(count, exact): the exact count up to `limit`, else (`limit`, False).

    Counting reads every match, so a director's 100,000 customers cost more than the page itself (as
    Elasticsearch's `track_total_hits`, and the list page's "more than 10,000"); at most limit + 1 ids
    are read here, without the sort."""
    found = qs.order_by().values("pk")[: limit + 1].count()
    return (found, True) if found <= limit else (limit, False)


def paginate(qs: QuerySet, page: PageParams, serialize: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """Two queries (count, slice) plus whatever the queryset prefetches; never one per row."""
    count = qs.count()
    rows = list(qs[page.offset : page.offset + page.limit]) if page.offset < count else []
    return {"count": count, "items": [serialize(r) for r in rows] if serialize else rows}
