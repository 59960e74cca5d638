"""The global search pages.

`search` (/search/?q=…): the full results, grouped by type; `&type=employees` pages through one type.
`suggest` (/search/suggest/?q=…): the grouped top hits for the Ctrl-K box (an htmx fragment).
Both show only records the user may view (`Model.objects.visible_to(user, "view")`, in the query).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .registry import by_key
from .selectors import search as run_search
from .selectors import searchable_types

SUGGEST_LIMIT = 5
GROUP_LIMIT = 10
PAGE_SIZE = 25


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


@never_cache
@require_safe
def search(request):
    user = request.user
    query = request.GET.get("q", "").strip()
    search_type = by_key(request.GET.get("type", ""))
    if search_type is not None and search_type not in searchable_types(user):
        search_type = None
    page = _page_number(request.GET.get("page")) if search_type else 1
    if search_type is not None:
        offset = (page - 1) * PAGE_SIZE
        results = run_search(user, query, types=[search_type.key], limit=PAGE_SIZE, offset=offset)
    else:
        offset = 0
        results = run_search(user, query, limit=GROUP_LIMIT)
    group = results.groups[0] if search_type is not None and results.groups else None
    return render(
        request,
        "search/search.html",
        {
            "query": query,
            "results": results,
            "search_type": search_type,
            "page": page,
            "has_previous": page > 1,
            "has_next": group is not None and group.count > offset + len(group.items),
            "first": offset + 1,
            "last": offset + (len(group.items) if group else 0),
        },
    )


@login_not_required  # answers a signed-out session with a fragment saying so, not the login page
@never_cache
@require_safe
def suggest(request):
    # A fragment: rendered without the request, so the page-wide context processors (the menu, and
    # whatever queries they make) do not run on every keystroke.
    if not request.user.is_authenticated:
        return HttpResponse(render_to_string("search/_signed_out.html"))
    query = request.GET.get("q", "").strip()
    results = run_search(request.user, query, limit=SUGGEST_LIMIT)
    return HttpResponse(render_to_string("search/_suggestions.html", {"query": query, "results": results}))
