"""The database refuses UPDATE and DELETE on the audit log.

Triggers on SQLite and PostgreSQL abort any change to `audit_auditevent`. The one exception is
`audit_unlocked()`, used by the test database's flush (and nothing in the running application): on
PostgreSQL it sets a session variable the trigger function reads; on SQLite a per-connection SQL function
that the trigger calls. A SQLite client without that function (the sqlite3 shell) gets "no such
function" and is refused as well.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection as default_connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver

_state = threading.local()

SQLITE_FUNCTION = "opensales_audit_unlocked"
PG_SETTING = "opensales.audit_unlocked"

SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
        WHEN {SQLITE_FUNCTION}() = 0 BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
        WHEN {SQLITE_FUNCTION}() = 0 BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]

PG_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION opensales_audit_append_only() RETURNS trigger AS $$
    BEGIN
      IF coalesce(current_setting('{PG_SETTING}', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; ELSIF TG_OP = 'UPDATE' THEN RETURN NEW; END IF;
        RETURN NULL;
      END IF;
      RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION opensales_audit_append_only()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION opensales_audit_append_only()""",
]
PG_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
    "DROP FUNCTION IF EXISTS opensales_audit_append_only()",
]


def _is_unlocked() -> int:
    return 1 if getattr(_state, "unlocked", 0) else 0


@receiver(connection_created)
def _register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 0, _is_unlocked)


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_INSTALL, "postgresql": PG_INSTALL}.get(vendor, []):
        schema_editor.execute(statement, params=None)


def remove(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_REMOVE, "postgresql": PG_REMOVE}.get(vendor, []):
        schema_editor.execute(statement, params=None)


@contextmanager
def audit_unlocked(connection=default_connection) -> Iterator[None]:
    """Allow changes to the audit table on this connection (test database flushes only)."""
    _state.unlocked = getattr(_state, "unlocked", 0) + 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET {PG_SETTING} = 'on'")
    try:
        yield
    finally:
        _state.unlocked -= 1
        if connection.vendor == "postgresql" and not _state.unlocked:
            with connection.cursor() as cursor:
                cursor.execute(f"RESET {PG_SETTING}")
