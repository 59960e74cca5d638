"""The worker side of operations: its heartbeat, schedules in local time, and result-store upkeep."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from huey import crontab

from .models import WorkerHeartbeat

WORKER = "worker"
STALE_AFTER = timedelta(minutes=3)


def record_heartbeat(name: str = WORKER) -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name,
        defaults={"beat_at": timezone.now(), "hostname": socket.gethostname()[:255], "pid": os.getpid()},
    )
    return beat


def local_crontab(tz: str | None = None, **fields: str | int) -> Callable[[datetime], bool]:
    """Huey's crontab, read in a time zone (default TIME_ZONE) rather than in Huey's UTC clock.

    Huey hands periodic-task validators a naive UTC time (`utc=True`, its default); "02:30" in a
    crontab would then mean 02:30 UTC, 10:30 in Shanghai.
    """
    zone = ZoneInfo(tz or settings.TIME_ZONE)
    matches = crontab(**{k: str(v) for k, v in fields.items()}, strict=True)

    def validate(timestamp: datetime) -> bool:
        aware = timestamp.replace(tzinfo=UTC) if timestamp.tzinfo is None else timestamp
        return matches(aware.astimezone(zone))

    return validate


RESULT_PREFIX = "djt."


def prune_task_results(*, older_than: timedelta = timedelta(days=7), huey=None) -> int:
    """Delete django.tasks result records of tasks that finished before `older_than` ago.

    Huey's django.tasks backend keeps one record per task in Huey's result store and never removes it;
    a failed task also leaves Huey's own error result under the task id. Returns how many tasks went.
    """
    if huey is None:
        from huey.contrib.djhuey import HUEY as huey
    cutoff = timezone.now() - older_than
    removed = 0
    for key, raw in huey.all_results().items():
        if not key.startswith(RESULT_PREFIX):
            continue
        try:
            finished = huey.serializer.deserialize(raw).get("finished_at")
        except Exception:  # noqa: S112  (an unreadable record is left alone)
            continue
        if finished and datetime.fromisoformat(finished) < cutoff:
            huey.delete(key)
            huey.delete(key.removeprefix(RESULT_PREFIX))
            removed += 1
    return removed
