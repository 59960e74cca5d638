"""Bulk actions, exports and their background jobs over the API (mounted at the root of /api/v1/).

    POST /api/v1/bulk/{key}          {"action": "add_tags", "ids": [1, 2], "params": {"tags": ["重点"]}}
                                     {"action": "delete", "all": true, "query": "status=lost"}
        → 200 {"action", "count", "ids", "message"}, or 202 with the job when the batch is large
    GET  /api/v1/exports/{key}?format=xlsx|csv&<list filters>   → the file, or 202 with the job
    GET  /api/v1/jobs, /api/v1/jobs/{id}, /api/v1/jobs/{id}/file (your own jobs only; others: 404)

The same services and scope as the pages (services.run_bulk, exports.start_export): one row outside the
scope rejects the batch with 404 and changes nothing; no grant of the action at all answers 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from opensales.api.errors import ApiError, ErrorOut, invalid
from opensales.api.pagination import PageParams, page_of, paginate
from opensales.workspace.registry import get_view

from . import exports
from .models import Job
from .services import BulkError, action_label, run_bulk

router = Router(tags=["bulk actions and exports"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class BulkIn(Schema):
    action: str = Field(
        ..., description="change_owner, add_tags, remove_tags, add_collaborators, delete, or the list's own."
    )
    ids: list[int] | None = Field(None, description="The records to change; or leave out and send all=true.")
    all: bool = Field(
        False, description="Every record matching `query` (the list's filters), instead of `ids`."
    )
    query: str = Field("", description='The list\'s filters as a query string, e.g. "q=张&tags=3".')
    params: dict[str, Any] = Field(
        default_factory=dict,
        description='The action\'s settings: {"owner": user id}, {"tags": ["重点"]}, '
        '{"users": [user ids], "level": "read"|"edit"}.',
    )


class BulkOut(Schema):
    action: str
    count: int = Field(..., description="How many records were changed.")
    ids: list[int]
    message: str


class JobOut(Schema):
    id: int
    kind: str = Field(..., description="bulk or export.")
    list: str = Field(..., description="The list's key, e.g. customers.")
    action: str = Field(..., description="The bulk action's key, or the export's format.")
    action_label: str
    state: str = Field(..., description="pending, running, succeeded or failed.")
    total: int
    done: int
    percent: int
    result: dict[str, Any]
    error: str
    file_name: str
    file_url: str | None = Field(None, description="Where a finished export downloads (GET).")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def job_out(job: Job) -> dict[str, Any]:
    has_file = job.kind == Job.Kind.EXPORT and job.state == Job.State.SUCCEEDED and bool(job.file)
    return {
        "id": job.pk,
        "kind": job.kind,
        "list": job.list_key,
        "action": job.action,
        "action_label": str(action_label(job)),
        "state": job.state,
        "total": job.total,
        "done": job.progress,
        "percent": job.percent,
        "result": job.result or {},
        "error": job.error,
        "file_name": job.file_name,
        "file_url": f"/api/v1/jobs/{job.pk}/file" if has_file else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def _view(key: str) -> Any:
    try:
        return get_view(key)
    except LookupError:
        raise Http404 from None


def _api_error(exc: BulkError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message, exc.fields)


@router.post(
    "/bulk/{key}",
    response={200: BulkOut, 202: JobOut, **ERRORS},
    summary="Run a bulk action on a list",
)
def run_bulk_action(request, key: str, payload: BulkIn):
    """All or nothing: every record must be within your scope for the action, or nothing changes (404).
    Up to OPENSALES_BULK_SYNC_LIMIT records (200) run at once; more answer 202 with a job to poll."""
    view = _view(key)
    if payload.ids is None and not payload.all:
        raise invalid("ids", _("Send the ids of the records, or all=true."))
    try:
        outcome = run_bulk(
            actor=request.auth,
            view=view,
            action_key=payload.action,
            ids=None if payload.all else payload.ids,
            query=payload.query if payload.all else None,
            params=payload.params,
        )
    except BulkError as exc:
        raise _api_error(exc) from None
    if isinstance(outcome, Job):
        return Status(202, job_out(outcome))
    return Status(
        200,
        {"action": outcome.action, "count": outcome.count, "ids": outcome.ids, "message": outcome.message},
    )


@router.get(
    "/exports/{key}",
    response={202: JobOut, **ERRORS},
    summary="Export a list to XLSX or CSV",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file (up to OPENSALES_EXPORT_SYNC_LIMIT rows).",
                "content": {ct.split(";")[0]: {} for ct in exports.CONTENT_TYPES.values()},
            }
        }
    },
)
def export_list(request, key: str, format: str = "xlsx"):
    """The records the list shows for these filters (any of the list's query parameters), within your
    export scope, with its visible columns (`cols`). Larger exports answer 202 with a job; its
    `file_url` downloads the file once it has succeeded."""
    view = _view(key)
    try:
        outcome = exports.start_export(actor=request.auth, view=view, params=request.GET, fmt=format.lower())
    except BulkError as exc:
        raise _api_error(exc) from None
    if isinstance(outcome, Job):
        return Status(202, job_out(outcome))
    response = HttpResponse(outcome.content, content_type=outcome.content_type)
    response["Content-Disposition"] = content_disposition_header(True, outcome.name)
    return response


@router.get("/jobs", response={200: page_of(JobOut), **ERRORS}, summary="List your background jobs")
def list_jobs(request, params: Query[PageParams]):
    """Your bulk-action and export jobs, newest first."""
    return paginate(Job.objects.of(request.auth).order_by("-created_at", "-pk"), params, job_out)


@router.get("/jobs/{id}", response={200: JobOut, **ERRORS}, summary="Get one of your background jobs")
def get_job(request, id: int):
    """Poll it for `done`/`percent` until `state` is succeeded or failed."""
    return job_out(get_object_or_404(Job.objects.of(request.auth), pk=id))


@router.get(
    "/jobs/{id}/file",
    response={**ERRORS},
    summary="Download a finished export",
    openapi_extra={"responses": {"200": {"description": "The exported file."}}},
)
def download_job_file(request, id: int):
    return exports.download_response(request.auth, id)
