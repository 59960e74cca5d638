"""Progress of the write phase, outside the import's transaction.

The write phase runs in one `transaction.atomic()`: an update of the job row inside it is invisible to
the web process until the commit, and a second database connection cannot help on SQLite (the import
holds the database's only write lock; the second writer would wait for it). So the written-row count
travels through the worker's own key-value store instead (Huey's storage: a separate SQLite file, a
separate PostgreSQL connection, or Redis; in-process memory when tasks run immediately), which the
job page reads beside the job row. The validation phase writes its progress to the job row directly,
in autocommit, since it holds no transaction.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def _key(job_id: int) -> str:
    return f"opensales:import-progress:{job_id}"


def _huey():
    from huey.contrib.djhuey import HUEY

    return HUEY


def publish(job_id: int, written: int) -> None:
    try:
        _huey().put(_key(job_id), written)
    except Exception:  # progress is a courtesy: never let it break an import
        logger.warning("import %s: could not publish progress", job_id, exc_info=True)


def read(job_id: int) -> int:
    try:
        value = _huey().get(_key(job_id), peek=True)
    except Exception:
        return 0
    return int(value or 0)


def clear(job_id: int) -> None:
    try:
        _huey().get(_key(job_id))  # a get without peek removes the key
    except Exception:
        logger.debug("import %s: could not clear progress", job_id, exc_info=True)
