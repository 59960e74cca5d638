"""Planner statistics for indexes that migrations add to an existing SQLite database.

SQLite chooses between indexes from `sqlite_stat1`, which only ANALYZE writes. A migration that adds an
index to a database that has statistics leaves the new index without any, and the planner then guesses
(on the large data set it preferred a poor index over a new covering one). After `migrate`, the tables
whose indexes lack statistics are analyzed, sampled (`analysis_limit`), in a second or so per table.
PostgreSQL needs nothing: its autovacuum keeps statistics per column, which new plain indexes reuse.
"""

from __future__ import annotations

from typing import Any

from django.db import connections


def analyze_new_indexes(using: str = "default", **kwargs: Any) -> list[str]:
    """ANALYZE the SQLite tables that have an index without statistics; returns their names."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cur.fetchone() is None:
            return []  # never analyzed (a new or small database): SQLite's defaults serve it
        cur.execute(
            "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)"
        )
        tables = [row[0] for row in cur.fetchall()]
        if tables:
            cur.execute("PRAGMA analysis_limit=1000")
            for table in tables:
                cur.execute(f'ANALYZE "{table}"')  # noqa: S608 (a table name read from sqlite_master)
    return tables
