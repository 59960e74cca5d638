"""System checks for the worker and backups (`opensales check`, `opensales check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register()
def check_backup_keys(app_configs=None, **kwargs):
    from cryptography.fernet import Fernet

    errors = []
    for n, key in enumerate(settings.OPENSALES_BACKUP_KEYS, 1):
        try:
            Fernet(key)
        except ValueError:
            errors.append(
                checks.Error(f"OPENSALES_BACKUP_KEY: key {n} is not a Fernet key.", id="opensales.ops.E001")
            )
    if settings.OPENSALES_BACKUP_KEEP < 1:
        errors.append(checks.Error("OPENSALES_BACKUP_KEEP must be 1 or more.", id="opensales.ops.E002"))
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_backup_encryption(app_configs=None, **kwargs):
    if settings.OPENSALES_BACKUP_KEYS:
        return []
    return [
        checks.Warning(
            "Backups are written unencrypted.",
            hint="Set OPENSALES_BACKUP_KEY to a Fernet key and keep a copy of it apart from the backups.",
            id="opensales.ops.W001",
        )
    ]


@checks.register(deploy=True)
def check_worker_mode(app_configs=None, **kwargs):
    huey = getattr(settings, "HUEY", None)
    if isinstance(huey, dict) and huey.get("immediate"):
        return [
            checks.Warning(
                "The worker runs tasks inside web requests (immediate mode); scheduled jobs and backups "
                "never run.",
                hint="Set OPENSALES_WORKER to sqlite, postgres or redis and run `opensales run_huey`.",
                id="opensales.ops.W002",
            )
        ]
    return []
