"""Imports over the API: start one with a file, then poll its state.

    POST /api/v1/imports          multipart: file, model ("employees"), mode (create | update | upsert),
                                  mapping (JSON {"file header": "field"}; default: remembered / auto-matched),
                                  sheet (default: the first); ?dry_run=true validates without writing.
                                  202 with the job.
    GET  /api/v1/imports/{id}     state (pending | running | succeeded | failed), progress, counts, errors.
    GET  /api/v1/imports          your jobs, newest first.

Starting needs the import action on the model (403); a job is its owner's only (anyone else: 404).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from opensales.api.errors import ApiError, ErrorOut, invalid
from opensales.api.pagination import PageParams, page_of, paginate

from . import engine, services
from .models import ImportJob
from .reading import ReadError, SheetError
from .registry import Mode, all_importers, importer_for

router = Router()
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class RowErrorOut(Schema):
    row: int
    messages: list[str]


class ImportSummaryOut(Schema):
    id: int
    model: str
    mode: str
    dry_run: bool
    state: str
    progress: int
    total_rows: int
    processed: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    error_count: int
    filename: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportOut(ImportSummaryOut):
    sheet: str
    mapping: dict[str, str]
    failure: str
    errors: list[RowErrorOut]
    warnings: list[RowErrorOut]


def summary(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "model": job.importer,
        "mode": job.mode,
        "dry_run": job.dry_run,
        "state": job.state,
        "progress": services.percent(job),
        "total_rows": job.total_rows,
        "processed": job.processed,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
        "error_count": job.error_count,
        "filename": job.filename,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def detail(job: ImportJob) -> dict[str, Any]:
    return {
        **summary(job),
        "sheet": job.sheet,
        "mapping": job.mapping,
        "failure": job.failure,
        "errors": job.errors,
        "warnings": job.warnings,
    }


def _mapping(text: str | None) -> dict[str, str] | None:
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise invalid(
            "mapping", _("Give the mapping as a JSON object of file header to field name.")
        ) from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise invalid("mapping", _("Give the mapping as a JSON object of file header to field name."))
    return value


@router.post("/imports", response={202: ImportOut, **ERRORS}, tags=["imports"], summary="Start an import")
def start_import(
    request,
    file: File[UploadedFile],
    model: Form[str],
    mode: Form[str] = Mode.CREATE,
    mapping: Form[str | None] = None,
    sheet: Form[str | None] = None,
    dry_run: Query[bool] = False,
):
    """Upload a CSV (UTF-8 or GBK) or Excel file and start importing it in the background; poll
    `GET /api/v1/imports/{id}`. All or nothing: one row with an error and nothing is written.
    `model`: one of the importer keys (e.g. `employees`); needs the import action on that model."""
    user = request.auth
    importer = importer_for(model)
    if importer is None or importer.key != model:
        keys = ", ".join(i.key for i in all_importers())
        raise invalid("model", _("Unknown model. Choose one of: %(keys)s.") % {"keys": keys})
    if not importer.allowed(user):
        raise PermissionDenied
    if mode not in Mode.ALL:
        raise invalid("mode", _("Choose create, update or upsert."))
    wanted = _mapping(mapping)
    try:
        job = services.job_create(
            user=user, importer=importer, upload=file, mode=mode, dry_run=dry_run, sheet=sheet or None
        )
        if job.sheets and not job.sheet:
            job = services.job_choose_sheet(job=job, sheet=job.sheets[0])
    except ReadError as exc:
        raise invalid("sheet" if isinstance(exc, SheetError) else "file", str(exc)) from None
    try:
        if wanted is not None:
            services.job_set_mapping(job=job, mapping=wanted)
        services.job_start(job=job)
    except engine.MappingError as exc:
        job.file.delete(save=False)
        job.delete()
        raise ApiError(
            422,
            "invalid",
            _("The input is not valid."),
            {"mapping": [m for ms in exc.problems.values() for m in ms]},
        ) from None
    return Status(202, detail(job))


@router.get("/imports/{id}", response={200: ImportOut, **ERRORS}, tags=["imports"], summary="Get an import")
def get_import(request, id: int):
    """The job's state (draft, pending, running, succeeded, failed), progress (0–100), counts and the
    first 1000 row errors. For a dry run the counts say what a run would do."""
    job = ImportJob.objects.filter(user=request.auth, pk=id).first()
    if job is None:
        raise Http404
    return detail(job)


@router.get(
    "/imports", response={200: page_of(ImportSummaryOut), **ERRORS}, tags=["imports"], summary="List imports"
)
def list_imports(request, page: Query[PageParams]):
    """Your own import jobs, newest first."""
    return paginate(ImportJob.objects.filter(user=request.auth).order_by("-created_at", "-pk"), page, summary)
