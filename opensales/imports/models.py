"""Import jobs and the mappings users chose.

The uploaded file is kept in the default storage (MEDIA_ROOT/imports/…), not as rows in the database:
the worker reads it where the web process wrote it, the error report is built from the original
rows, and a 200 000-row file does not become 200 000 database rows. Only what people look at is in
the job row: counts, progress, and the first errors (capped; the full list is a file beside it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ERRORS_SHOWN = 1000  # errors kept in the job row (the report file has all of them)
WARNINGS_SHOWN = 200


class ImportJob(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Not started")
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        CREATE = "create", _("Create new records only")
        UPDATE = "update", _("Update existing records only")
        UPSERT = "upsert", _("Create or update")

    class Phase(models.TextChoices):
        NONE = "", _("Not running")
        VALIDATING = "validating", _("Checking rows")
        WRITING = "writing", _("Writing")

    class Check(models.TextChoices):
        NONE = "", _("Not checked")
        CHECKING = "checking", _("Checking")
        READY = "ready", _("Checked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("user")
    )
    importer = models.CharField(_("data"), max_length=40)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.CREATE)
    dry_run = models.BooleanField(_("validate only"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices, default="", blank=True)
    check_state = models.CharField(max_length=10, choices=Check.choices, default="", blank=True)
    language = models.CharField(max_length=10, default="zh-hans")

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    sheets = models.JSONField(default=list, blank=True)
    sheet = models.CharField(_("sheet"), max_length=255, blank=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)

    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row": 7, "messages": [...]}], first 1000
    warnings = models.JSONField(default=list, blank=True)
    errors_file = models.FileField(upload_to="imports/%Y/%m/", max_length=255, blank=True)
    preview = models.JSONField(default=list, blank=True)  # the first rows as they will be imported
    failure = models.TextField(_("failure"), blank=True)  # what stopped the job as a whole

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.importer})"

    @property
    def finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.FAILED}

    @property
    def has_error_rows(self) -> bool:
        return bool(self.errors_file) and self.error_count > 0


class ImportMapping(models.Model):
    """A user's column mapping for one importer and one set of headers, offered again next time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    importer = models.CharField(max_length=40)
    header_hash = models.CharField(max_length=64)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)  # file header -> field name
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "importer", "header_hash"], name="uniq_import_mapping")
        ]
