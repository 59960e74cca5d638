"""The engine-specific half of backups: dump, count, restore, for SQLite and PostgreSQL.

SQLite goes through the online backup API of Python's sqlite3 module (page copies, consistent, atomic
on the destination). PostgreSQL goes through pg_dump/pg_restore/psql in custom format; the row counts
of a PostgreSQL backup are read in the very snapshot pg_dump dumps (`pg_export_snapshot`), so counts and
dump always agree, even while users keep writing.

Huey's queue tables (`huey_*`, present with OPENSALES_WORKER=postgres) are left out of PostgreSQL
backups and left alone by a restore: the queue is not business data, and restoring an old one would run
old jobs again.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

QUEUE_TABLE_PREFIX = "huey_"
PG_TIMEOUT = 6 * 3600  # seconds any one pg_* tool may run


class ToolError(Exception):
    """A database tool failed; the message carries its stderr."""


def engine_of(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in {"sqlite", "postgresql"}:
        raise ToolError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


def server_version(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor == "sqlite":
        return sqlite3.sqlite_version
    connection.ensure_connection()
    number = connection.connection.info.server_version  # e.g. 150018
    return f"{number // 10000}.{number % 10000}"


# --- SQLite ------------------------------------------------------------------------------------------


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "ORDER BY name"
    ).fetchall()
    return [name for (name,) in rows]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    return {t: db.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0] for t in _sqlite_tables(db)}  # noqa: S608


def sqlite_dump(connection: BaseDatabaseWrapper, target: Path) -> dict[str, int]:
    """Copy the live database into `target` with the online backup API; return the copy's row counts."""
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)
        # A self-contained file: no -wal/-shm beside it, whatever mode the live database runs in.
        copy.execute("PRAGMA journal_mode=DELETE")
        return sqlite_counts(copy)


def sqlite_check(path: Path) -> dict[str, int]:
    """Open a restored copy, run SQLite's integrity check, return its row counts."""
    with closing(sqlite3.connect(path)) as db:
        result = [r for (r,) in db.execute("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            raise ToolError("integrity_check: " + "; ".join(result[:5]))
        return sqlite_counts(db)


def sqlite_migrations(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as db:
        return _latest_migrations(
            db.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
        )


def sqlite_restore_live(connection: BaseDatabaseWrapper, source: Path) -> None:
    """Replace the live database's content with `source` in one step of the backup API.

    The copy runs as one write transaction on the destination: other connections see either the old
    database or the new one, and an interruption leaves the old one (SQLite rolls the journal back).
    """
    if connection.in_atomic_block:
        raise ToolError("cannot restore inside a transaction")
    connection.ensure_connection()
    with closing(sqlite3.connect(source)) as src:
        src.backup(connection.connection)


def live_counts(connection: BaseDatabaseWrapper) -> dict[str, int]:
    """Row counts of the live database, by the same rules as a backup's."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return sqlite_counts(connection.connection)
    with connection.cursor() as cursor:
        return _pg_counts(cursor)


# --- PostgreSQL --------------------------------------------------------------------------------------


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.parent.parent.name)) or (0,)


def pg_tool(name: str) -> str:
    """The newest Debian-installed PostgreSQL client tool (they read older servers too), else PATH's."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=_version_key)
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if not found:
        raise ToolError(f"{name} not found: install PostgreSQL's client tools (postgresql-client)")
    return found


def _pg_params(connection: BaseDatabaseWrapper, dbname: str | None = None) -> dict[str, Any]:
    """libpq connection parameters of Django's connection (NAME, USER, HOST… and OPTIONS merged)."""
    params = {
        k: v
        for k, v in connection.get_connection_params().items()
        if k not in {"cursor_factory", "context", "prepare_threshold"}
    }
    if dbname:
        params["dbname"] = dbname
    return params


def pg_command(connection: BaseDatabaseWrapper, dbname: str | None = None) -> tuple[str, dict[str, str]]:
    """A connection string for the tools' --dbname, and their environment: the password goes in
    PGPASSWORD, never on the command line (where `ps` shows it)."""
    from psycopg.conninfo import make_conninfo

    params = _pg_params(connection, dbname)
    password = params.pop("password", None)
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None}), env


def _run(args: list[str], env: dict[str, str]) -> None:
    # Run from / : the tools need no working directory, and the caller's may not be readable.
    done = subprocess.run(args, env=env, cwd="/", capture_output=True, text=True, timeout=PG_TIMEOUT)  # noqa: S603
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-10:]
        raise ToolError(f"{Path(args[0]).name} exited with {done.returncode}: " + "\n".join(tail))


