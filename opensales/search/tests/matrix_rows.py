"""Rows of the permission matrices for the global search (added by tests/test_permission_matrix.py and
tests/test_api_matrix.py):

    # tests/test_permission_matrix.py
    from opensales.search.tests.matrix_rows import UI_ROWS as SEARCH_ROWS
    ROWS += SEARCH_ROWS

    # tests/test_api_matrix.py (after API_ROWS, api_statuses and api_only are defined)
    from opensales.search.tests.matrix_rows import api_rows as search_api_rows
    API_ROWS += search_api_rows(ApiRow, api_statuses, api_only)

The matrix calls each URL without a query string, so these rows pin the statuses only: every signed-in
persona may search (what each finds is the scope's business, checked persona by persona with exact
results in opensales/search/tests/test_search.py, test_views.py and test_api.py). The suggestions
fragment answers a signed-out browser with 200 and a "sign in again" fragment (never data), so that
the Ctrl-K box does not fill with the login page when a session expires.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.matrix import Row, statuses

UI_ROWS: list[Row] = [
    Row("search:search", "GET", statuses(200), note="no query: the hint"),
    Row("search:suggest", "GET", statuses(200, anonymous=200), note="no query: the hint"),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    """The API rows, built with tests/test_api_matrix.py's own ApiRow and status helpers."""
    return [ApiRow("GET", "/api/v1/search", api_statuses(422), note="without q (required)")]
