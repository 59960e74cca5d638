"""Periodic jobs, run by the Huey consumer (`opensales run_huey`, which imports every app's tasks.py).

django.tasks has no schedules, so periodic jobs are Huey periodic tasks; one-off work elsewhere in the
application uses `from django.tasks import task` and `.enqueue()`.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import backup, worker

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(), name="ops.heartbeat")
def heartbeat() -> None:
    """Every minute: the health page reads this row to tell a live worker from a stopped one."""
    worker.record_heartbeat()


@db_periodic_task(worker.local_crontab(minute=30, hour=2), name="ops.nightly_backup")
def nightly_backup() -> None:
    """02:30 in TIME_ZONE (Asia/Shanghai by default): back up, verify, apply the retention."""
    made = backup.run_nightly()
    logger.info("backup %s: verified_ok=%s", made.file, made.verified_ok)


@db_periodic_task(worker.local_crontab(minute=15, hour=3), name="ops.prune_task_results")
def prune_task_results() -> None:
    """03:15: forget the result records of tasks that finished more than a week ago."""
    worker.prune_task_results()
