"""Nightly jobs of the customer lifecycle (local time, TIME_ZONE): pool returns, lifecycle, grading."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_periodic_task

from opensales.ops.worker import local_crontab

logger = logging.getLogger(__name__)


@db_periodic_task(local_crontab(minute=10, hour=1), name="customers.pool_return")
def pool_return() -> None:
    """01:10: customers past their pool's rules go back to the pool; owners near the limit are warned."""
    from .pools import return_by_rules

    logger.info("pool return: %s", return_by_rules())


@db_periodic_task(local_crontab(minute=20, hour=1), name="customers.lifecycle")
def lifecycle_nightly() -> None:
    """01:20: no follow-up and no deal for N days → at risk, for M days → lost."""
    from .lifecycle import mark_inactive

    logger.info("lifecycle: %s", mark_inactive())


@db_periodic_task(local_crontab(minute=40, hour=1), name="customers.grading")
def grading_nightly() -> None:
    """01:40: grade every customer with the configured rules."""
    from .grading import grade_all

    logger.info("grading: %s", grade_all())
