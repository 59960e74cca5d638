"""A stamp that changes with anything a user's permission scope is built from.

`grants_for` (core/scope.py) reads a user's roles, grants, department and shares: two to four queries
on every request. They change rarely, so each process keeps the result per user under this stamp and
reads only the stamp (one row) while it is unchanged.

Database triggers on every input table (employees, departments, roles and their members, grants and
their chosen departments, record shares) set the stamp to a new random value in the same statement as
the change: no write path (services, bulk updates, imports, raw SQL) can skip it, a rolled-back change
rolls the stamp back with it, and a random value never comes back to match an old entry (a counter
would: after a rollback, or after a test database is flushed). Without the row (a flushed database),
nothing is kept across requests.

On PostgreSQL the stamp is one row: transactions that change these tables wait for each other's commit
on it. They are short, and role, staff and sharing changes are rare next to reads.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

TABLE = "core_accessstamp"
WATCHED = (
    "org_employee",
    "org_department",
    "org_role",
    "org_role_users",
    "org_rolegrant",
    "org_rolegrant_departments",
    "core_collaborator",
)
_SQLITE_NEW = f"INSERT INTO {TABLE} (id, value) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET value = excluded.value"  # noqa: S608 (constants)
_PG_NEW = (
    f"INSERT INTO {TABLE} (id, value) VALUES (1, (random() * 9.2e18)::bigint)"  # noqa: S608 (constants)
    " ON CONFLICT (id) DO UPDATE SET value = excluded.value"
)

SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS access_stamp_{table}_{op.lower()} AFTER {op} ON {table} BEGIN {_SQLITE_NEW}; END"
    for table in WATCHED
    for op in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS access_stamp_{table}_{op}"
    for table in WATCHED
    for op in ("insert", "update", "delete")
]
PG_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION opensales_access_stamp() RETURNS trigger AS $$
    BEGIN {_PG_NEW}; RETURN NULL; END; $$ LANGUAGE plpgsql""",
    *(
        f"""CREATE OR REPLACE TRIGGER access_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION opensales_access_stamp()"""
        for table in WATCHED
    ),
]
PG_REMOVE = [
    *(f"DROP TRIGGER IF EXISTS access_stamp ON {table}" for table in WATCHED),
    "DROP FUNCTION IF EXISTS opensales_access_stamp()",
]
_INSTALL = {"sqlite": SQLITE_INSTALL, "postgresql": PG_INSTALL}
_NEW = {"sqlite": _SQLITE_NEW, "postgresql": _PG_NEW}


def install(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for statement in [*_INSTALL.get(vendor, []), *([_NEW[vendor]] if vendor in _NEW else [])]:
        schema_editor.execute(statement, params=None)


def remove(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_REMOVE, "postgresql": PG_REMOVE}.get(vendor, []):
        schema_editor.execute(statement, params=None)


def _installed(cursor: Any, vendor: str) -> int:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'access_stamp_%'"
        )
    else:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'access_stamp' AND NOT tgisinternal")
    return cursor.fetchone()[0]


def ensure_installed(using: Any = connection) -> bool:
    """Put back missing triggers (SQLite drops a table's triggers when a migration rebuilds it) and
    change the stamp; True when some were missing. Run after every `migrate`."""
    vendor = using.vendor
    if vendor not in _INSTALL:
        return False
    expected = len(WATCHED) * (3 if vendor == "sqlite" else 1)
    if TABLE not in using.introspection.table_names():  # migrated to a point before the table
        return False
    with using.cursor() as cursor:
        if _installed(cursor, vendor) >= expected:
            return False
        for statement in [*_INSTALL[vendor], _NEW[vendor]]:
            cursor.execute(statement)
    return True


def current(using: Any = connection) -> int | None:
    """The stamp now; None when there is none (nothing may be kept across requests then)."""
    with using.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608 (constant)
        row = cursor.fetchone()
    return row[0] if row else None
