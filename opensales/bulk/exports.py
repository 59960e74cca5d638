"""Exporting a list to XLSX or CSV: exactly what the list shows (filters, sort, visible columns), within
the user's EXPORT scope, with formula injection escaped. docs/bulk-and-export.md.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from opensales.core.actions import Action

logger = logging.getLogger(__name__)

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CHUNK = 1000
# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR, may shift it
# into one): such text gets a leading apostrophe (OWASP's advice for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def sync_limit() -> int:
    return int(getattr(settings, "OPENSALES_EXPORT_SYNC_LIMIT", 2000))


def escape(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any) -> Any:
    """A column's export value as a spreadsheet cell: numbers, dates (local time) and booleans keep
    their type; records, lists and everything else become text, escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, datetime.date | datetime.time):
        return value
    if isinstance(value, models.QuerySet | list | tuple | set):
        return escape(", ".join(str(v) for v in value))
    if isinstance(value, Promise):
        value = str(value)
    return escape(str(value))


def text(value: Any) -> str:
    """A cell as CSV text."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def ordered_ids(view: Any, user: Any, params: QueryDict) -> list[int]:
    """The ids of the rows, in the list's order: `V.filtered(user, params, EXPORT)` (the EXPORT scope)."""
    return list(view.filtered(user, params, Action.EXPORT).values_list("pk", flat=True))


def rows(
    view: Any, user: Any, params: QueryDict, ids: Sequence[int], progress: Callable[[int], None] | None = None
) -> Iterator[list[Any]]:
    """The header, then one row per record, read chunk by chunk (a pk slice of the ordered ids, loaded
    with the view's select/prefetch and `prepare_rows`), so memory stays flat for any size."""
    columns = view.visible_columns(params)
    yield [escape(str(c.label)) for c in columns]
    done = 0
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        found = {r.pk: r for r in view.queryset(user, Action.EXPORT).filter(pk__in=part)}
        records = view.prepare_rows([found[pk] for pk in part if pk in found], user)
        for record in records:
            yield [cell(c.export_value(record)) for c in columns]
        done += len(part)
        if progress is not None:
            progress(done)


def write_csv(out: IO[bytes], table: Iterator[list[Any]]) -> int:
    """UTF-8 with a byte order mark, so Excel opens Chinese text correctly. Returns the data rows."""
    wrapper = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(wrapper)
    count = -1
    for row in table:
        writer.writerow([text(v) for v in row])
        count += 1
    wrapper.flush()
    wrapper.detach()
    return max(count, 0)


SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(out: IO[bytes] | str, table: Iterator[list[Any]], sheet: str) -> int:
    """Text is always written as text (write_string), never as a formula, a number or a link."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "in_memory": not isinstance(out, str),
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    worksheet = workbook.add_worksheet(SHEET_NAME_BAD.sub(" ", sheet)[:31] or "Sheet1")
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    count = -1
    widths: dict[int, int] = {}
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            if r == 0:
                worksheet.write_string(r, c, value, bold)
                widths[c] = min(max(len(value) * 2, 10), 40)
            elif isinstance(value, datetime.datetime):
                worksheet.write_datetime(r, c, value, datetime_format)
            elif isinstance(value, datetime.date):
                worksheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), date_format)
            elif isinstance(value, decimal.Decimal):
                worksheet.write_number(r, c, float(value))
            elif isinstance(value, int | float):
                worksheet.write_number(r, c, value)
            else:
                worksheet.write_string(r, c, text(value))
        if r == 0:
            for c, width in widths.items():
                worksheet.set_column(c, c, width)
            worksheet.freeze_panes(1, 0)
        count += 1
    workbook.close()
    return max(count, 0)


def write(fmt: str, out: IO[bytes] | str, table: Iterator[list[Any]], sheet: str) -> int:
    if fmt == "csv":
        if isinstance(out, str):
            with open(out, "wb") as fh:
                return write_csv(fh, table)
        return write_csv(out, table)
    return write_xlsx(out, table, sheet)


FILE_NAME_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_name(view: Any, fmt: str, when: datetime.datetime | None = None) -> str:
    """员工-20261122-0930.xlsx: the list's name in the user's language and the local time."""
    when = timezone.localtime(when or timezone.now())
    base = FILE_NAME_BAD.sub("-", view.verbose_name_plural()).strip(" .-") or "export"
    return f"{base}-{when:%Y%m%d-%H%M}.{fmt}"


def audit_export(*, actor: Any, view: Any, rows: int, fmt: str, query: str, job: Any = None) -> None:
    from opensales.audit.services import record

    changes: dict[str, Any] = {"rows": rows, "format": fmt, "query": query}
    if job is not None:
        changes["job"] = job.pk
    record(action="export", actor=actor, object_type=view.label(), changes=changes)


def export_query(params: QueryDict) -> str:
    """The list state an export keeps: everything but the format and the paging."""
    from opensales.workspace.listing import PAGING_PARAMS

    query = params.copy()
    for name in ("format", *PAGING_PARAMS):
        query.pop(name, None)
    return query.urlencode()


# --- Running an export -------------------------------------------------------------------------------


@dataclass
class ExportFile:
    content: bytes
    name: str
    content_type: str
    rows: int


def start_export(*, actor: Any, view: Any, params: QueryDict, fmt: str) -> ExportFile | Any:
    """Up to OPENSALES_EXPORT_SYNC_LIMIT rows: the file now (`ExportFile`); more: a pending `Job` the
    worker fills and announces. Raises PermissionDenied without the EXPORT action on the model."""
    from opensales.core.scope import has_action

    from .services import BulkError

    if not has_action(actor, view.model, Action.EXPORT):
        raise PermissionDenied
    if fmt not in FORMATS:
        raise BulkError(_("Choose XLSX or CSV."), {"format": [_("Select a valid choice.")]})
    query = export_query(params)
    total = view.filtered(actor, params, Action.EXPORT).count()
    if total <= sync_limit():
        ids = ordered_ids(view, actor, params)
        out = io.BytesIO()
        count = write(fmt, out, rows(view, actor, params, ids), view.verbose_name_plural())
        audit_export(actor=actor, view=view, rows=count, fmt=fmt, query=query)
        return ExportFile(out.getvalue(), file_name(view, fmt), CONTENT_TYPES[fmt], count)
    from .models import Job
    from .tasks import run_job

    with transaction.atomic():
        job = Job.objects.create(
            kind=Job.Kind.EXPORT,
            user=actor,
            list_key=view.key,
            action=fmt,
            params={"query": query},
            language=translation.get_language() or settings.LANGUAGE_CODE,
            total=total,
        )
        transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


def execute_export_job(job: Any) -> None:
    """The worker's side: write the file to a temporary file, chunk by chunk (progress on the Job row:
    an export holds no long transaction), store it under MEDIA_ROOT/exports/, audit, notify."""
    from django.core.files import File

    from opensales.core.scope import has_action
    from opensales.workspace.registry import get_view

    from .models import Job
    from .services import BulkError, _fail, _finish, notify_job

    actor = job.user
    try:
        if not actor.is_active:
            raise BulkError(_("Your account is no longer active."))
        try:
            view = get_view(job.list_key)
        except LookupError:
            raise BulkError(_("This list no longer exists.")) from None
        if not has_action(actor, view.model, Action.EXPORT):
            raise BulkError(_("You no longer have the permission to export this list."))
        query = (job.params or {}).get("query", "")
        params = QueryDict(query)
        ids = ordered_ids(view, actor, params)
        Job.objects.filter(pk=job.pk).update(total=len(ids))
        job.total = len(ids)

        def progress(done: int) -> None:
            Job.objects.filter(pk=job.pk).update(done=done)

        with tempfile.TemporaryDirectory(prefix="opensales-export-") as tmp:
            path = os.path.join(tmp, f"export.{job.action}")
            count = write(
                job.action, path, rows(view, actor, params, ids, progress), view.verbose_name_plural()
            )
            name = file_name(view, job.action)
            with transaction.atomic():
                with open(path, "rb") as fh:
                    job.file.save(name, File(fh), save=False)
                audit_export(actor=actor, view=view, rows=count, fmt=job.action, query=query, job=job)
                _finish(
                    job,
                    state=Job.State.SUCCEEDED,
                    done=count,
                    file=job.file,
                    file_name=name,
                    result={"count": count},
                )
                notify_job(job)
    except BulkError as exc:
        _fail(job, exc.message)
    except Exception:
        logger.exception("export job %s failed", job.pk)
        _fail(job, _("Something went wrong on our side. Please try again."))


def download_response(user: Any, job_pk: int):
    """The finished export `job_pk` of `user` as a file download (audited); 404 for anyone else's job
    or a missing file, 403 when the user lost the export grant meanwhile. Used by the page and the API."""
    from django.http import FileResponse, Http404
    from django.shortcuts import get_object_or_404

    from opensales.audit.services import record as audit
    from opensales.core.scope import has_action
    from opensales.workspace.registry import get_view

    from .models import Job

    job = get_object_or_404(
        Job.objects.of(user).filter(kind=Job.Kind.EXPORT, state=Job.State.SUCCEEDED), pk=job_pk
    )
    if not job.file:
        raise Http404
    try:
        view = get_view(job.list_key)
    except LookupError:
        view = None
    if view is not None and not has_action(user, view.model, Action.EXPORT):
        raise PermissionDenied
    try:
        handle = job.file.open("rb")
    except OSError:
        raise Http404 from None
    audit(
        action="export.download",
        actor=user,
        object_type=view.label() if view is not None else job.list_key,
        object_id=job.pk,
        object_repr=job.file_name,
        changes={"job": job.pk, "rows": job.done, "format": job.action},
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.file_name,
        content_type=CONTENT_TYPES.get(job.action, "application/octet-stream"),
    )
