"""Background jobs of bulk actions and exports: what was asked, how far it got, what came out."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def export_path(job: Job, filename: str) -> str:
    """exports/<random>.<ext>: the stored name says nothing; the user sees `file_name`."""
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"exports/{secrets.token_urlsafe(18)}.{extension}"


class JobQuerySet(models.QuerySet):
    def of(self, user) -> JobQuerySet:
        """A job is visible to the user who started it, and to nobody else (others get 404)."""
        return self.filter(user_id=getattr(user, "pk", None))


class Job(models.Model):
    class Kind(models.TextChoices):
        BULK = "bulk", _("Bulk action")
        EXPORT = "export", _("Export")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulk_jobs", verbose_name=_("user")
    )
    list_key = models.CharField(_("list"), max_length=50)
    # The bulk action's key ("change_owner") or the export format ("xlsx", "csv").
    action = models.CharField(_("action"), max_length=50)
    # {"ids": [...]} or {"query": "..."}, and {"params": {...}} for a bulk action's parameters.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The language the user worked in: headers, file name, messages and errors are written in it.
    language = models.CharField(max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to=export_path, blank=True, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.FAILED}

    @property
    def progress(self) -> int:
        """Rows done so far: the worker reports them outside its transaction (opensales/bulk/progress.py)."""
        if self.state != self.State.RUNNING:
            return self.done
        from .progress import read_progress

        return max(self.done, min(read_progress(self.pk), self.total))

    @property
    def percent(self) -> int:
        if self.state == self.State.SUCCEEDED:
            return 100
        return int(self.progress * 100 / self.total) if self.total else 0
