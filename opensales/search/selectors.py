"""The global search: what a user finds for a query, grouped by type, within their permission scope.

One SQL query for all types. Each type contributes `content_type = <type>` AND its entry's record in
`Model.objects.visible_to(user, "view")` (an EXISTS subquery), so the scope is part of the query (never
a filter in Python after a LIMIT), AND the full-text match; window functions number the hits within
each type and count them, and the outer query keeps the first `limit` per type. How the types are put
together differs per database (SHAPE).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, Count, Exists, F, Func, IntegerField, OuterRef, Q, Value, When, Window
from django.db.models.functions import Length, RowNumber

from opensales.core.actions import Action
from opensales.core.scope import has_action

from .fulltext import Matches
from .models import SearchEntry
from .registry import SearchType, search_types
from .tokens import Term, parse_query

MAX_LIMIT = 50
# Phone digits anyone who may view a record may search by: the last four (shown in the masked number,
# 138****8000) and the whole number (which the searcher already knows). Other lengths (5 to 10 digits)
# would let a user without the "unmask" grant uncover the hidden digits one query at a time.
MASKED_PHONE_DIGITS = 4
FULL_PHONE_DIGITS = 11


@dataclass(frozen=True)
class Hit:
    id: int
    title: str
    subtitle: str
    url: str


@dataclass
class Group:
    type: SearchType
    count: int
    items: list[Hit] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.type.key

    @property
    def label(self) -> str:
        return self.type.label_text

    @property
    def icon(self) -> str:
        return self.type.icon


@dataclass
class Results:
    query: str
    groups: list[Group]
    searched: bool  # False when the query had nothing to search for

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)


class Unindexed(Func):
    """The column as `+column` on SQLite, which keeps its planner from starting at the content-type
    index (reading every entry of a type) instead of at the full-text match: measured 40-120 ms
    against 1-5 ms at 100,000 entries (docs/search.md). On PostgreSQL `(column + 0)`, which keeps it
    from AND-ing the full-text bitmap with a bitmap of every entry of the type (100,000-200,000 rows
    read from the content-type index: 2-10 ms per type for a search that matches a dozen entries)."""

    template = "%(expressions)s"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        return super().as_sql(compiler, connection, template="(%(expressions)s + 0)", **extra)


def may_search_phone(user: Any, search_type: SearchType, term: Term) -> bool:
    if not term.phone_digits or not search_type.phone_fields:
        return False
    if term.phone_digits == MASKED_PHONE_DIGITS or term.phone_digits >= FULL_PHONE_DIGITS:
        return True
    return has_action(user, search_type.model, Action.UNMASK)


def _terms_for(user: Any, search_type: SearchType, terms: list[Term]) -> tuple[Term, ...]:
    out = []
    for term in terms:
        if term.phone_digits and not may_search_phone(user, search_type, term):
            kept = term.without_phone()
            if kept is None:
                return ()
            out.append(kept)
        else:
            out.append(term)
    return tuple(out)


# The query's shape per database (measured at 100,000 customers, docs/performance.md).
# SQLite: one statement, one full-text scan; each hit is checked against its type's scope by a
# correlated EXISTS, and window functions partitioned by type rank and count the hits. (One branch per
# type there repeats the FTS5 scan per type: 14 -> 18 ms for 2 characters, 36 -> 61 ms for 张.)
# PostgreSQL: a UNION ALL of one branch per type. With the types OR-ed in one WHERE, PostgreSQL cannot
# turn the scope subqueries into joins and evaluates each as a hashed subplan over the user's whole
# visible set (220-340 ms); alone in its branch, each becomes a semi-join that probes the primary key
# once per full-text hit of that type. The price: each branch scans the GIN index again (about 1 ms for
# a name; 100-200 ms for a word in 64,000 entries, such as 科技).
SHAPE = {"sqlite": "one statement", "postgresql": "per type"}


def _in_scope(user: Any, search_type: SearchType, content_type_id: int) -> Q:
    """`Model.objects.visible_to(user, "view")` as a condition on the entries of that type.

    The type first, so that the EXISTS probe (one primary-key lookup per full-text hit) runs only for
    the entries of its own type. A correlated EXISTS, not `object_id IN (visible ids)`: the IN form
    reads the user's whole visible set on every search (a rep's 9,500 customers, the 200,000 contacts
    behind them: 200-300 ms on PostgreSQL at 100,000 customers, docs/performance.md)."""
    visible = search_type.model.objects.visible_to(user, Action.VIEW)
    return Q(type_id=content_type_id) & Q(Exists(visible.filter(pk=OuterRef("object_id"))))


def searchable_types(user: Any, keys: Iterable[str] | None = None) -> list[SearchType]:
    wanted = set(keys) if keys is not None else None
    return [
        t
        for t in search_types()
        if (wanted is None or t.key in wanted) and has_action(user, t.model, Action.VIEW)
    ]


def search(
    user: Any,
    query: str | None,
    *,
    types: Iterable[str] | None = None,
    limit: int = 5,
    offset: int = 0,
) -> Results:
    """Up to `limit` hits per type (after skipping `offset`), best first, with each type's total."""
    query = (query or "").strip()
    terms = parse_query(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    wanted = searchable_types(user, types) if terms else []
    if not wanted:
        return Results(query=query, groups=[], searched=bool(terms))

    # (content type id, the type's terms, its scope condition) per type with something to search for.
    by_content_type: dict[int, SearchType] = {}
    per_type: list[tuple[int, tuple[Term, ...], Q]] = []
    for search_type in wanted:
        type_terms = _terms_for(user, search_type, terms)
        if not type_terms:
            continue
        content_type = ContentType.objects.get_for_model(search_type.model)
        by_content_type[content_type.pk] = search_type
        per_type.append((content_type.pk, type_terms, _in_scope(user, search_type, content_type.pk)))
    if not per_type:
        return Results(query=query, groups=[], searched=True)

    best_first = [
        Case(
            When(title=query, then=Value(0)),
            When(title__startswith=query, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ).asc(),
        Length("title").asc(),
        F("title").asc(),
        F("object_id").asc(),
    ]

    def first_of_each_type(condition: Q, partition: list[Any] | None) -> Any:
        return (
            SearchEntry.objects.alias(type_id=Unindexed(F("content_type_id")))
            .filter(condition)
            .annotate(
                position=Window(RowNumber(), partition_by=partition, order_by=best_first),
                total=Window(Count("pk"), partition_by=partition),
            )
            .filter(position__gt=offset, position__lte=offset + limit)
            .values_list("content_type_id", "object_id", "title", "subtitle", "position", "total")
        )

    if SHAPE.get(connection.vendor) == "per type":
        parts = [first_of_each_type(Q(scope, Matches(t)), None) for _ct, t, scope in per_type]
        rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    else:
        # Types that match with the same terms share one full-text condition.
        by_terms: dict[tuple[Term, ...], list[Q]] = {}
        for _ct, type_terms, scope in per_type:
            by_terms.setdefault(type_terms, []).append(scope)
        condition = reduce(or_, (Q(Matches(t)) & reduce(or_, scopes) for t, scopes in by_terms.items()))
        rows = first_of_each_type(condition, [F("content_type_id")])
    groups: dict[int, Group] = {}
    for content_type_id, object_id, title, subtitle, _position, total in sorted(rows, key=lambda r: r[4]):
        search_type = by_content_type[content_type_id]
        group = groups.setdefault(content_type_id, Group(type=search_type, count=total))
        entry = SearchEntry(content_type_id=content_type_id, object_id=object_id, title=title)
        group.items.append(Hit(object_id, title, subtitle, search_type.url_for(entry)))
    ordered = sorted(groups.values(), key=lambda g: (g.type.order, g.type.key))
    return Results(query=query, groups=ordered, searched=True)


def matching_ids(user: Any, model: type, query: str | None):
    """The ids of `model` records whose search entry matches `query` (a subquery, scope not applied:
    the caller filters a queryset that is already scoped), or None when the model is not searchable
    or the query has no terms. Lists use it for their text filter, so "zw" finds 张伟 there too."""
    from .registry import get_search_type

    search_type = get_search_type(model)
    parsed = parse_query(query)
    if search_type is None or not parsed:
        return None
    terms = _terms_for(user, search_type, parsed)
    if not terms:  # only digits this user may not search by
        return SearchEntry.objects.none().values("object_id")
    content_type = ContentType.objects.get_for_model(model)
    return (
        SearchEntry.objects.alias(type_id=Unindexed(F("content_type_id")))
        .filter(Q(Matches(terms)), type_id=content_type.pk)
        .values("object_id")
    )
