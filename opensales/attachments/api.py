"""Files over the API (mounted at /api/v1/): the same rules and services as the pages.

GET    /api/v1/files?record=org.employee:12    the record's files, newest first (VIEW)
POST   /api/v1/files                           multipart: record, file (CHANGE on the record)
GET    /api/v1/files/{id}/download             the content (VIEW; audited)
DELETE /api/v1/files/{id}                      the uploader, or someone with CHANGE on the record
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from opensales.api.errors import ErrorOut
from opensales.api.pagination import PageParams, page_of, paginate
from opensales.comments.api import RECORD_HELP, RecordRef, UserRef, record_from_ref, user_ref
from opensales.comments.records import record_of
from opensales.core.actions import Action

from . import services
from .models import Attachment
from .views import file_response

router = Router(tags=["files"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class FileOut(Schema):
    id: int
    record: RecordRef
    name: str = Field(..., description="The original file name.")
    mime_type: str = Field(..., description="As detected from the content, not as the uploader claimed.")
    size: int = Field(..., description="Bytes.")
    sha256: str
    uploaded_by: UserRef | None
    uploaded_at: datetime
    download_url: str


class RecordParams(PageParams):
    record: str = Field(..., description=RECORD_HELP)


def file_out(a: Attachment, label: str) -> dict[str, Any]:
    return {
        "id": a.pk,
        "record": {"type": label, "id": a.object_id},
        "name": a.original_name,
        "mime_type": a.mime_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_by": user_ref(a.uploaded_by),
        "uploaded_at": a.uploaded_at,
        "download_url": reverse("api:download_file", kwargs={"id": a.pk}),
    }


def _attachment(user: Any, id: int) -> tuple[Attachment, Any]:
    attachment = get_object_or_404(Attachment.objects.select_related("uploaded_by"), pk=id)
    return attachment, record_of(attachment.content_type_id, attachment.object_id, user, Action.VIEW)


@router.get("/files", response={200: page_of(FileOut), **ERRORS}, summary="List a record's files")
def list_files(request, params: Query[RecordParams]):
    record = record_from_ref(params.record, request.auth)
    label = record._meta.label_lower
    qs = Attachment.objects.for_record(record).select_related("uploaded_by")
    return paginate(qs, params, lambda a: file_out(a, label))


@router.post("/files", response={201: FileOut, **ERRORS}, summary="Upload a file to a record")
def upload_file(request, record: Form[str], file: File[UploadedFile]):
    """multipart/form-data with `record` ("org.employee:12") and `file`. Needs CHANGE on the record.
    Size and type limits as on the pages (422 with `fields.file`)."""
    target = record_from_ref(record, request.auth)
    if not services.may_upload(request.auth, target):
        raise PermissionDenied
    attachment = services.attachment_add(actor=request.auth, record=target, upload=file)
    return Status(201, file_out(attachment, target._meta.label_lower))


@router.get(
    "/files/{id}/download",
    response={200: None, **ERRORS},
    summary="Download a file",
    url_name="download_file",
)
def download_file(request, id: int):
    """The file's content with `Content-Disposition: attachment` (RFC 5987 `filename*`). Audited."""
    attachment, record = _attachment(request.auth, id)
    services.attachment_downloaded(actor=request.auth, attachment=attachment, record=record, inline=False)
    return file_response(attachment)


@router.delete("/files/{id}", response={204: None, **ERRORS}, summary="Delete a file")
def delete_file(request, id: int):
    attachment, record = _attachment(request.auth, id)
    services.attachment_delete(actor=request.auth, attachment=attachment, record=record)
    return Status(204, None)
