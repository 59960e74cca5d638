"""The import pages: upload → sheet (a workbook with several) → column mapping → preview → run → job.

Every step needs the import action on the model (403 otherwise); a job is its owner's only (anyone
else gets 404, as for a job that does not exist).
"""

from __future__ import annotations

import io
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import engine, services
from .forms import MappingForm, SheetForm, UploadForm
from .models import ImportJob
from .reading import ReadError
from .registry import Importer, all_importers, importer_for

SAMPLES = 3


def _importer(request, key: str) -> type[Importer]:
    importer = importer_for(key) if key else None
    if importer is None or importer.key != key:
        raise Http404
    if not importer.allowed(request.user):
        raise PermissionDenied
    return importer


def _job(request, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob, pk=pk, user=request.user)


def _draft(request, pk: int) -> tuple[ImportJob, type[Importer]]:
    job = _job(request, pk)
    importer = importer_for(job.importer)
    if importer is None:
        raise Http404
    if not importer.allowed(request.user):
        raise PermissionDenied
    return job, importer


def _step_url(job: ImportJob) -> str:
    """Where a job continues: its next wizard step while a draft, else its own page."""
    if job.state != ImportJob.State.DRAFT:
        return reverse("imports:job", args=[job.pk])
    if job.sheets and not job.sheet:
        return reverse("imports:sheet", args=[job.pk])
    if job.check_state:
        return reverse("imports:preview", args=[job.pk])
    return reverse("imports:mapping", args=[job.pk])


