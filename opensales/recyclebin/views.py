"""The recycle bin page (回收站) and its two actions.

Routes (namespace "recyclebin"): list (GET) · restore, purge (POST, `<label>/<pk>/`). The page lists
the records the user may restore, across every model with a recycle bin, most recently deleted first,
filterable by type. 403 for a user whose roles grant delete on no such model (or on the model named
in the URL); 404 for an unknown type or a record outside the user's delete scope.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from opensales.core.actions import Action
from opensales.core.scope import has_action

from . import selectors, services

PAGE_SIZE = 50


@require_safe
def recycle_bin(request):
    user = request.user
    entries = selectors.entries_for(user)
    if not entries:
        raise PermissionDenied
    chosen = next((e for e in entries if e.label == request.GET.get("type")), None)
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    count, items = selectors.page(user, [chosen] if chosen else entries, (number - 1) * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, math.ceil(count / PAGE_SIZE))
    query = f"type={chosen.label}" if chosen else ""
    return render(
        request,
        "recyclebin/list.html",
        {
            "types": [{"label": e.label, "name": e.model._meta.verbose_name_plural} for e in entries],
            "chosen": chosen,
            "items": items,
            "count": count,
            "number": number,
            "pages": pages,
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < pages else None,
            "query": query,
            "days": selectors.retention_days(),
        },
    )


def _find(request, label: str, pk: int) -> Any:
    entry = selectors.bin_entry(label)
    if entry is None:
        raise Http404
    if not has_action(request.user, entry.model, Action.DELETE):
        raise PermissionDenied
    obj = selectors.restorable_by(request.user, entry.model).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _back(request):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("recyclebin:list")


@require_POST
def restore(request, label: str, pk: int):
    obj = _find(request, label, pk)
    try:
        services.restore(actor=request.user, obj=obj)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("“%(name)s” was restored.") % {"name": obj})
    return _back(request)


@require_POST
def purge(request, label: str, pk: int):
    obj = _find(request, label, pk)
    name = str(obj)
    try:
        services.purge(actor=request.user, obj=obj)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("“%(name)s” was deleted permanently.") % {"name": name})
    return _back(request)
