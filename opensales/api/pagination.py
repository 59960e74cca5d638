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

    `count_exact`: the list may stop counting (`workspace.listing.capped_count`) and says so."""
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


def paginate(qs: QuerySet, page: PageParams, serialize: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """Two queries (count, slice) plus whatever the queryset prefetches; never one per row."""
    count = qs.count()
    rows = list(qs[page.offset : page.offset + page.limit]) if page.offset < count else []
    return {"count": count, "items": [serialize(r) for r in rows] if serialize else rows}
