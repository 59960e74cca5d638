"""Matrix rows (see matrix_rows.py)."""

UI_ROWS: list = []


def api_rows(ApiRow, api_statuses, api_only) -> list:
    return []