@require_GET
def history(request):
    jobs = ImportJob.objects.filter(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    importers = {i.key: i for i in all_importers()}
    for job in page:
        job.importer_name = (
            importers[job.importer].verbose_name() if job.importer in importers else job.importer
        )
        job.url = _step_url(job)
    available = [i for i in all_importers() if i.allowed(request.user)]
    return render(request, "imports/history.html", {"page": page, "available": available})


@require_http_methods(["GET", "POST"])
def start(request, key: str):
    importer = _importer(request, key)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.job_create(
                user=request.user,
                importer=importer,
                upload=form.cleaned_data["file"],
                mode=form.cleaned_data["mode"],
            )
        except ReadError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(_step_url(job))
    return render(request, "imports/start.html", {"importer": importer, "form": form, "step": 1})


@require_GET
def template(request, key: str):
    importer = _importer(request, key)
    data = build_template(importer)
    name = f"{importer.key}-template.xlsx"
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
def sheet(request, pk: int):
    job, importer = _draft(request, pk)
    if job.state != ImportJob.State.DRAFT or not job.sheets:
        return redirect(_step_url(job))
    form = SheetForm(request.POST or None, sheets=job.sheets, initial={"sheet": job.sheet or job.sheets[0]})
    if request.method == "POST" and form.is_valid():
        try:
            services.job_choose_sheet(job=job, sheet=form.cleaned_data["sheet"])
        except ReadError as exc:
            form.add_error("sheet", str(exc))
        else:
            return redirect("imports:mapping", job.pk)
    return render(request, "imports/sheet.html", {"job": job, "importer": importer, "form": form, "step": 2})


def _samples(job: ImportJob) -> dict[str, list[str]]:
    try:
        table = engine.load_table(job)
    except (ReadError, OSError):
        return {}
    out: dict[str, list[str]] = {h: [] for h in table.headers}
    for _line, cells in table.rows[:200]:
        for header, value in zip(table.headers, cells, strict=False):
            if value and len(out[header]) < SAMPLES:
                out[header].append(value)
    return out


@require_http_methods(["GET", "POST"])
def mapping(request, pk: int):
    job, importer = _draft(request, pk)
    if job.state != ImportJob.State.DRAFT or (job.sheets and not job.sheet):
        return redirect(_step_url(job))
    form = MappingForm(request.POST or None, job=job, importer=importer)
    if request.method == "POST" and form.is_valid():
        try:
            services.job_set_mapping(job=job, mapping=form.mapping(), mode=form.cleaned_data["mode"])
        except engine.MappingError as exc:
            for where, problems in exc.problems.items():
                field = form.field_for_header(where)
                for problem in problems:
                    form.add_error(field, problem)
        else:
            services.job_check(job=job)
            return redirect("imports:preview", job.pk)
    samples = _samples(job)
    rows = [(form[name], header, samples.get(header, [])) for name, header in form.header_fields()]
    return render(
        request,
        "imports/mapping.html",
        {"job": job, "importer": importer, "form": form, "rows": rows, "step": 3},
    )


@require_GET
def preview(request, pk: int):
    job, importer = _draft(request, pk)
    if job.state != ImportJob.State.DRAFT or not job.check_state:
        return redirect(_step_url(job))
    fields = importer.field_map()
    columns = [fields[f.name].label for f in importer.fields if f.name in job.mapping.values()]
    return render(
        request,
        "imports/preview.html",
        {
            "job": job,
            "importer": importer,
            "columns": columns,
            "checking": job.check_state == ImportJob.Check.CHECKING,
            "can_run": job.check_state == ImportJob.Check.READY and not job.error_count and not job.failure,
            "percent": services.percent(job),
            "step": 4,
        },
    )


@require_POST
def run(request, pk: int):
    job, _importer = _draft(request, pk)
    if job.state != ImportJob.State.DRAFT:
        return redirect(_step_url(job))
    if job.check_state != ImportJob.Check.READY or job.error_count or job.failure:
        messages.error(request, _("Correct the errors in the file first, then upload it again."))
        return redirect(_step_url(job))
    try:
        services.job_start(job=job)
    except engine.MappingError:
        return redirect("imports:mapping", job.pk)
    return redirect("imports:job", job.pk)


@require_GET
def job(request, pk: int):
    job = _job(request, pk)
    if job.state == ImportJob.State.DRAFT:
        return redirect(_step_url(job))
    importer = importer_for(job.importer)
    return render(
        request,
        "imports/job.html",
        {
            "job": job,
            "importer": importer,
            "percent": services.percent(job),
            "written": services.written(job),
        },
    )


@require_GET
def job_progress(request, pk: int):
    """The progress bar, polled by htmx every second; once done, sends the browser to the full page."""
    job = _job(request, pk)
    checking = job.state == ImportJob.State.DRAFT
    done = job.check_state == ImportJob.Check.READY if checking else job.finished
    response = render(
        request,
        "imports/_progress.html",
        {"job": job, "percent": services.percent(job), "written": services.written(job), "done": done},
    )
    if done and request.headers.get("HX-Request"):
        response["HX-Redirect"] = _step_url(job)
    return response


@require_GET
def error_report(request, pk: int, fmt: str):
    job = _job(request, pk)
    if fmt not in ("xlsx", "csv") or not job.errors_file:
        raise Http404
    try:
        table = engine.load_table(job)
    except (ReadError, OSError):
        raise Http404 from None
    errors = engine.load_errors(job)
    stem = PurePath(job.filename).stem or "import"
    if fmt == "xlsx":
        data = engine.report_xlsx(table, errors)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = engine.report_csv(table, errors)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = _attachment(f"{stem}-errors.{fmt}")
    return response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode() or "report"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


# --- The template workbook ---------------------------------------------------------------------------


def build_template(importer: type[Importer]) -> bytes:
    """Sheet 1: the header row (labels in the user's language, required ones marked *), text-formatted
    columns; sheet 2: what each column takes and the allowed values of choice columns."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    head = book.add_format({"bold": True, "bg_color": "#e8f0fe", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#fde8e8", "border": 1})
    as_text = book.add_format({"num_format": "@"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    data = book.add_worksheet(_("Data"))
    notes = book.add_worksheet(_("Instructions"))
    for col, f in enumerate(importer.fields):
        label = str(f.label) + ("*" if f.required else "")
        data.write_string(0, col, label, required if f.required else head)
        data.set_column(col, col, max(14, len(label.encode()) + 2), as_text)
        if f.choices:
            values = [str(lbl) for _v, lbl in f.choices()]
            data.data_validation(1, col, 10000, col, {"validate": "list", "source": values})
    data.freeze_panes(1, 0)
    notes.write_row(0, 0, [_("Column"), _("Required"), _("Description"), _("Allowed values")], head)
    for row, f in enumerate(importer.fields, start=1):
        allowed = "、".join(str(lbl) for _v, lbl in f.choices()) if f.choices else ""
        is_key = f.name in importer.key_fields
        description = str(f.help or "")
        if is_key:
            description = (
                description + " " + _("Update and create-or-update find records by this column.")
            ).strip()
        notes.write_row(row, 0, [str(f.label), _("Yes") if f.required else "", description, allowed], wrap)
    notes.write_string(
        len(importer.fields) + 2,
        0,
        _("Headers may be in Chinese or English; a * marks a required column. Dates: 2024-03-01."),
    )
    notes.set_column(0, 0, 18)
    notes.set_column(1, 1, 8)
    notes.set_column(2, 2, 60, wrap)
    notes.set_column(3, 3, 24, wrap)
    book.close()
    return buffer.getvalue()
