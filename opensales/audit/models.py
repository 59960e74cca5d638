"""The audit log: append-only, hash-chained, written in the transaction of the change it records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from opensales.core.scope import OpenScopedManager


class AuditEvent(models.Model):
    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        DENIED = "denied", _("Denied")
        FAILURE = "failure", _("Failure")

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    # Plain values, not foreign keys: the log must outlive and never cascade from what it describes.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    actor_roles = models.JSONField(_("actor's roles"), default=list)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    # Not indexed on its own: the (object_type, object_id) index below serves a filter by type too.
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    prev_hash = models.CharField(max_length=64)
    # Neither unique nor indexed: nothing looks an event up by its hash (the chain is walked in id
    # order), and a SHA-256 cannot repeat; an index on it cost a random B-tree insert per event
    # (an import writes two events per row; docs/performance.md, sixth round).
    hash = models.CharField(max_length=64)

    objects = OpenScopedManager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"


class AuditChainHead(models.Model):
    """One row holding the last hash; locking it serialises writers so the chain never forks."""

    last_hash = models.CharField(max_length=64)
    last_event_id = models.BigIntegerField(default=0)
