"""Saved-view actions and the record pickers behind Tom Select (JSON, scoped like everything else)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from opensales.core.actions import Action
from opensales.core.scope import has_action

from . import saved_views
from .models import SavedView, Tag
from .registry import get_view

PICKER_LIMIT = 20


def _model_view(key: str, user: Any):
    try:
        mv = get_view(key)
    except LookupError:
        raise Http404 from None
    if not has_action(user, mv.model, Action.VIEW):
        raise PermissionDenied
    return mv


def _list_query(request: HttpRequest) -> QueryDict:
    return QueryDict(request.POST.get("query", ""), mutable=True)


@require_POST
def view_save(request: HttpRequest, key: str) -> HttpResponse:
    mv = _model_view(key, request.user)
    params = _list_query(request)
    existing = None
    if request.POST.get("overwrite", "").isdigit():
        existing = get_object_or_404(
            SavedView, pk=int(request.POST["overwrite"]), owner=request.user, list_key=key
        )
    try:
        view = saved_views.save_view(
            actor=request.user,
            list_key=key,
            name=request.POST.get("name", existing.name if existing else ""),
            params=params,
            shared=request.POST.get("shared") == "on",
            make_default=request.POST.get("default") == "on",
            view=existing,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        query = params.urlencode()
        return redirect(f"{mv.list_url()}?{query}" if query else mv.list_url())
    messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
    return redirect(saved_views.url_of(mv, view))


@require_POST
def view_delete(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    mv = _model_view(key, request.user)
    view = get_object_or_404(SavedView, pk=pk, owner=request.user, list_key=key)
    saved_views.delete_view(actor=request.user, view=view)
    messages.success(request, _("The view “%(name)s” was deleted.") % {"name": view.name})
    return redirect(f"{mv.list_url()}?{view.query}" if view.query else mv.list_url())


@require_POST
def view_default(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    mv = _model_view(key, request.user)
    view = saved_views.available(request.user, key).filter(pk=pk).first()
    if view is None:
        raise Http404
    clear = request.POST.get("clear") == "1"
    saved_views.set_default(actor=request.user, list_key=key, view=None if clear else view)
    if clear:
        messages.success(request, _("The list no longer opens with a saved view."))
    else:
        messages.success(request, _("The list now opens with “%(name)s”.") % {"name": view.name})
    return redirect(saved_views.url_of(mv, view))


def _options(rows) -> JsonResponse:
    return JsonResponse({"results": [{"value": str(pk), "text": text} for pk, text in rows]})


@require_safe
def picker(request: HttpRequest, key: str) -> JsonResponse:
    """Records of a workspace model the user may see, matching `q` (name, pinyin, initials…)."""
    mv = _model_view(key, request.user)
    qs = mv.picker_queryset(request.user, request.GET)
    term = request.GET.get("q", "").strip()
    if term:
        from opensales.search.selectors import matching_ids

        ids = matching_ids(request.user, mv.model, term)
        qs = qs.filter(pk__in=ids) if ids is not None else mv.picker_search(qs, term)
    return _options((r.pk, str(r)) for r in qs[:PICKER_LIMIT])


@require_safe
def user_picker(request: HttpRequest) -> JsonResponse:
    """Active users whose employee record the user may see (owners, collaborators, managers)."""
    from opensales.org.models import Employee

    if not has_action(request.user, Employee, Action.VIEW):
        return _options([(request.user.pk, request.user.get_full_name() or request.user.username)])
    employees = Employee.objects.visible_to(request.user, Action.VIEW).filter(user__is_active=True)
    term = request.GET.get("q", "").strip()
    if term:
        from opensales.search.selectors import matching_ids

        ids = matching_ids(request.user, Employee, term)
        employees = (
            employees.filter(pk__in=ids)
            if ids is not None
            else employees.filter(Q(user__username__icontains=term) | Q(user__full_name__icontains=term))
        )
    department = request.GET.get("department", "")
    if department.isdigit():
        from opensales.org.models import Department

        home = Department.objects.visible_to(request.user, Action.VIEW).filter(pk=int(department)).first()
        if home is not None:
            employees = employees.filter(department__path__startswith=home.path)
    users = get_user_model().objects.filter(employee__in=employees).order_by("username")[:PICKER_LIMIT]
    return _options((u.pk, f"{u.get_full_name() or u.username} ({u.username})") for u in users)


@require_safe
def tag_picker(request: HttpRequest) -> JsonResponse:
    term = request.GET.get("q", "").strip()
    tags = Tag.objects.all()
    if term:
        tags = tags.filter(name__icontains=term)
    return _options((t.name, t.name) for t in tags[:PICKER_LIMIT])
