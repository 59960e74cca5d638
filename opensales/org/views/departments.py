"""Departments: moving a subtree. The tree (list), detail, create, edit and delete are the generic
workspace pages (org/workspace.py).

Permissions: org.department view (list), add (create), change (edit, move), delete (delete). Records
come from `Department.objects.visible_to(user, action)`; a department outside the scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404

from .. import services
from ..forms import DepartmentMoveForm, apply_errors
from ..models import Department
from .common import reaches_all, require_action


@require_http_methods(["GET", "POST"])
def department_move(request, pk: int):
    user = request.user
    require_action(user, Department, Action.CHANGE)
    dept = get_visible_or_404(Department, user, pk, Action.CHANGE)
    form = DepartmentMoveForm(
        request.POST or None,
        initial={"parent": dept.parent_id},
        parents=Department.objects.visible_to(user, Action.CHANGE).exclude(pk=dept.pk),
        allow_top=reaches_all(user, Department, Action.CHANGE),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.department_move(actor=user, department=dept, new_parent=form.cleaned_data["parent"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Department “%(name)s” was moved.") % {"name": dept.name})
            return redirect("org:department_detail", pk=dept.pk)
    return render(request, "org/department_move.html", {"form": form, "department": dept})
