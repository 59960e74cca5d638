"""Comment pages and htmx fragments. Every view first fetches the record through the scope (404 when
it is out of reach); POSTs are CSRF-protected, and answer the updated timeline partial to htmx
(`HX-Request`), or redirect to a safe `next` otherwise.

- add (POST `<label>/<pk>/`): VIEW on the record.
- edit (GET form, POST save `<comment_pk>/edit/`): the author, who can still view the record.
- delete (POST `<comment_pk>/delete/`): the author, or anyone who may delete the record.
- mention_suggest (GET `<label>/<pk>/mentions/?q=`): JSON, active users who can view the record.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opensales.core.actions import Action

from . import services
from .models import Comment
from .records import record_for, record_of, record_url
from .suggest import suggest_users
from .ui import safe_next, timeline_context


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _unreachable_notice(result: services.CommentResult) -> str:
    if not result.unreachable:
        return ""
    names = "、".join(u.get_full_name() for u in result.unreachable)
    return _("Not notified, because they cannot see this record: %(names)s.") % {"names": names}


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _partial(request, record, **extra: Any) -> HttpResponse:
    return render(request, "comments/_timeline.html", timeline_context(request, record, **extra))


def _back(request, record) -> HttpResponse:
    return redirect(safe_next(request, record_url(record)))


@require_POST
def add(request, label: str, pk: int):
    record = record_for(label, pk, request.user, Action.VIEW)
    body = request.POST.get("body", "")
    try:
        result = services.comment_add(actor=request.user, record=record, body=body)
    except ValidationError as exc:
        if _is_htmx(request):
            return _partial(request, record, errors=_errors(exc), body=body, next_url=safe_next(request))
        for message in _errors(exc):
            messages.error(request, message)
        return _back(request, record)
    notice = _unreachable_notice(result)
    if _is_htmx(request):
        return _partial(request, record, notice=notice, next_url=safe_next(request))
    messages.success(request, _("Your comment was posted."))
    if notice:
        messages.warning(request, notice)
    return _back(request, record)


def _comment_and_record(request, comment_pk: int) -> tuple[Comment, Any]:
    comment = get_object_or_404(Comment.objects.select_related("author"), pk=comment_pk)
    return comment, record_of(comment.content_type_id, comment.object_id, request.user, Action.VIEW)


@require_http_methods(["GET", "POST"])
def edit(request, comment_pk: int):
    comment, record = _comment_and_record(request, comment_pk)
    if comment.author_id != request.user.pk:
        raise PermissionDenied
    errors: list[str] = []
    body = comment.body
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            result = services.comment_edit(actor=request.user, comment=comment, record=record, body=body)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            notice = _unreachable_notice(result)
            if _is_htmx(request):
                return _partial(request, record, notice=notice, next_url=safe_next(request))
            messages.success(request, _("Your comment was saved."))
            if notice:
                messages.warning(request, notice)
            return _back(request, record)
    context = {
        "comment": comment,
        "record": record,
        "body": body,
        "errors": errors,
        "next": safe_next(request, record_url(record)),
        "record_url": record_url(record),
    }
    return render(request, "comments/comment_edit.html", context, status=422 if errors else 200)


@require_POST
def delete(request, comment_pk: int):
    comment, record = _comment_and_record(request, comment_pk)
    services.comment_delete(actor=request.user, comment=comment, record=record)
    if _is_htmx(request):
        return _partial(request, record, next_url=safe_next(request))
    messages.success(request, _("The comment was deleted."))
    return _back(request, record)


@require_GET
def mention_suggest(request, label: str, pk: int):
    record = record_for(label, pk, request.user, Action.VIEW)
    users = suggest_users(record, request.GET.get("q", ""), exclude=request.user)
    return JsonResponse(
        {"items": [{"id": u.pk, "username": u.username, "name": u.get_full_name()} for u in users]},
        json_dumps_params={"ensure_ascii": False},
    )
