"""Employees' account actions: activation, password reset, roles, unmasking the mobile number, and the
"who can see what" page. The list, detail, create and edit pages are the generic workspace pages
(org/workspace.py).

Permissions (model org.employee unless noted; records via `visible_to(user, action)`, else 404):
list/detail view · create add · edit/activate/reset password change · unmask unmask ·
roles: "assign" on org.role AND the employee within the "change" scope · access: "view" on org.role
AND the employee within the "view" scope.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from opensales.core.actions import Action
from opensales.core.registry import all_entries
from opensales.core.scope import get_visible_or_404, grants_for, has_action

from .. import services
from ..forms import (
    EmployeeRolesForm,
    PasswordResetForm,
    apply_errors,
)
from ..models import Department, Employee, Role
from .common import guard_superuser, require_action


@require_POST
def employee_set_active(request, pk: int):
    user = request.user
    require_action(user, Employee, Action.CHANGE)
    employee = get_visible_or_404(Employee, user, pk, Action.CHANGE)
    guard_superuser(user, employee.user)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=user, user=employee.user, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, _("The account of %(name)s was activated.") % {"name": employee.user})
        else:
            messages.success(
                request,
                _("The account of %(name)s was deactivated; their sessions have ended.")
                % {"name": employee.user},
            )
    return redirect("org:employee_detail", pk=employee.pk)


@require_http_methods(["GET", "POST"])
def employee_reset_password(request, pk: int):
    user = request.user
    require_action(user, Employee, Action.CHANGE)
    employee = get_visible_or_404(Employee, user, pk, Action.CHANGE)
    guard_superuser(user, employee.user)
    form = PasswordResetForm(request.POST or None, user=employee.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_reset_password(
                actor=user, user=employee.user, new_password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The password of %(name)s was reset; their sessions have ended.") % {"name": employee.user},
            )
            return redirect("org:employee_detail", pk=employee.pk)
    return render(request, "org/employee_reset_password.html", {"form": form, "employee": employee})


@require_http_methods(["GET", "POST"])
def employee_roles(request, pk: int):
    user = request.user
    require_action(user, Role, Action.ASSIGN)
    require_action(user, Employee, Action.CHANGE)
    employee = get_visible_or_404(Employee, user, pk, Action.CHANGE)
    guard_superuser(user, employee.user)
    form = EmployeeRolesForm(request.POST or None, initial={"roles": list(employee.user.roles.all())})
    if request.method == "POST" and form.is_valid():
        services.user_set_roles(actor=user, user=employee.user, roles=list(form.cleaned_data["roles"]))
        messages.success(request, _("The roles of %(name)s were saved.") % {"name": employee.user})
        return redirect("org:employee_detail", pk=employee.pk)
    return render(request, "org/employee_roles.html", {"form": form, "employee": employee})


@require_POST
def employee_unmask(request, pk: int):
    """Reveal the mobile number in this response only; the reveal is recorded as "employee.unmask"."""
    user = request.user
    require_action(user, Employee, Action.UNMASK)
    employee = get_visible_or_404(Employee, user, pk, Action.UNMASK)
    mobile = services.employee_unmask(actor=user, employee=employee, field="mobile")
    from ..workspace import EmployeeDetailView, EmployeeView

    page = EmployeeDetailView(model_view=EmployeeView)
    page.setup(request, pk=pk)
    page.revealed_mobile = mobile
    response = page.get(request, pk)
    response["Cache-Control"] = "no-store"
    return response


# --- Who can see what ---------------------------------------------------------------------------


def _describe_reach(entry, reach, home) -> str:
    if reach is None:
        return "—"
    if entry.scope_free:
        return _("No record scope: the permission alone decides")
    if reach.all:
        return _("All records")
    if entry.parent_field:
        parent = entry.model._meta.get_field(entry.parent_field).related_model
        return _("Follows the visibility of %(parent)s") % {"parent": parent._meta.verbose_name}
    names = list(
        Department.objects.unscoped(reason="naming the departments a grant reaches")
        .filter(reach.describe_departments())
        .values_list("name", flat=True)
    )
    parts = []
    if entry.owner_field and reach.own:
        parts.append(_("own records"))
    elif reach.own and home is not None and home.name not in names:
        names.insert(0, home.name)
    if names:
        parts.append(_("departments: %(names)s") % {"names": "、".join(names)})
    return "; ".join(parts) if parts else "—"


def _count_visible(model, target) -> int:
    manager = model._default_manager
    if hasattr(manager, "visible_to"):
        return manager.visible_to(target, Action.VIEW).count()
    return manager.count() if has_action(target, model, Action.VIEW) else 0


@require_safe
def employee_access(request, pk: int):
    user = request.user
    require_action(user, Role, Action.VIEW)
    require_action(user, Employee, Action.VIEW)
    employee = get_visible_or_404(Employee, user, pk, Action.VIEW)
    target = employee.user
    grants = grants_for(target)
    rows = []
    for entry in all_entries():
        if target.is_superuser and target.is_active:
            actions = list(entry.actions)
            scope = _("All records (superuser)")
            others = []
        else:
            actions = [a for a in entry.actions if grants.reach(entry.label, a) is not None]
            view_reach = grants.reach(entry.label, Action.VIEW)
            scope = _describe_reach(entry, view_reach, grants.home_department)
            others = [
                {
                    "action": Action(a).label,
                    "scope": _describe_reach(entry, grants.reach(entry.label, a), grants.home_department),
                }
                for a in actions
                if a != Action.VIEW and grants.reach(entry.label, a) != view_reach
            ]
        rows.append(
            {
                "entry": entry,
                "actions": [Action(a).label for a in actions],
                "scope": scope,
                "other_scopes": others,
                "count": _count_visible(entry.model, target) if target.is_active else 0,
            }
        )
    return render(
        request,
        "org/employee_access.html",
        {"employee": employee, "person": target, "rows": rows, "roles": target.roles.all()},
    )
