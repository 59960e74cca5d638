"""Users and employees: list, detail, create, edit (optimistic version), activation, password reset,
roles, unmasking the mobile number, and the "who can see what" page.

Permissions (model org.employee unless noted; records via `visible_to(user, action)`, else 404):
list/detail view · create add · edit/activate/reset password change · unmask unmask ·
roles: "assign" on org.role AND the employee within the "change" scope · access: "view" on org.role
AND the employee within the "view" scope.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from opensales.core.actions import Action
from opensales.core.history import history_rows
from opensales.core.registry import all_entries
from opensales.core.scope import can, get_visible_or_404, grants_for, has_action

from .. import services
from ..forms import (
    EmployeeCreateForm,
    EmployeeEditForm,
    EmployeeFilterForm,
    EmployeeRolesForm,
    PasswordResetForm,
    apply_errors,
)
from ..models import Department, Employee, Role
from .common import departments_in_reach, guard_superuser, reaches_all, require_action, visible_users

PAGE_SIZE = 25


def _employees(user, action: str = Action.VIEW):
    return Employee.objects.visible_to(user, action).select_related("user", "department", "manager")


@require_safe
def employee_list(request):
    user = request.user
    require_action(user, Employee, Action.VIEW)
    departments = Department.objects.visible_to(user, Action.VIEW)
    filters = EmployeeFilterForm(request.GET or None, departments=departments)
    qs = _employees(user).prefetch_related("user__roles")
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            term = data["q"].strip()
            qs = qs.filter(Q(user__username__icontains=term) | Q(user__full_name__icontains=term))
        if data["department"]:
            qs = qs.filter(department__path__startswith=data["department"].path)
        if data["status"]:
            qs = qs.filter(status=data["status"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "org/employee_list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "can_add": has_action(user, Employee, Action.ADD),
            "can_view_access": has_action(user, Role, Action.VIEW),
        },
    )


def _detail_context(request, employee, revealed_mobile: str | None = None) -> dict:
    user = request.user

    def allowed(model, action, record=None):
        if not has_action(user, model, action):
            return False
        return record is None or can(user, action, record)

    return {
        "employee": employee,
        "person": employee.user,
        "roles": employee.user.roles.all(),
        "revealed_mobile": revealed_mobile,
        "can_change": allowed(Employee, Action.CHANGE, employee),
        "can_unmask": allowed(Employee, Action.UNMASK, employee),
        "can_assign": allowed(Role, Action.ASSIGN) and allowed(Employee, Action.CHANGE, employee),
        "can_view_access": allowed(Role, Action.VIEW),
        "is_self": employee.user_id == user.pk,
        "history": history_rows(employee),
    }


@require_safe
def employee_detail(request, pk: int):
    require_action(request.user, Employee, Action.VIEW)
    employee = get_visible_or_404(Employee, request.user, pk, Action.VIEW)
    return render(request, "org/employee_detail.html", _detail_context(request, employee))


@require_http_methods(["GET", "POST"])
def employee_create(request):
    user = request.user
    require_action(user, Employee, Action.ADD)
    initial = {}
    if request.GET.get("department", "").isdigit():
        initial["department"] = int(request.GET["department"])
    form = EmployeeCreateForm(
        request.POST or None,
        initial=initial,
        departments=departments_in_reach(user, Employee, Action.ADD),
        managers=visible_users(user),
        department_required=not reaches_all(user, Employee, Action.ADD),
        may_assign_roles=has_action(user, Role, Action.ASSIGN),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employee = services.employee_create(
                actor=user,
                username=data["username"],
                full_name=data["full_name"],
                password=data["password"],
                email=data["email"],
                department=data["department"],
                manager=data["manager"],
                title=data["title"],
                mobile=data["mobile"],
                employee_no=data["employee_no"],
                hire_date=data["hire_date"],
                roles=list(data.get("roles") or []),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Employee “%(name)s” was created.") % {"name": employee.user})
            if can(user, Action.VIEW, employee):
                return redirect("org:employee_detail", pk=employee.pk)
            return redirect("org:employee_list")
    return render(request, "org/employee_form.html", {"form": form, "employee": None})


EDIT_FIELDS = ["department", "manager", "title", "employee_no", "hire_date"]


@require_http_methods(["GET", "POST"])
def employee_edit(request, pk: int):
    user = request.user
    require_action(user, Employee, Action.CHANGE)
    employee = get_visible_or_404(Employee, user, pk, Action.CHANGE)
    person = employee.user

    def make_form(data=None):
        return EmployeeEditForm(
            data,
            initial={
                "full_name": person.full_name,
                "email": person.email,
                "version": employee.version,
                **{name: getattr(employee, name) for name in EDIT_FIELDS},
            },
            departments=departments_in_reach(user, Employee, Action.CHANGE, include=employee.department),
            managers=visible_users(user, include=employee.manager).exclude(pk=person.pk),
            department_required=not reaches_all(user, Employee, Action.CHANGE),
            current_mobile=employee.mobile,
        )

    form = make_form(request.POST or None)
    status = 200
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in EDIT_FIELDS}
        if data["mobile"]:
            fields["mobile"] = data["mobile"]
        try:
            services.employee_update(
                actor=user,
                employee=employee,
                full_name=data["full_name"],
                email=data["email"],
                expected_version=data["version"],
                **fields,
            )
        except services.StaleEdit as exc:
            # Keep what the user typed; take the new version so that saving again overwrites on purpose.
            current = exc.current
            employee = current
            person = current.user
            post = request.POST.copy()
            post["version"] = str(current.version)
            form = make_form(post)
            form.is_valid()
            conflict = _conflicts(data, current)
            form.add_error(
                None,
                _(
                    "Someone else changed this employee while you were editing. Your input is kept below; "
                    "check the current values, then save again to overwrite them."
                ),
            )
            status = 409
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Employee “%(name)s” was saved.") % {"name": person})
            if can(user, Action.VIEW, employee):
                return redirect("org:employee_detail", pk=employee.pk)
            return redirect("org:employee_list")
    return render(
        request,
        "org/employee_form.html",
        {"form": form, "employee": employee, "conflict": conflict},
        status=status,
    )


def _conflicts(submitted: dict, current: Employee) -> list[dict]:
    """The fields whose saved value now differs from what the user submitted (mobile never shown)."""
    labels = EmployeeEditForm.base_fields
    saved = {"full_name": current.user.full_name, "email": current.user.email}
    saved.update({name: getattr(current, name) for name in EDIT_FIELDS})
    rows = []
    for name, value in saved.items():
        if (value or None) != (submitted.get(name) or None):
            rows.append({"label": labels[name].label, "value": value if value not in (None, "") else "—"})
    return rows


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
    response = render(request, "org/employee_detail.html", _detail_context(request, employee, mobile))
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
