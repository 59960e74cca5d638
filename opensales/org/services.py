"""Every write to the organization goes through here: validated, atomic, audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from opensales.audit.services import diff, masked_changes, record
from opensales.core.actions import DataScope
from opensales.core.history import stamp
from opensales.core.registry import get_entry
from opensales.core.scope import forget_grants, system_access
from opensales.core.versioning import StaleEdit  # noqa: F401  (re-exported)

from .choices import EmployeeStatus
from .models import Department, Employee, Role, RoleGrant

User = get_user_model()
SENSITIVE = {"mobile": "phone"}


def _snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = (
            value.pk if hasattr(value, "pk") else (value.isoformat() if isinstance(value, date) else value)
        )
    return out


# --- Departments --------------------------------------------------------------------------------


def _place(dept: Department) -> None:
    parent = dept.parent
    dept.depth = parent.depth + 1 if parent else 0
    dept.path = f"{parent.path if parent else '/'}{dept.pk}/"


@transaction.atomic
def department_create(
    *,
    actor: Any,
    name: str,
    parent: Department | None = None,
    code: str = "",
    head: Any = None,
    sort_order: int = 0,
) -> Department:
    dept = Department(name=name.strip(), parent=parent, code=code.strip(), head=head, sort_order=sort_order)
    dept.full_clean(exclude=["path"])
    stamp(dept, actor)
    dept.save()
    _place(dept)
    dept.save(update_fields=["path", "depth"])
    record(
        action="department.create",
        actor=actor,
        obj=dept,
        changes={"name": dept.name, "parent": parent.pk if parent else None},
    )
    return dept


@transaction.atomic
def department_update(*, actor: Any, department: Department, **fields: Any) -> Department:
    allowed = {"name", "code", "head", "sort_order", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"department_update cannot change {sorted(unknown)}")
    before = _snapshot(department, list(fields))
    for name, value in fields.items():
        setattr(department, name, value.strip() if isinstance(value, str) else value)
    department.full_clean(exclude=["path"])
    department.version = F("version") + 1
    stamp(department, actor)
    department.save()
    department.refresh_from_db()
    record(
        action="department.update",
        actor=actor,
        obj=department,
        changes=diff(before, _snapshot(department, list(fields))),
    )
    return department


@transaction.atomic
def department_move(*, actor: Any, department: Department, new_parent: Department | None) -> Department:
    """Move a department with its whole subtree under another parent (or to the top)."""
    department = Department.objects.unscoped(reason="move").select_for_update().get(pk=department.pk)
    if new_parent is not None:
        new_parent = Department.objects.unscoped(reason="move").get(pk=new_parent.pk)
        if new_parent.pk == department.pk or new_parent.path.startswith(department.path):
            raise ValidationError(
                {"parent": _("A department cannot be moved under itself or its own sub-department.")}
            )
    old_parent_id = department.parent_id
    old_path, old_depth = department.path, department.depth
    department.parent = new_parent
    department.full_clean(exclude=["path"])
    _place(department)
    new_path, depth_delta = department.path, department.depth - old_depth
    stamp(department, actor)
    department.save(update_fields=["parent", "path", "depth", "updated_at"])
    Department.objects.unscoped(reason="re-root a moved subtree").with_deleted().filter(
        path__startswith=old_path
    ).exclude(pk=department.pk).update(
        path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
        depth=F("depth") + depth_delta,
    )
    record(
        action="department.move",
        actor=actor,
        obj=department,
        changes={"parent": [old_parent_id, new_parent.pk if new_parent else None]},
    )
    return department


@transaction.atomic
def department_delete(*, actor: Any, department: Department) -> None:
    """Move the department to the recycle bin (restorable for OPENSALES_RECYCLE_BIN_DAYS days).
    Sub-departments and employees already in the recycle bin do not count."""
    from opensales.recyclebin.services import soft_delete

    if department.children.unscoped(reason="department delete check").exists():
        raise ValidationError(_("Move or delete the sub-departments first."))
    if department.employees.unscoped(reason="department delete check").exists():
        raise ValidationError(_("Move the employees of this department first."))
    soft_delete(actor=actor, obj=department, audit_action="department.delete")


# --- Users and employees ------------------------------------------------------------------------

EMPLOYEE_FIELDS = ["department", "manager", "employee_no", "title", "mobile", "status", "hire_date"]


@transaction.atomic
def employee_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    password: str | None = None,
    email: str = "",
    department: Department | None = None,
    manager: Any = None,
    title: str = "",
    mobile: str = "",
    employee_no: str = "",
    hire_date: date | None = None,
    roles: list[Role] | None = None,
) -> Employee:
    user = User(username=username.strip(), full_name=full_name.strip(), email=email.strip())
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    employee = Employee(
        user=user,
        department=department,
        manager=manager,
        title=title.strip(),
        mobile=mobile.strip(),
        employee_no=employee_no.strip(),
        hire_date=hire_date,
    )
    employee.full_clean()
    stamp(employee, actor)
    employee.save()
    if roles:
        user.roles.set(roles)
    record(
        action="employee.create",
        actor=actor,
        obj=employee,
        changes=masked_changes(
            {
                "username": user.username,
                **_snapshot(employee, EMPLOYEE_FIELDS),
                "roles": sorted(r.code for r in roles or []),
            },
            SENSITIVE,
        ),
    )
    return employee


@transaction.atomic
def employee_update(
    *,
    actor: Any,
    employee: Employee,
    full_name: str | None = None,
    email: str | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> Employee:
    unknown = set(fields) - set(EMPLOYEE_FIELDS)
    if unknown:
        raise ValueError(f"employee_update cannot change {sorted(unknown)}")
    employee = Employee.objects.unscoped(reason="update").select_for_update().get(pk=employee.pk)
    if expected_version is not None and employee.version != expected_version:
        raise StaleEdit(employee)
    before = _snapshot(employee, list(fields))
    user = employee.user
    user_before = {"full_name": user.full_name, "email": user.email}
    for name, value in fields.items():
        setattr(employee, name, value.strip() if isinstance(value, str) else value)
    if full_name is not None:
        user.full_name = full_name.strip()
    if email is not None:
        user.email = email.strip()
    user.full_clean(exclude=["password"])
    employee.full_clean()
    user.save(update_fields=["full_name", "email"])
    employee.version = F("version") + 1
    stamp(employee, actor)
    employee.save()
    employee.refresh_from_db()
    changes = diff(before, _snapshot(employee, list(fields)))
    changes.update(diff(user_before, {"full_name": user.full_name, "email": user.email}))
    record(action="employee.update", actor=actor, obj=employee, changes=masked_changes(changes, SENSITIVE))
    return employee


def employee_unmask(*, actor: Any, employee: Employee, field: str = "mobile") -> str:
    """Reveal one sensitive field in clear; every reveal is an audited action ("employee.unmask")."""
    if field not in SENSITIVE:
        raise ValueError(f"{field} is not a sensitive field of employees")
    record(action="employee.unmask", actor=actor, obj=employee, changes={"field": field})
    return getattr(employee, field) or ""


@transaction.atomic
def user_set_active(*, actor: Any, user: Any, active: bool) -> None:
    """Deactivating ends every session of the user at once (the session hash includes is_active)."""
    if user.pk == getattr(actor, "pk", None) and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    user.is_active = active
    user.rotate_security_stamp()
    user.save(update_fields=["is_active", "security_stamp"])
    Employee.objects.unscoped(reason="status follows the account").filter(user=user).update(
        status=EmployeeStatus.ACTIVE if active else EmployeeStatus.LEFT
    )
    record(action="user.activate" if active else "user.deactivate", actor=actor, obj=user)


@transaction.atomic
def user_reset_password(*, actor: Any, user: Any, new_password: str) -> None:
    validate_password(new_password, user)
    user.set_password(new_password)
    user.rotate_security_stamp()
    user.save(update_fields=["password", "security_stamp"])
    record(action="user.reset_password", actor=actor, obj=user)


@transaction.atomic
def user_set_roles(*, actor: Any, user: Any, roles: list[Role]) -> None:
    before = sorted(user.roles.values_list("code", flat=True))
    user.roles.set(roles)
    forget_grants(user)
    record(
        action="user.set_roles",
        actor=actor,
        obj=user,
        changes={"roles": [before, sorted(r.code for r in roles)]},
    )


# --- Roles --------------------------------------------------------------------------------------


@transaction.atomic
def role_save(
    *,
    actor: Any,
    role: Role | None = None,
    code: str,
    name_zh: str,
    name_en: str,
    description: str = "",
    requires_2fa: bool = False,
    is_active: bool = True,
    grants: dict[str, tuple[list[str], str, list[Department]]] | None = None,
) -> Role:
    """Create or update a role and, when given, replace its grants (model label -> actions, scope, departments)."""
    creating = role is None
    role = role or Role()
    before = {
        "name_zh": role.name_zh,
        "name_en": role.name_en,
        "requires_2fa": role.requires_2fa,
        "is_active": role.is_active,
    }
    if role.is_builtin and code != role.code:
        raise ValidationError({"code": _("The code of a built-in role cannot change.")})
    role.code, role.name_zh, role.name_en = code.strip(), name_zh.strip(), name_en.strip()
    role.description, role.requires_2fa, role.is_active = description, requires_2fa, is_active
    role.full_clean()
    stamp(role, actor)
    role.save()
    changes: dict[str, Any] = diff(
        before,
        {
            "name_zh": role.name_zh,
            "name_en": role.name_en,
            "requires_2fa": role.requires_2fa,
            "is_active": role.is_active,
        },
    )
    if grants is not None:
        old = {g.model_label: (sorted(g.actions), g.scope) for g in role.grants.all()}
        new = {}
        role.grants.all().delete()
        for label, (actions, scope, departments) in grants.items():
            entry = get_entry(label)
            clean_actions = [a for a in entry.actions if a in set(actions)]
            if not clean_actions:
                continue
            if scope not in DataScope.values:
                raise ValidationError(_("Unknown data scope: %(scope)s") % {"scope": scope})
            if scope == DataScope.CUSTOM and not departments:
                raise ValidationError(
                    _("Choose at least one department for %(model)s.") % {"model": entry.verbose_name}
                )
            grant = RoleGrant.objects.create(role=role, model_label=label, actions=clean_actions, scope=scope)
            if scope == DataScope.CUSTOM:
                with system_access("linking a grant's departments"):
                    grant.departments.set(departments)
            new[label] = (sorted(clean_actions), scope)
        changes["grants"] = {
            k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)
        }
    record(action="role.create" if creating else "role.update", actor=actor, obj=role, changes=changes)
    return role


@transaction.atomic
def role_delete(*, actor: Any, role: Role) -> None:
    if role.is_builtin:
        raise ValidationError(_("Built-in roles cannot be deleted; deactivate them instead."))
    record(
        action="role.delete",
        actor=actor,
        obj=role,
        changes={"users": list(role.users.values_list("username", flat=True))},
    )
    role.delete()
