"""The customers app's matrix rows: the customer/contact pages (matrix_rows_core.py) and the pool, merge,
handover and grading pages (matrix_rows_lifecycle.py)."""

from __future__ import annotations

from .matrix_rows_core import UI_ROWS as CORE_ROWS
from .matrix_rows_core import api_rows as core_api_rows
from .matrix_rows_lifecycle import UI_ROWS as LIFECYCLE_ROWS
from .matrix_rows_lifecycle import api_rows as lifecycle_api_rows

UI_ROWS = CORE_ROWS + LIFECYCLE_ROWS


def api_rows(ApiRow, api_statuses, api_only):
    return core_api_rows(ApiRow, api_statuses, api_only) + lifecycle_api_rows(ApiRow, api_statuses, api_only)
