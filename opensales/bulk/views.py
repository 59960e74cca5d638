"""Pages of bulk actions and exports (namespace "bulk"; every signed-in user, for their own jobs).

run (POST <key>/: a bulk action from a list's toolbar) · export (GET <key>/export/?format=xlsx|csv&<list
query>) · job (GET jobs/<id>/: the progress page, its bar polled by htmx) · job_list (GET jobs/) ·
download (GET jobs/<id>/download/). Another user's job answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from opensales.workspace.registry import get_view

from . import exports
from .models import Job
from .services import BulkError, _list_url, action_label, run_bulk

PAGE_SIZE = 20


def _view(key: str) -> Any:
    try:
        return get_view(key)
    except LookupError:
        raise Http404 from None


def _clean_query(raw: str) -> str:
    """The list's query string, normalised (never a URL of its own), without paging parameters."""
    return exports.export_query(QueryDict(raw or ""))


def list_url(view: Any, query: str = "") -> str:
    base = _list_url(view) if view is not None else ""
    if not base:
        return reverse("bulk:job_list")
    return f"{base}?{query}" if query else base


def _error_text(exc: BulkError) -> str:
    details = [m for errors in exc.fields.values() for m in errors]
    return " ".join([exc.message, *details]) if details else exc.message


@require_POST
def run(request, key: str):
    view = _view(key)
    action_key = request.POST.get("action", "")
    all_rows = request.POST.get("all") == "1"
    query = _clean_query(request.POST.get("query", ""))
    back = list_url(view, query)
    try:
        outcome = run_bulk(
            actor=request.user,
            view=view,
            action_key=action_key,
            ids=None if all_rows else request.POST.getlist("ids"),
            query=query if all_rows else None,
            params=request.POST,
            prefix=action_key or None,
        )
    except BulkError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    if isinstance(outcome, Job):
        messages.info(
            request,
            _("%(n)s rows are being changed in the background. We will notify you when it is done.")
            % {"n": outcome.total},
        )
        return redirect("bulk:job", outcome.pk)
    messages.success(request, outcome.message)
    return redirect(back)


@never_cache
@require_safe
def export(request, key: str):
    view = _view(key)
    fmt = (request.GET.get("format") or "xlsx").lower()
    try:
        outcome = exports.start_export(actor=request.user, view=view, params=request.GET, fmt=fmt)
    except BulkError as exc:
        return HttpResponseBadRequest(_error_text(exc))
    if isinstance(outcome, Job):
        messages.info(
            request,
            _(
                "The export has %(n)s rows: it is being prepared in the background. We will notify you when it is ready."
            )
            % {"n": outcome.total},
        )
        return redirect("bulk:job", outcome.pk)
    response = HttpResponse(outcome.content, content_type=outcome.content_type)
    response["Content-Disposition"] = content_disposition_header(True, outcome.name)
    return response


def _describe(job: Job) -> dict[str, Any]:
    try:
        view = get_view(job.list_key)
    except LookupError:
        view = None
    query = (job.params or {}).get("query", "")
    return {
        "job": job,
        "list_name": view.verbose_name_plural() if view is not None else job.list_key,
        "list_url": list_url(view, query) if view is not None else "",
        "action_label": action_label(job),
        "message": (job.result or {}).get("message", ""),
    }


@never_cache
@require_safe
def job_detail(request, pk: int):
    job = get_object_or_404(Job.objects.of(request.user), pk=pk)
    context = _describe(job)
    if request.GET.get("fragment") == "progress":
        # The poller's request: the bar alone, rendered without the page's context processors.
        template = get_template("bulk/job_detail.html#progress")
        return HttpResponse(template.render({**context, "request": request, "user": request.user}))
    return render(request, "bulk/job_detail.html", context)


@require_safe
def job_list(request):
    page = Paginator(Job.objects.of(request.user).order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [_describe(job) for job in page]
    return render(request, "bulk/job_list.html", {"page": page, "rows": rows})


@never_cache
@require_safe
def download(request, pk: int):
    return exports.download_response(request.user, pk)
