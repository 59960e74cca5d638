"""Departments: the company tree, create, edit, move a subtree, delete.

Permissions: org.department view (list), add (create), change (edit, move), delete (delete). Records
come from `Department.objects.visible_to(user, action)`; a department outside the scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action

from .. import services
from ..forms import DepartmentForm, DepartmentMoveForm, apply_errors, tree_order
from ..models import Department, Employee
from .common import reaches_all, require_action, visible_users


def _ids(user, action: str) -> set[int]:
    if not has_action(user, Department, action):
        return set()
    return set(Department.objects.visible_to(user, action).values_list("pk", flat=True))


@require_safe
def department_list(request):
    user = request.user
    require_action(user, Department, Action.VIEW)
    departments = Department.objects.visible_to(user, Action.VIEW).select_related("head")
    # Count only the employees the user may see: a join through `employees` would count them all.
    counts = dict(
        Employee.objects.visible_to(user, Action.VIEW)
        .order_by()
        .values_list("department")
        .annotate(n=Count("pk"))
    )
    changeable, deletable = _ids(user, Action.CHANGE), _ids(user, Action.DELETE)
    rows = [
        {
            "department": dept,
            "level": level,
            "indent": range(level),
            "employee_count": counts.get(dept.pk, 0),
            "can_change": dept.pk in changeable,
            "can_delete": dept.pk in deletable,
        }
        for dept, level in tree_order(departments)
    ]
    return render(
        request,
        "org/department_list.html",
        {"rows": rows, "can_add": has_action(user, Department, Action.ADD)},
    )


@require_http_methods(["GET", "POST"])
def department_create(request):
    user = request.user
    require_action(user, Department, Action.ADD)
    parents = Department.objects.visible_to(user, Action.ADD)
    initial = {}
    if request.GET.get("parent"):
        initial["parent"] = (
            parents.filter(pk=request.GET["parent"]).first() if request.GET["parent"].isdigit() else None
        )
    form = DepartmentForm(
        request.POST or None,
        initial=initial,
        parents=parents,
        heads=visible_users(user),
        parent_required=not reaches_all(user, Department, Action.ADD),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dept = services.department_create(
                actor=user,
                name=data["name"],
                parent=data["parent"],
                code=data["code"],
                head=data["head"],
                sort_order=data["sort_order"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Department “%(name)s” was created.") % {"name": dept.name})
            return redirect("org:department_list")
    return render(request, "org/department_form.html", {"form": form, "department": None})


@require_http_methods(["GET", "POST"])
def department_edit(request, pk: int):
    user = request.user
    require_action(user, Department, Action.CHANGE)
    dept = get_visible_or_404(Department, user, pk, Action.CHANGE)
    form = DepartmentForm(
        request.POST or None,
        initial={
            "name": dept.name,
            "code": dept.code,
            "head": dept.head_id,
            "sort_order": dept.sort_order,
            "is_active": dept.is_active,
        },
        heads=visible_users(user, include=dept.head),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(actor=user, department=dept, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Department “%(name)s” was saved.") % {"name": dept.name})
            return redirect("org:department_list")
    return render(request, "org/department_form.html", {"form": form, "department": dept})


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
            return redirect("org:department_list")
    return render(request, "org/department_move.html", {"form": form, "department": dept})


@require_POST
def department_delete(request, pk: int):
    user = request.user
    require_action(user, Department, Action.DELETE)
    dept = get_visible_or_404(Department, user, pk, Action.DELETE)
    try:
        services.department_delete(actor=user, department=dept)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Department “%(name)s” was deleted.") % {"name": dept.name})
    return redirect("org:department_list")
