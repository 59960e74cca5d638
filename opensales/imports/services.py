"""Import jobs: start one (upload, sheet, mapping), check it, run it in the worker, report on it.

    job = job_create(user=..., importer=EmployeeImporter, upload=file, mode="upsert")
    job_set_mapping(job=job, mapping={...})     # or the remembered / auto-matched one
    job_start(job=job)                          # queued on commit; the worker runs `execute`

Pages and the API call these; the worker calls `execute(job_id)` (tasks.py).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.audit.models import AuditEvent
from opensales.audit.services import record

from . import engine, matching, progress
from .models import ERRORS_SHOWN, WARNINGS_SHOWN, ImportJob
from .reading import ReadError, SheetError, check_upload, extension, read_table, sheet_names
from .registry import Importer, Mode, RowPlan, importer_for

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "import_finished"


def importer_of(job: ImportJob) -> type[Importer]:
    importer = importer_for(job.importer)
    if importer is None:  # an importer removed since the job was made
        raise LookupError(job.importer)
    return importer


# --- Starting a job ---------------------------------------------------------------------------------


def job_create(
    *,
    user: Any,
    importer: type[Importer],
    upload: Any,
    mode: str = Mode.CREATE,
    dry_run: bool = False,
    sheet: str | None = None,
    language: str | None = None,
) -> ImportJob:
    """Store the upload as a draft job: its sheets, and (once the sheet is known) headers, row count
    and the remembered or auto-matched mapping. Raises ReadError for a file that cannot be read and
    PermissionDenied without the import action."""
    if not importer.allowed(user):
        raise PermissionDenied
    if mode not in Mode.ALL:
        raise ValueError(mode)
    name = (getattr(upload, "name", "") or "import").rsplit("/", 1)[-1][-200:]
    data = upload.read()
    check_upload(name, len(data))
    sheets = sheet_names(data, name)
    if sheet and sheet not in sheets:
        raise SheetError(_("The workbook has no sheet named “%(sheet)s”.") % {"sheet": sheet})
    job = ImportJob(
        user=user,
        importer=importer.key,
        mode=mode,
        dry_run=dry_run,
        filename=name,
        sheets=sheets,
        sheet=sheet or (sheets[0] if len(sheets) == 1 else ""),
        language=language or translation.get_language() or "zh-hans",
    )
    if not sheets or job.sheet:
        _read_headers(job, importer, data)
    job.file.save(f"import{extension(name)}", ContentFile(data), save=False)
    job.save()
    return job


def _read_headers(job: ImportJob, importer: type[Importer], data: bytes) -> None:
    table = read_table(data, job.filename, job.sheet or None)
    job.headers = table.headers
    job.total_rows = len(table.rows)
    job.mapping = matching.remembered(job.user, importer, table.headers)


def job_choose_sheet(*, job: ImportJob, sheet: str) -> ImportJob:
    if sheet not in job.sheets:
        raise SheetError(_("The workbook has no sheet named “%(sheet)s”.") % {"sheet": sheet})
    job.sheet = sheet
    with job.file.open("rb") as fh:
        _read_headers(job, importer_of(job), fh.read())
    job.check_state = ""
    job.save()
    return job


def job_set_mapping(*, job: ImportJob, mapping: dict[str, str], mode: str | None = None) -> ImportJob:
    """Check and keep the mapping (header -> field name; unmapped headers are ignored), and remember
    it for the next file with these headers. Raises engine.MappingError."""
    importer = importer_of(job)
    if mode is not None:
        if mode not in Mode.ALL:
            raise ValueError(mode)
        job.mode = mode
    mapping = {h: n for h, n in mapping.items() if n}
    engine.check_mapping(importer, job.headers, mapping, job.mode)
    job.mapping = mapping
    job.check_state = ""
    job.save(update_fields=["mapping", "mode", "check_state"])
    matching.remember(job.user, importer, job.headers, mapping)
    return job


def job_check(*, job: ImportJob) -> ImportJob:
    """Validate every row in the worker (the preview); nothing is written."""
    from .tasks import run_import

    engine.check_mapping(importer_of(job), job.headers, job.mapping, job.mode)
    job.check_state = ImportJob.Check.CHECKING
    job.processed = 0
    job.save(update_fields=["check_state", "processed"])
    transaction.on_commit(lambda: run_import.enqueue(job.pk, True))
    return job


def job_start(*, job: ImportJob) -> ImportJob:
    """Queue the run (validate again, then write unless dry run). Only a draft starts."""
    from .tasks import run_import

    if job.state != ImportJob.State.DRAFT:
        raise ValueError("only a draft job starts")
    engine.check_mapping(importer_of(job), job.headers, job.mapping, job.mode)
    job.state = ImportJob.State.PENDING
    job.processed = 0
    job.save(update_fields=["state", "processed"])
    transaction.on_commit(lambda: run_import.enqueue(job.pk, False))
    return job


# --- Running (in the worker) ------------------------------------------------------------------------


def execute(job_id: int, check_only: bool = False) -> str:
    """The worker's side: validate every row, then (a real run without errors) write them all in one
    transaction. Returns the job's final state (or check state)."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if check_only and (job.state != ImportJob.State.DRAFT or job.check_state != ImportJob.Check.CHECKING):
        return job.check_state
    if not check_only and job.state != ImportJob.State.PENDING:
        return job.state  # run twice by the queue: the first run decided
    with translation.override(job.language):
        return _execute(job, check_only)


