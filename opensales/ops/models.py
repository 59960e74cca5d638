"""Operations: the worker's heartbeat and the catalogue of database backups.

The backup files and their JSON manifests under `OPENSALES_BACKUP_DIR` are the source of truth; the
`Backup` rows are an index of them for the health page. A restore brings back the rows as they were when
the backup was taken, so `backup.sync_catalogue()` rebuilds the index from the manifests afterwards.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per worker name, updated by the `heartbeat` periodic task every minute."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    beat_at = models.DateTimeField(_("last beat"))
    hostname = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.IntegerField(_("process id"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Backup(models.Model):
    class Engine(models.TextChoices):
        SQLITE = "sqlite", "SQLite"
        POSTGRESQL = "postgresql", "PostgreSQL"

    file = models.CharField(_("file"), max_length=200, unique=True)
    engine = models.CharField(_("database"), max_length=16, choices=Engine.choices)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    encrypted = models.BooleanField(_("encrypted"), default=False)
    created_at = models.DateTimeField(_("created"), db_index=True)
    seconds = models.FloatField(_("duration of the backup"), null=True, blank=True)
    row_counts = models.JSONField(_("row counts"), default=dict, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    # None: not verified yet.
    verified_ok = models.BooleanField(_("verification passed"), null=True, blank=True)
    verify_seconds = models.FloatField(_("duration of the verification"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())
