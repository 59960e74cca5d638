"""Progress of a running bulk job, readable while the job's transaction is still open.

A bulk job is all or nothing: it writes every chunk inside one transaction, so nothing it writes to the
database (its own Job row included) is visible to the page polling for progress until it commits — on
PostgreSQL (read committed) the poller sees the old row, and on SQLite the open write transaction holds
the database's only write lock, so even a second connection could not record progress. The worker's
queue store is outside that transaction on every backend and is shared by the web and the worker
processes by construction (SqliteHuey: its own file; PostgresHuey: its own autocommit connection;
Redis; the in-memory store when tasks run immediately, as in the tests), so progress goes there: a
small counter per job, dropped when the job ends (the final count is then on the Job row).
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

KEY = "opensales.bulk.progress.%s"


def _huey():
    from huey.contrib.djhuey import HUEY

    return HUEY


def report_progress(job_id: int, done: int) -> None:
    try:
        _huey().put(KEY % job_id, int(done))
    except Exception:  # progress is a courtesy: never fail the job for it
        logger.warning("could not record the progress of job %s", job_id, exc_info=True)


def read_progress(job_id: int) -> int:
    try:
        value = _huey().get(KEY % job_id, peek=True)
    except Exception:
        logger.warning("could not read the progress of job %s", job_id, exc_info=True)
        return 0
    return int(value or 0)


def clear_progress(job_id: int) -> None:
    try:
        _huey().delete(KEY % job_id)
    except Exception:
        logger.warning("could not clear the progress of job %s", job_id, exc_info=True)