def _execute(job: ImportJob, check_only: bool) -> str:
    importer_cls = importer_for(job.importer)
    if not check_only:
        job.state, job.phase, job.started_at = (
            ImportJob.State.RUNNING,
            ImportJob.Phase.VALIDATING,
            timezone.now(),
        )
        job.processed = 0
        job.save(update_fields=["state", "phase", "started_at", "processed"])
    if importer_cls is None or not importer_cls.allowed(job.user) or not job.user.is_active:
        return _fail(job, check_only, _("You are no longer allowed to import this data."))
    try:
        table = engine.load_table(job)
    except (ReadError, OSError) as exc:
        return _fail(
            job, check_only, str(exc) if isinstance(exc, ReadError) else _("The uploaded file is gone.")
        )
    job.total_rows = len(table.rows)
    importer = importer_cls(job.user)

    def validated(n: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed=n)

    plan = engine.plan(importer, table, job.mapping, job.mode, progress=validated)
    job.processed = job.total_rows
    _store_plan(job, importer, plan)
    if check_only:
        job.check_state = ImportJob.Check.READY
        job.save()
        return job.check_state
    if plan.error_rows:
        job.created_count = job.updated_count = job.unchanged_count = 0
        job.state, job.phase, job.finished_at = ImportJob.State.FAILED, "", timezone.now()
        job.save()
        _audit(job, outcome=AuditEvent.Outcome.FAILURE)
        _notify(job)
        return job.state
    if job.dry_run:
        job.state, job.phase, job.finished_at = ImportJob.State.SUCCEEDED, "", timezone.now()
        job.save()
        _audit(job)
        _notify(job)
        return job.state
    job.phase = ImportJob.Phase.WRITING
    job.save()
    to_write = [r for r in plan.rows if r.action in ("create", "update")]
    try:
        with transaction.atomic():
            outcome = engine.write(
                importer, job.user, to_write, progress=lambda n: progress.publish(job.pk, n)
            )
            job.state, job.phase, job.finished_at = ImportJob.State.SUCCEEDED, "", timezone.now()
            job.save()
            _audit(job, outcome_ids=outcome)
    except engine.RowFailed as failed:
        job.created_count = job.updated_count = job.unchanged_count = 0
        failures = sorted(failed.failures.items())
        job.rejected_count = len(failures)
        job.error_count = sum(len(messages) for _line, messages in failures)
        job.errors = [{"row": line, "messages": messages} for line, messages in failures[:ERRORS_SHOWN]]
        engine.save_errors_file(job, None, dict(failures))
        job.failure = _("Row %(row)s could not be written; nothing was imported.") % {"row": failed.line}
        job.state, job.phase, job.finished_at = ImportJob.State.FAILED, "", timezone.now()
        job.save()
        _audit(job, outcome=AuditEvent.Outcome.FAILURE)
    finally:
        progress.clear(job.pk)
    _notify(job)
    return job.state