def _pg_connect(connection: BaseDatabaseWrapper, dbname: str | None = None, autocommit: bool = False):
    import psycopg

    return psycopg.connect(**_pg_params(connection, dbname), autocommit=autocommit)


def _pg_counts(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE %s "
        "ORDER BY c.relname",
        [QUEUE_TABLE_PREFIX.replace("_", "\\_") + "%"],
    )
    tables = [name for (name,) in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def _latest_migrations(rows: list[tuple[str, str]]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in rows:
        latest[app] = name  # rows come in id order: the last one applied wins
    return dict(sorted(latest.items()))


def pg_dump(connection: BaseDatabaseWrapper, target: Path) -> tuple[dict[str, int], dict[str, str]]:
    """pg_dump --format=custom of the snapshot in which the row counts are read."""
    with _pg_connect(connection) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        with conn.cursor() as cursor:
            counts = _pg_counts(cursor)
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
            migrations = _latest_migrations(cursor.fetchall())
        conninfo, env = pg_command(connection)
        _run(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--exclude-table={QUEUE_TABLE_PREFIX}*",
                "--no-password",
                f"--file={target}",
                f"--dbname={conninfo}",
            ],
            env,
        )
        conn.rollback()
    return counts, migrations


@contextmanager
def pg_scratch_database(connection: BaseDatabaseWrapper) -> Iterator[str]:
    """A new, empty database beside the live one (same encoding and locale), dropped afterwards.

    Needs the CREATEDB privilege.
    """
    name = f"opensales_scratch_{secrets.token_hex(6)}"
    with _pg_connect(connection, autocommit=True) as conn:
        encoding, collate, ctype = conn.execute(
            "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
            "WHERE datname = current_database()"
        ).fetchone()
        from psycopg import sql

        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING {} LC_COLLATE {} LC_CTYPE {}").format(
                sql.Identifier(name), sql.Literal(encoding), sql.Literal(collate), sql.Literal(ctype)
            )
        )
        try:
            yield name
        finally:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def pg_restore_into(connection: BaseDatabaseWrapper, dump: Path, dbname: str) -> dict[str, int]:
    """Restore a dump into an empty database in one transaction; return that database's row counts."""
    conninfo, env = pg_command(connection, dbname)
    _run(
        [
            pg_tool("pg_restore"),
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--dbname={conninfo}",
            str(dump),
        ],
        env,
    )
    with _pg_connect(connection, dbname) as conn, conn.cursor() as cursor:
        return _pg_counts(cursor)


def pg_migrations(connection: BaseDatabaseWrapper, dbname: str) -> dict[str, str]:
    with _pg_connect(connection, dbname) as conn:
        rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    return _latest_migrations(rows)


# Drops every table of the schema but Huey's queue: tables made by migrations newer than the backup must
# go too, or the restored django_migrations would disagree with the schema.
_PG_PROLOGUE = """\
SET client_min_messages = warning;
SET lock_timeout = '60s';
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
             AND c.relname NOT LIKE 'huey\\_%'
  LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', t.relname);
  END LOOP;
END $$;
"""


def pg_restore_live(connection: BaseDatabaseWrapper, dump: Path, workdir: Path) -> None:
    """Replace the live database's tables with the dump's, all in one transaction.

    pg_restore writes the dump as SQL; psql runs a prologue that drops the current tables and then that
    SQL with --single-transaction and ON_ERROR_STOP: any error rolls everything back, and other sessions
    see the old database until the commit.
    """
    script = workdir / "restore.sql"
    prologue = workdir / "prologue.sql"
    prologue.write_text(_PG_PROLOGUE)
    conninfo, env = pg_command(connection)
    _run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            f"--file={script}",
            str(dump),
        ],
        env,
    )
    connection.close()
    _run(
        [
            pg_tool("psql"),
            "--no-psqlrc",
            "--quiet",
            "--no-password",
            "--set=ON_ERROR_STOP=1",
            "--single-transaction",
            f"--dbname={conninfo}",
            f"--file={prologue}",
            f"--file={script}",
        ],
        env,
    )
