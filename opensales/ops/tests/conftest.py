"""Fixtures for the operations tests: a private backup directory, a backup key, a real queue."""

from __future__ import annotations

import signal

import pytest
from cryptography.fernet import Fernet


@pytest.fixture
def backup_dir(settings, tmp_path):
    """Backups go to a temporary directory, unencrypted, 14 days kept."""
    settings.OPENSALES_BACKUP_DIR = tmp_path / "backups"
    settings.OPENSALES_BACKUP_KEYS = []
    settings.OPENSALES_BACKUP_KEEP = 14
    return settings.OPENSALES_BACKUP_DIR


@pytest.fixture
def backup_key(settings, backup_dir):
    key = Fernet.generate_key().decode()
    settings.OPENSALES_BACKUP_KEYS = [key]
    return key


@pytest.fixture
def queue(tmp_path):
    """Huey with immediate mode off and its queue in a temporary SqliteHuey file: tasks wait there until
    a consumer (or a test acting as one) runs them. Restores the test settings' immediate mode after."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import SqliteStorage

    saved = HUEY._immediate, HUEY.storage
    HUEY._immediate = False
    HUEY.storage = SqliteStorage(HUEY.name, filename=str(tmp_path / "queue.sqlite3"))
    try:
        yield HUEY
    finally:
        HUEY.storage.close()
        HUEY._immediate, HUEY.storage = saved


@pytest.fixture
def keep_signal_handlers():
    """Huey's consumer installs handlers for SIGINT/SIGTERM/SIGHUP; put pytest's back afterwards."""
    signums = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
    saved = {s: signal.getsignal(s) for s in signums}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)