def _store_plan(job: ImportJob, importer: Importer, plan: engine.Plan) -> None:
    error_rows = plan.error_rows
    job.created_count, job.updated_count, job.unchanged_count = plan.created, plan.updated, plan.unchanged
    job.rejected_count = len(error_rows)
    job.error_count = sum(len(r.errors) for r in error_rows)
    job.errors = [{"row": r.line, "messages": r.errors} for r in error_rows[:ERRORS_SHOWN]]
    job.warnings = [{"row": r.line, "messages": r.warnings} for r in plan.warning_rows[:WARNINGS_SHOWN]]
    job.preview = [_preview_row(importer, job, r) for r in plan.rows[: engine.PREVIEW_ROWS]]
    job.failure = ""
    if job.errors_file:
        job.errors_file.delete(save=False)
    engine.save_errors_file(job, error_rows)


def _preview_row(importer: Importer, job: ImportJob, row: RowPlan) -> dict[str, Any]:
    names = [n for n in (f.name for f in importer.fields) if n in job.mapping.values()]
    cells = []
    for name in names:
        if name in row.values:
            cells.append(importer.display(name, row.values[name]))
        else:
            cells.append(row.raw.get(name, ""))
    return {
        "row": row.line,
        "action": row.action,
        "cells": cells,
        "errors": row.errors,
        "warnings": row.warnings,
    }


def _fail(job: ImportJob, check_only: bool, message: str) -> str:
    job.failure = message
    if check_only:
        job.check_state = ImportJob.Check.READY
        job.save()
        return job.check_state
    job.state, job.phase, job.finished_at = ImportJob.State.FAILED, "", timezone.now()
    job.save()
    _audit(job, outcome=AuditEvent.Outcome.FAILURE)
    _notify(job)
    return job.state


def _audit(job: ImportJob, outcome: str = AuditEvent.Outcome.SUCCESS, outcome_ids: Any = None) -> None:
    changes: dict[str, Any] = {
        "importer": job.importer,
        "mode": job.mode,
        "dry_run": job.dry_run,
        "file": job.filename,
        "rows": job.total_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
    }
    if outcome_ids is not None:
        created, updated = outcome_ids.created_ids, outcome_ids.updated_ids
        changes["created_ids"] = [str(pk) for pk in created[: engine.IDS_AUDITED]]
        changes["updated_ids"] = [str(pk) for pk in updated[: engine.IDS_AUDITED]]
        changes["ids_truncated"] = len(created) > engine.IDS_AUDITED or len(updated) > engine.IDS_AUDITED
    if job.failure:
        changes["failure"] = job.failure
    record(action="import.run", actor=job.user, obj=job, changes=changes, outcome=outcome)


def _notify(job: ImportJob) -> None:
    from opensales.notifications.services import notify

    if job.state == ImportJob.State.SUCCEEDED:
        title = format_lazy(gettext_lazy("Import finished: {name}"), name=job.filename)
        body = format_lazy(
            gettext_lazy("{created} created, {updated} updated, {unchanged} unchanged."),
            created=job.created_count,
            updated=job.updated_count,
            unchanged=job.unchanged_count,
        )
    else:
        title = format_lazy(gettext_lazy("Import failed: {name}"), name=job.filename)
        body = format_lazy(
            gettext_lazy("{rejected} rows have errors; nothing was imported."), rejected=job.rejected_count
        )
    try:
        notify(
            recipients=[job.user],
            kind=NOTIFICATION_KIND,
            target=job,
            title=title,
            body=body,
            url=reverse("imports:job", args=[job.pk]),
        )
    except Exception:  # the job's outcome stands even if the bell cannot ring
        logger.exception("import %s: notification failed", job.pk)


# --- Reading a job's state -----------------------------------------------------------------------


def percent(job: ImportJob) -> int:
    """0–100 for the progress bar: checking rows is the first half of a run, writing the second."""
    if job.finished or (job.state == ImportJob.State.DRAFT and job.check_state == ImportJob.Check.READY):
        return 100
    total = job.total_rows or 1
    checking = job.state == ImportJob.State.DRAFT or job.dry_run
    if job.phase == ImportJob.Phase.WRITING:
        return min(99, 50 + progress.read(job.pk) * 50 // total)
    share = 100 if checking else 50
    return min(99, job.processed * share // total)


def written(job: ImportJob) -> int:
    return progress.read(job.pk) if job.phase == ImportJob.Phase.WRITING else 0
