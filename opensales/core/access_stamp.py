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

import copy
import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models.base import ModelState

TABLE = "core_accessstamp"
# The tables a stamp is built from, and the columns whose update changes it (None: any column).
WATCHED: dict[str, tuple[str, ...] | None] = {
    "org_employee": None,
    "org_department": None,
    "org_role": None,
    "org_role_users": None,
    "org_rolegrant": None,
    "org_rolegrant_departments": None,
    "core_collaborator": None,
    # The API keeps the tokens that worked, with their users (api/services.check_secret). Every column
    # but the time of the last sign-in / use, which change on their own many times a day and decide
    # nothing (a test checks the lists against the models).
    "accounts_user": (
        "password",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "full_name",
        "security_stamp",
        "preferred_language",
    ),
    "api_apitoken": (
        "user_id",
        "name",
        "scope",
        "prefix",
        "key_hash",
        "created_at",
        "expires_at",
        "revoked_at",
        "user_stamp",
    ),
}
_SQLITE_NEW = f"INSERT INTO {TABLE} (id, value) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET value = excluded.value"  # noqa: S608 (constants)
_PG_NEW = (
    f"INSERT INTO {TABLE} (id, value) VALUES (1, (random() * 9.2e18)::bigint)"  # noqa: S608 (constants)
    " ON CONFLICT (id) DO UPDATE SET value = excluded.value"
)
_PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION opensales_access_stamp() RETURNS trigger AS $$
    BEGIN {_PG_NEW}; RETURN NULL; END; $$ LANGUAGE plpgsql"""


def _update(columns: tuple[str, ...] | None) -> str:
    return "UPDATE" if columns is None else f"UPDATE OF {', '.join(columns)}"


def _sqlite_install(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS access_stamp_{table}_{name} AFTER {event} ON {table} "
        f"BEGIN {_SQLITE_NEW}; END"
        for name, event in (("insert", "INSERT"), ("update", _update(WATCHED[table])), ("delete", "DELETE"))
    ]


def _pg_install(table: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE TRIGGER access_stamp AFTER INSERT OR {_update(WATCHED[table])} OR DELETE OR TRUNCATE
            ON {table} FOR EACH STATEMENT EXECUTE FUNCTION opensales_access_stamp()"""
    ]


def _statements(vendor: str, tables: list[str]) -> list[str]:
    if vendor == "sqlite":
        return [statement for table in tables for statement in _sqlite_install(table)] + [_SQLITE_NEW]
    if vendor == "postgresql":
        return [_PG_FUNCTION, *(s for table in tables for s in _pg_install(table)), _PG_NEW]
    return []


SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS access_stamp_{table}_{op}"
    for table in WATCHED
    for op in ("insert", "update", "delete")
]
PG_REMOVE = [
    *(f"DROP TRIGGER IF EXISTS access_stamp ON {table}" for table in WATCHED),
    "DROP FUNCTION IF EXISTS opensales_access_stamp()",
]
TRIGGERS_PER_TABLE = {"sqlite": 3, "postgresql": 1}


def install(schema_editor: Any) -> None:
    """Create the triggers on the watched tables that exist (a migration runs before some of them are
    created: core 0003 runs it again after them) and set a stamp."""
    using = schema_editor.connection
    present = set(using.introspection.table_names())
    for statement in _statements(using.vendor, [t for t in WATCHED if t in present]):
        schema_editor.execute(statement, params=None)


def remove(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_REMOVE, "postgresql": PG_REMOVE}.get(vendor, []):
        schema_editor.execute(statement, params=None)  # IF EXISTS: a missing table or trigger is skipped


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
    if vendor not in TRIGGERS_PER_TABLE:
        return False
    present = set(using.introspection.table_names())
    if TABLE not in present:  # migrated to a point before the table
        return False
    tables = [t for t in WATCHED if t in present]
    with using.cursor() as cursor:
        if _installed(cursor, vendor) >= len(tables) * TRIGGERS_PER_TABLE[vendor]:
            return False
        for statement in _statements(vendor, tables):
            cursor.execute(statement)
    return True


def current(using: Any = connection) -> int | None:
    """The stamp now; None when there is none (nothing may be kept across requests then)."""
    with using.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608 (constant)
        row = cursor.fetchone()
    return row[0] if row else None


class Kept:
    """What a process keeps across requests while the stamp is unchanged, per database and key. Past
    `capacity` entries it starts over (they are a few KB each)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: dict[tuple[str, Any], tuple[int, Any]] = {}

    @staticmethod
    def _key(key: Any) -> tuple[str, Any]:
        return (connection.settings_dict["NAME"], key)

    def get(self, key: Any, stamp: int | None) -> Any | None:
        """The value kept for `key` at this stamp; None when there is none, or no stamp."""
        entry = self._entries.get(self._key(key)) if stamp is not None else None
        return entry[1] if entry is not None and entry[0] == stamp else None

    def peek(self, key: Any) -> Any | None:
        """The value kept for `key`, whatever its stamp (to update what the stamp does not watch)."""
        entry = self._entries.get(self._key(key))
        return entry[1] if entry is not None else None

    def put(self, key: Any, stamp: int | None, value: Any) -> None:
        if stamp is None:  # no stamp row (a flushed database): nothing is kept
            return
        if len(self._entries) >= self.capacity:
            self._entries.clear()
        self._entries[self._key(key)] = (stamp, value)

    def forget(self, key: Any) -> None:
        """Drop what is kept for `key`, in every database."""
        for entry_key in [k for k in self._entries if k[1] == key]:
            self._entries.pop(entry_key, None)


# Values a copy of a record may share with the original: nothing can change them in place.
_IMMUTABLE = (str, int, float, bool, bytes, type(None), datetime.datetime, datetime.date, Decimal, uuid.UUID)


def copy_record(record: Any) -> Any:
    """A copy of a record kept under the stamp, for one request to use and change: its own attributes
    and model state, with the records cached on it (`select_related`) copied the same way. A tenth of
    `copy.deepcopy`, which walks every value and the model's state (0.3 ms of an API request). None
    for None (no employee row, an empty foreign key)."""
    if record is None:
        return None
    copied = record.__class__.__new__(record.__class__)
    attributes = copied.__dict__
    for name, value in record.__dict__.items():
        if name != "_state":
            attributes[name] = value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value)
    state = copied._state = ModelState()
    state.adding, state.db = record._state.adding, record._state.db
    for name, related in record._state.fields_cache.items():
        state.fields_cache[name] = copy_record(related)
    return copied
