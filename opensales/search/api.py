"""The global search over the API: `GET /api/v1/search?q=…&types=employees,departments&limit=5`.

The same selector as the Ctrl-K box and the search page (opensales/search/selectors.py): only records
in the caller's view scope, filtered in the query. The router is mounted at the API root by
opensales/api/root.py (`api.add_router("/", search_router)`).
"""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from opensales.api.errors import ErrorOut, invalid

from .registry import search_types
from .selectors import MAX_LIMIT
from .selectors import search as run_search
from .tokens import MAX_QUERY_LENGTH

router = Router()

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class SearchParams(Schema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUERY_LENGTH,
        description="Name or two characters of it (张伟), pinyin (zhangwei, zhang wei, zhangw), initials "
        "(zw), words by prefix, or phone digits (the last 4, or the whole number).",
    )
    types: str = Field(
        "", description="Comma-separated type keys (e.g. `employees,departments`); default: every type."
    )
    limit: int = Field(5, ge=1, le=MAX_LIMIT, description=f"Hits per type (1–{MAX_LIMIT}).")
    offset: int = Field(0, ge=0, le=10_000, description="Hits to skip in each type.")


class SearchItemOut(Schema):
    id: int = Field(..., description="The record's id in its own endpoints.")
    title: str
    subtitle: str
    url: str = Field(..., description="The record's page in the web UI (a path).")


class SearchGroupOut(Schema):
    type: str = Field(..., description="The type key, e.g. `employees`.")
    label: str = Field(..., description="The type's name in the language of the request.")
    count: int = Field(..., description="How many records of this type match (not only those listed).")
    items: list[SearchItemOut]


class SearchOut(Schema):
    q: str
    groups: list[SearchGroupOut] = Field(..., description="Types with at least one hit, in a fixed order.")


@router.get("/search", response={200: SearchOut, **READ_ERRORS}, tags=["search"], summary="Search")
def search_records(request, params: Query[SearchParams]):
    """Records matching `q`, grouped by type, best first. Only records you may view are searched; a
    type you may not view at all is left out. Phone numbers match by their last 4 digits or as a whole;
    other lengths of suffix need the "unmask" grant on the type."""
    keys = [k.strip() for k in params.types.split(",") if k.strip()] or None
    if keys is not None:
        known = {t.key for t in search_types()}
        unknown = [k for k in keys if k not in known]
        if unknown:
            raise invalid(
                "types",
                _("Unknown type “%(type)s”. Known types: %(known)s.")
                % {"type": unknown[0], "known": ", ".join(sorted(known))},
            )
    results = run_search(request.auth, params.q, types=keys, limit=params.limit, offset=params.offset)
    return {
        "q": results.query,
        "groups": [
            {
                "type": group.key,
                "label": capfirst(group.label),
                "count": group.count,
                "items": [
                    {"id": hit.id, "title": hit.title, "subtitle": hit.subtitle, "url": hit.url}
                    for hit in group.items
                ],
            }
            for group in results.groups
        ],
    }
