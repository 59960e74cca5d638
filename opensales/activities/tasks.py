"""Periodic jobs of follow-ups (run by the Huey consumer, which imports every app's tasks.py)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"), name="activities.send_reminders")
def send_reminders() -> int:
    """Every 5 minutes: remind owners of planned follow-ups due within the next 15 minutes (once each)."""
    sent = services.send_due_reminders()
    if sent:
        logger.info("follow-up reminders sent: %s", sent)
    return sent
