"""The nightly purge of the recycle bin (run by the Huey consumer, which imports every app's tasks.py)."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_periodic_task

from opensales.ops.worker import local_crontab

from . import services

logger = logging.getLogger(__name__)


@db_periodic_task(local_crontab(minute=45, hour=3), name="recyclebin.purge_expired")
def purge_expired() -> dict[str, list]:
    """03:45 in TIME_ZONE: delete for good what has been in the recycle bin longer than
    OPENSALES_RECYCLE_BIN_DAYS (default 30). One audit event per run, by the system."""
    purged = services.purge_expired()
    logger.info("recycle bin: purged %s", {label: len(ids) for label, ids in purged.items()})
    return purged
