"""System checks: malformed backup keys fail `check`; unencrypted backups and immediate mode warn on deploy."""

from __future__ import annotations

from cryptography.fernet import Fernet

from opensales.ops import checks


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def test_backup_keys(settings):
    settings.OPENSALES_BACKUP_KEYS = [Fernet.generate_key().decode(), "not-a-key"]
    assert ids(checks.check_backup_keys()) == ["opensales.ops.E001"]
    assert "key 2" in checks.check_backup_keys()[0].msg
    settings.OPENSALES_BACKUP_KEYS = [Fernet.generate_key().decode()]
    settings.OPENSALES_BACKUP_KEEP = 0
    assert ids(checks.check_backup_keys()) == ["opensales.ops.E002"]
    settings.OPENSALES_BACKUP_KEEP = 14
    assert checks.check_backup_keys() == []


def test_unencrypted_backups_warn_on_deploy(settings):
    settings.OPENSALES_BACKUP_KEYS = []
    assert ids(checks.check_backup_encryption()) == ["opensales.ops.W001"]
    settings.OPENSALES_BACKUP_KEYS = [Fernet.generate_key().decode()]
    assert checks.check_backup_encryption() == []


def test_immediate_worker_warns_on_deploy(settings):
    settings.HUEY = {**settings.HUEY, "immediate": True}
    assert ids(checks.check_worker_mode()) == ["opensales.ops.W002"]
    settings.HUEY = {**settings.HUEY, "immediate": False}
    assert checks.check_worker_mode() == []
