"""The full-text index per database: SQLite FTS5 or PostgreSQL tsvector('simple') + GIN.

Both read the space-separated `SearchEntry.tokens`. A query is a list of terms (tokens.parse_query),
all required; a term's alternatives are OR-ed; a prefix alternative is `"tok"*` (FTS5) or `tok:*`
(tsquery). Tokens hold only letters and digits, and are quoted besides.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import NotSupportedError, connection, transaction
from django.db.models import F, Lookup

from .tokens import Term

TABLE = "search_searchentry"
FTS_TABLE = "search_searchentry_fts"
PG_INDEX = "search_entry_tokens_gin"

SQLITE_SETUP = [
    # External content: the FTS table indexes search_searchentry.tokens without a second copy of the
    # text; prefix indexes for 2 and 3 characters make short prefix queries ("zw*", "zha*") cheap.
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        tokens, content='{TABLE}', content_rowid='id', tokenize='unicode61', prefix='2 3')""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS_TABLE}(rowid, tokens) VALUES (new.id, new.tokens);
    END""",  # noqa: S608 (table names are this module's constants; no data in SQL text)
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, tokens) VALUES ('delete', old.id, old.tokens);
    END""",  # noqa: S608
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE ON {TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, tokens) VALUES ('delete', old.id, old.tokens);
        INSERT INTO {FTS_TABLE}(rowid, tokens) VALUES (new.id, new.tokens);
    END""",  # noqa: S608 (table names are this module's constants; no data in SQL text)
]
SQLITE_TEARDOWN = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
PG_SETUP = [
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {TABLE} USING GIN (to_tsvector('simple'::regconfig, tokens))"
]
PG_TEARDOWN = [f"DROP INDEX IF EXISTS {PG_INDEX}"]


def _statements(vendor: str, setup: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_SETUP if setup else SQLITE_TEARDOWN
    if vendor == "postgresql":
        return PG_SETUP if setup else PG_TEARDOWN
    raise NotSupportedError(f"the global search supports SQLite and PostgreSQL, not {vendor}")


def install(schema_editor: Any) -> None:
    """Create the full-text index (idempotent). Called by the migration and by `reindex()`: on SQLite,
    a later migration that rebuilds search_searchentry drops its triggers, and reindexing restores them."""
    for sql in _statements(schema_editor.connection.vendor, setup=True):
        schema_editor.execute(sql)


def uninstall(schema_editor: Any) -> None:
    for sql in _statements(schema_editor.connection.vendor, setup=False):
        schema_editor.execute(sql)


def ensure_installed() -> bool:
    """`install` outside a migration (a schema editor cannot run inside a transaction on SQLite).
    Returns whether anything was missing (then the index must be rebuilt from the table)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # CREATE INDEX cannot run in a transaction with pending constraint checks: look first.
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [PG_INDEX])
            wanted, present = 1, cursor.fetchone()[0]
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
                [FTS_TABLE, f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au"],
            )
            wanted, present = 4, cursor.fetchone()[0]
        if present == wanted:
            return False
        for sql in _statements(connection.vendor, setup=True):
            cursor.execute(sql)
        return True


def rebuild() -> None:
    """Re-read every row into the FTS5 index (SQLite); PostgreSQL's index is never out of step."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608


@contextmanager
def bulk_insert() -> Iterator[None]:
    """Entries INSERTed (never updated) inside the block, many at once: on SQLite, index them in one
    `INSERT … SELECT` at the end instead of one run of the insert trigger per row (measured: the FTS
    part of a 2 000-entry chunk takes about half the time). The trigger is dropped and re-created
    inside a savepoint of the caller's transaction, which holds the write lock: no other connection
    writes meanwhile, and an error rolls the savepoint back, trigger included. PostgreSQL: nothing to
    do (the GIN index follows the table)."""
    if connection.vendor != "sqlite":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT coalesce(max(id), 0) FROM {TABLE}),"  # noqa: S608
            " (SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = %s)",
            [f"{FTS_TABLE}_ai"],
        )
        before, installed = cursor.fetchone()
        if not installed:  # no full-text index to keep (see ensure_installed): write as usual
            yield
            return
        cursor.execute(f"DROP TRIGGER {FTS_TABLE}_ai")
        yield
        cursor.execute(
            f"INSERT INTO {FTS_TABLE}(rowid, tokens) SELECT id, tokens FROM {TABLE} WHERE id > %s",  # noqa: S608
            [before],
        )
        cursor.execute(SQLITE_SETUP[1])  # the insert trigger again


def fts5_query(terms: Sequence[Term]) -> str:
    def alt(a) -> str:
        return '"' + a.token.replace('"', "") + '"' + ("*" if a.prefix else "")

    parts = []
    for term in terms:
        alts = [alt(a) for a in term.alternatives]
        parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    return " AND ".join(parts)


def tsquery(terms: Sequence[Term]) -> str:
    def alt(a) -> str:
        token = "".join(c for c in a.token if c not in "'\\:&|!()<>*")
        return "'" + token + "'" + (":*" if a.prefix else "")

    parts = []
    for term in terms:
        alts = [alt(a) for a in term.alternatives]
        parts.append(alts[0] if len(alts) == 1 else "(" + " | ".join(alts) + ")")
    return " & ".join(parts)


class Matches(Lookup):
    """`SearchEntry.objects.filter(Matches(terms))`: the entries whose tokens match every term.

    A Lookup (not a plain boolean expression), so that SQLite gets `id IN (SELECT rowid … MATCH …)`
    itself rather than `(…) = 1`, which would keep the planner from starting at the FTS index."""

    lookup_name = "search_matches"
    prepare_rhs = False

    def __init__(self, terms: Sequence[Term]) -> None:
        if not terms:
            raise ValueError("Matches() needs at least one term")
        super().__init__(F("pk"), tuple(terms))
        self.tokens: Any = F("tokens")

    def get_source_expressions(self) -> list[Any]:
        return [self.lhs, self.tokens]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        self.lhs, self.tokens = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        c = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        c.tokens = self.tokens.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return c

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        raise NotSupportedError(f"the global search supports SQLite and PostgreSQL, not {connection.vendor}")

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        pk_sql, params = compiler.compile(self.lhs)
        sql = f"{pk_sql} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"  # noqa: S608
        return sql, [*params, fts5_query(self.rhs)]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        tokens_sql, params = compiler.compile(self.tokens)
        # The same expression as the GIN index, so the planner can use it.
        sql = f"to_tsvector('simple'::regconfig, {tokens_sql}) @@ to_tsquery('simple'::regconfig, %s)"
        return sql, [*params, tsquery(self.rhs)]
