"""File pages. The record is always fetched through the scope first (404 when out of reach).

- upload (POST multipart `<label>/<pk>/upload/`, field `file`): CHANGE on the record (403 when the user
  sees the record but may not change it);
- download (GET `<pk>/`, `?inline=1` shows an image in the page): VIEW; audited; streamed with
  Content-Disposition (RFC 5987 filename* for non-ASCII names) and X-Content-Type-Options: nosniff;
- delete (POST `<pk>/delete/`): the uploader or someone with CHANGE on the record.
POSTs answer the updated files partial to htmx (`HX-Request`), else redirect to a safe `next`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opensales.comments.records import record_for, record_of, record_url
from opensales.comments.ui import safe_next
from opensales.core.actions import Action

from . import services
from .models import Attachment
from .ui import files_context


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _partial(request, record, **extra: Any) -> HttpResponse:
    return render(request, "attachments/_files.html", files_context(request, record, **extra))


@require_POST
def upload(request, label: str, pk: int):
    record = record_for(label, pk, request.user, Action.VIEW)
    if not services.may_upload(request.user, record):
        raise PermissionDenied
    try:
        attachment = services.attachment_add(
            actor=request.user, record=record, upload=request.FILES.get("file")
        )
    except ValidationError as exc:
        errors = [str(m) for m in exc.messages]
        if _is_htmx(request):
            return _partial(request, record, errors=errors, next_url=safe_next(request))
        for message in errors:
            messages.error(request, message)
    else:
        if _is_htmx(request):
            return _partial(request, record, next_url=safe_next(request))
        messages.success(request, _("“%(name)s” was uploaded.") % {"name": attachment.original_name})
    return redirect(safe_next(request, record_url(record)))


def _attachment_and_record(request, pk: int) -> tuple[Attachment, Any]:
    attachment = get_object_or_404(Attachment, pk=pk)
    return attachment, record_of(attachment.content_type_id, attachment.object_id, request.user, Action.VIEW)


def file_response(attachment: Attachment, *, inline: bool = False) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
def download(request, pk: int):
    attachment, record = _attachment_and_record(request, pk)
    inline = request.GET.get("inline") == "1" and attachment.is_image
    services.attachment_downloaded(actor=request.user, attachment=attachment, record=record, inline=inline)
    return file_response(attachment, inline=inline)


@require_POST
def delete(request, pk: int):
    attachment, record = _attachment_and_record(request, pk)
    name = attachment.original_name
    services.attachment_delete(actor=request.user, attachment=attachment, record=record)
    if _is_htmx(request):
        return _partial(request, record, next_url=safe_next(request))
    messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
    return redirect(safe_next(request, record_url(record)))
