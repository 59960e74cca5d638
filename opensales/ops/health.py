"""What the health page and /ops/health.json report: worker, database, migrations, backups, disk."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from ninja import Status

from . import backup, dbtools
from .models import Backup, WorkerHeartbeat
from .worker import STALE_AFTER, WORKER


@dataclass
class WorkerState:
    last_beat: datetime | None
    hostname: str
    pid: int | None

    @property
    def age(self) -> timedelta | None:
        return None if self.last_beat is None else timezone.now() - self.last_beat

    @property
    def stale(self) -> bool:
        return self.last_beat is None or self.age > STALE_AFTER


@dataclass
class DiskState:
    path: Path
    total: int
    free: int

    @property
    def free_percent(self) -> float:
        return 100.0 * self.free / self.total if self.total else 0.0

    @property
    def used_percent(self) -> float:
        return 100.0 - self.free_percent


def worker_state() -> WorkerState:
    beat = WorkerHeartbeat.objects.filter(name=WORKER).first()
    if beat is None:
        return WorkerState(None, "", None)
    return WorkerState(beat.beat_at, beat.hostname, beat.pid)


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, backwards in plan if not backwards]


def database_state() -> dict[str, Any]:
    return {
        "vendor": connection.vendor,
        "display": connection.display_name,
        "version": dbtools.server_version(connection),
        "name": str(connection.settings_dict["NAME"]),
    }


def disk_state(path: Path | None = None) -> DiskState:
    path = Path(path or settings.VAR_DIR)
    usage = shutil.disk_usage(path)
    return DiskState(path, usage.total, usage.free)


def queue_length() -> int | None:
    from huey.contrib.djhuey import HUEY

    try:
        return HUEY.pending_count()
    except Exception:  # the queue's store is down: the page says "unknown"
        return None


def backup_state() -> dict[str, Any]:
    newest = backup.newest_verified()
    latest = Backup.objects.first()
    return {
        "latest": latest,
        "newest_verified": newest,
        "fresh": newest is not None and timezone.now() - newest.created_at <= backup.backup_age_limit(),
    }


def public_status() -> tuple[int, dict[str, Any]]:
    """The monitoring answer: non-sensitive flags and times only. 503 when the worker is stale or the
    database does not answer."""
    now = timezone.now()
    try:
        worker = worker_state()
        backups = backup_state()
        migrations = pending_migrations()
    except DatabaseError:
        return Status(503, {"status": "error", "checked_at": now.isoformat(), "database": {"ok": False}})
    last = backups["newest_verified"]
    body = {
        "status": "stale" if worker.stale else "ok",
        "checked_at": now.isoformat(),
        "database": {"ok": True, "pending_migrations": len(migrations)},
        "worker": {
            "ok": not worker.stale,
            "last_beat": worker.last_beat.isoformat() if worker.last_beat else None,
            "age_seconds": int(worker.age.total_seconds()) if worker.age is not None else None,
        },
        "backup": {
            "ok": backups["fresh"],
            "newest_verified_backup_at": last.created_at.isoformat() if last else None,
        },
    }
    return (503 if worker.stale else 200), body
