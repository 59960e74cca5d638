"""The organization over the API: departments, users (employees with their accounts) and roles.

The same rules as the pages in views/, with the same helpers: `require_action` answers 403 when no role
grants the action on the model at all; records come from `visible_to(user, action)` and anything
outside answers 404 (and is audited, through `get_visible_or_404`); choices (parent department, head,
manager, roles, chosen departments) are narrowed exactly as the forms narrow them, and an id outside
them is a 422 "Select a valid choice". Every write goes through `opensales.org.services`.

Users are addressed by their user id (the id that `manager` and `head` refer to).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from opensales.api.errors import ErrorOut, conflict, duplicate, invalid, invalid_choice, required
from opensales.api.pagination import PageParams, page_of, paginate
from opensales.core.actions import Action, DataScope
from opensales.core.masking import mask_value
from opensales.core.registry import get_entry
from opensales.core.scope import get_visible_or_404, has_action

from . import services
from .models import Department, Employee, Role, RoleGrant
from .views.common import departments_in_reach, guard_superuser, reaches_all, require_action, visible_users

User = get_user_model()
router = Router()

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut}


# --- Shared shapes --------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    username: str
    full_name: str


class RoleRef(Schema):
    id: int
    code: str
    name: str


def user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "full_name": user.get_full_name()}


def _pick(queryset, pk: int | None, field: str, *, required_: bool = False):
    """The object with `pk` among the allowed `queryset`, None for None (unless required), else 422."""
    if pk is None:
        if required_:
            raise required(field)
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise invalid_choice(field)
    return found


def _visible(queryset, model, user: Any, pk: int, action: str):
    """One query on success; a miss goes through `get_visible_or_404` (404, and the audit of a record
    that exists but is out of scope)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        get_visible_or_404(model, user, pk, action)
        raise Http404  # pragma: no cover - get_visible_or_404 raises (kept for a concurrent insert)
    return found


# --- Departments ----------------------------------------------------------------------------------


class DepartmentOut(Schema):
    id: int
    name: str
    code: str
    parent: int | None = Field(..., description="Id of the parent department; null at the top.")
    path: str = Field(..., description="Materialized path of ids, e.g. /1/4/9/.")
    depth: int
    head: UserRef | None
    sort_order: int
    is_active: bool
    version: int


class DepartmentIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    code: str = Field("", max_length=32)
    parent: int | None = Field(None, description="Required unless your grant reaches all departments.")
    head: int | None = Field(None, description="User id.")
    sort_order: int = 0


class DepartmentPatchIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    code: str | None = Field(None, max_length=32)
    head: int | None = Field(None, description="User id; null removes the head.")
    sort_order: int | None = None
    is_active: bool | None = None
    version: int | None = Field(None, description="When given, a stale version answers 409.")


class DepartmentMoveIn(Schema):
    parent: int | None = Field(
        ..., description="The new parent; null moves to the top (needs a grant on all)."
    )


def department_out(dept: Department) -> dict[str, Any]:
    return {
        "id": dept.pk,
        "name": dept.name,
        "code": dept.code,
        "parent": dept.parent_id,
        "path": dept.path,
        "depth": dept.depth,
        "head": user_ref(dept.head),
        "sort_order": dept.sort_order,
        "is_active": dept.is_active,
        "version": dept.version,
    }


def _departments(user: Any, action: str):
    return Department.objects.visible_to(user, action).select_related("head")


@router.get(
    "/departments",
    response={200: page_of(DepartmentOut), **READ_ERRORS},
    tags=["departments"],
    summary="List departments",
)
def list_departments(request, page: Query[PageParams]):
    """The departments in your view scope, parents before children (ordered by path). Needs view on
    departments."""
    user = request.auth
    require_action(user, Department, Action.VIEW)
    return paginate(_departments(user, Action.VIEW).order_by("path", "pk"), page, department_out)


@router.get(
    "/departments/{id}",
    response={200: DepartmentOut, **READ_ERRORS},
    tags=["departments"],
    summary="Get a department",
)
def get_department(request, id: int):
    user = request.auth
    require_action(user, Department, Action.VIEW)
    return department_out(_visible(_departments(user, Action.VIEW), Department, user, id, Action.VIEW))


@router.post(
    "/departments",
    response={201: DepartmentOut, **WRITE_ERRORS},
    tags=["departments"],
    summary="Create a department",
)
def create_department(request, payload: DepartmentIn):
    """Needs add on departments; the parent must be a department in your add scope."""
    user = request.auth
    require_action(user, Department, Action.ADD)
    parent = _pick(
        Department.objects.visible_to(user, Action.ADD),
        payload.parent,
        "parent",
        required_=not reaches_all(user, Department, Action.ADD),
    )
    head = _pick(visible_users(user), payload.head, "head")
    dept = services.department_create(
        actor=user,
        name=payload.name,
        parent=parent,
        code=payload.code,
        head=head,
        sort_order=payload.sort_order,
    )
    return Status(201, department_out(dept))


@router.patch(
    "/departments/{id}",
    response={200: DepartmentOut, **WRITE_ERRORS},
    tags=["departments"],
    summary="Update a department",
)
def update_department(request, id: int, payload: DepartmentPatchIn):
    """Needs change on the department. The parent changes only through /move."""
    user = request.auth
    require_action(user, Department, Action.CHANGE)
    dept = _visible(_departments(user, Action.CHANGE), Department, user, id, Action.CHANGE)
    given = payload.model_fields_set
    fields: dict[str, Any] = {}
    for name in ("name", "code", "sort_order", "is_active"):
        if name in given:
            value = getattr(payload, name)
            if value is None:
                raise required(name)
            fields[name] = value
    if "head" in given:
        fields["head"] = _pick(visible_users(user, include=dept.head), payload.head, "head")
    with transaction.atomic():
        current = Department.objects.unscoped(reason="version check").select_for_update().get(pk=dept.pk)
        if payload.version is not None and current.version != payload.version:
            raise conflict(current.version)
        if fields:
            current = services.department_update(actor=user, department=current, **fields)
    current.head = fields.get("head", dept.head)
    return department_out(current)


@router.delete(
    "/departments/{id}",
    response={204: None, **WRITE_ERRORS},
    tags=["departments"],
    summary="Delete a department",
)
def delete_department(request, id: int):
    """Needs delete on the department; it must have no sub-departments and no employees (else 422)."""
    user = request.auth
    require_action(user, Department, Action.DELETE)
    dept = _visible(Department.objects.visible_to(user, Action.DELETE), Department, user, id, Action.DELETE)
    services.department_delete(actor=user, department=dept)
    return Status(204, None)


@router.post(
    "/departments/{id}/move",
    response={200: DepartmentOut, **WRITE_ERRORS},
    tags=["departments"],
    summary="Move a department",
)
def move_department(request, id: int, payload: DepartmentMoveIn):
    """Move a department with its whole subtree. Needs change on the department and on the new parent;
    moving to the top needs a change grant on all departments."""
    user = request.auth
    require_action(user, Department, Action.CHANGE)
    dept = _visible(_departments(user, Action.CHANGE), Department, user, id, Action.CHANGE)
    parent = _pick(
        Department.objects.visible_to(user, Action.CHANGE).exclude(pk=dept.pk),
        payload.parent,
        "parent",
        required_=not reaches_all(user, Department, Action.CHANGE),
    )
    moved = services.department_move(actor=user, department=dept, new_parent=parent)
    moved.head = dept.head
    return department_out(moved)


# --- Users (employees and their accounts) -----------------------------------------------------------


class UserOut(Schema):
    id: int = Field(..., description="The user id.")
    username: str
    full_name: str
    email: str
    department: Ref | None
    manager: UserRef | None
    title: str
    mobile: str = Field(..., description="Always masked; POST /users/{id}/unmask reveals it (audited).")
    employee_no: str
    hire_date: date | None
    status: str = Field(..., description="active or left.")
    is_active: bool = Field(..., description="Whether the account may sign in.")
    roles: list[RoleRef]
    version: int = Field(..., description="Send it back with PATCH: a stale version answers 409.")


class UserFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Part of the name or username.")
    department: int | None = Field(
        None, description="A department id: its employees and its sub-departments'."
    )
    status: Literal["active", "left"] | None = None


class UserCreateIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    full_name: str = Field(..., min_length=1, max_length=100)
    password: str = Field(..., min_length=1, max_length=4096)
    email: str = Field("", max_length=254)
    department: int | None = Field(None, description="Required unless your add grant reaches all employees.")
    manager: int | None = Field(None, description="User id.")
    title: str = Field("", max_length=100)
    mobile: str = Field("", max_length=32)
    employee_no: str = Field("", max_length=32)
    hire_date: date | None = None
    roles: list[int] = Field(default_factory=list, description="Role ids; needs assign on roles.")


class UserPatchIn(Schema):
    version: int = Field(..., description="The version you loaded; a stale one answers 409.")
    full_name: str | None = Field(None, min_length=1, max_length=100)
    email: str | None = Field(None, max_length=254)
    department: int | None = None
    manager: int | None = Field(None, description="User id; null removes the manager.")
    title: str | None = Field(None, max_length=100)
    mobile: str | None = Field(None, max_length=32)
    employee_no: str | None = Field(None, max_length=32)
    hire_date: date | None = None


class RolesIn(Schema):
    roles: list[int] = Field(..., description="The complete list of role ids the user will hold.")


class MobileOut(Schema):
    mobile: str


def _role_ref(role: Role) -> dict[str, Any]:
    return {"id": role.pk, "code": role.code, "name": role.name}


def user_out(employee: Employee) -> dict[str, Any]:
    person = employee.user
    dept = employee.department
    return {
        "id": person.pk,
        "username": person.username,
        "full_name": person.full_name,
        "email": person.email,
        "department": {"id": dept.pk, "name": dept.name} if dept else None,
        "manager": user_ref(employee.manager),
        "title": employee.title,
        "mobile": mask_value("phone", employee.mobile),
        "employee_no": employee.employee_no,
        "hire_date": employee.hire_date,
        "status": employee.status,
        "is_active": person.is_active,
        "roles": [_role_ref(r) for r in person.roles.all()],
        "version": employee.version,
    }


def _employees(user: Any, action: str):
    return (
        Employee.objects.visible_to(user, action)
        .select_related("user", "department", "manager")
        .prefetch_related("user__roles")
    )


def _employee(user: Any, user_id: int, action: str) -> Employee:
    """The employee record of user `user_id` within the caller's `action` scope, else 404."""
    found = _employees(user, action).filter(user_id=user_id).first()
    if found is None:
        pk = Employee._base_manager.filter(user_id=user_id).values_list("pk", flat=True).first()
        if pk is not None:
            get_visible_or_404(Employee, user, pk, action)  # audits the refusal, raises 404
        raise Http404
    return found


def _reload(user: Any, user_id: int) -> dict[str, Any]:
    """The user as the caller sees them after a write (the write may have moved them out of view scope:
    then the answer still describes the record just written, read without the scope)."""
    found = _employees(user, Action.VIEW).filter(user_id=user_id).first()
    if found is None:
        found = (
            Employee.objects.unscoped(reason="answer with the record the caller just wrote")
            .select_related("user", "department", "manager")
            .prefetch_related("user__roles")
            .get(user_id=user_id)
        )
    return user_out(found)


@router.get("/users", response={200: page_of(UserOut), **READ_ERRORS}, tags=["users"], summary="List users")
def list_users(request, filters: Query[UserFilters], page: Query[PageParams]):
    """Employees in your view scope, by username; the same filters as the Employees page. Needs view on
    employees. The department filter takes only departments you can see."""
    user = request.auth
    require_action(user, Employee, Action.VIEW)
    qs = _employees(user, Action.VIEW)
    if filters.q and filters.q.strip():
        term = filters.q.strip()
        qs = qs.filter(Q(user__username__icontains=term) | Q(user__full_name__icontains=term))
    if filters.department is not None:
        dept = _pick(Department.objects.visible_to(user, Action.VIEW), filters.department, "department")
        qs = qs.filter(department__path__startswith=dept.path)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("user__username", "pk"), page, user_out)


@router.get("/users/{id}", response={200: UserOut, **READ_ERRORS}, tags=["users"], summary="Get a user")
def get_user(request, id: int):
    user = request.auth
    require_action(user, Employee, Action.VIEW)
    return user_out(_employee(user, id, Action.VIEW))


@router.post("/users", response={201: UserOut, **WRITE_ERRORS}, tags=["users"], summary="Create a user")
def create_user(request, payload: UserCreateIn):
    """Create an account with its employee record. Needs add on employees; the department must be one
    where the new employee stays in your add scope; roles need assign on roles."""
    user = request.auth
    require_action(user, Employee, Action.ADD)
    if payload.roles and not has_action(user, Role, Action.ASSIGN):
        raise PermissionDenied
    department = _pick(
        departments_in_reach(user, Employee, Action.ADD),
        payload.department,
        "department",
        required_=not reaches_all(user, Employee, Action.ADD),
    )
    manager = _pick(visible_users(user), payload.manager, "manager")
    roles = list(Role.objects.filter(is_active=True, pk__in=payload.roles))
    if len(roles) != len(set(payload.roles)):
        raise invalid_choice("roles")
    probe = User(username=payload.username, full_name=payload.full_name, email=payload.email)
    try:
        password_validation.validate_password(payload.password, probe)
    except ValidationError as exc:
        raise invalid("password", " ".join(exc.messages)) from None
    employee = services.employee_create(
        actor=user,
        username=payload.username,
        full_name=payload.full_name,
        password=payload.password,
        email=payload.email,
        department=department,
        manager=manager,
        title=payload.title,
        mobile=payload.mobile,
        employee_no=payload.employee_no,
        hire_date=payload.hire_date,
        roles=roles,
    )
    return Status(201, _reload(user, employee.user_id))


@router.patch("/users/{id}", response={200: UserOut, **WRITE_ERRORS}, tags=["users"], summary="Update a user")
def update_user(request, id: int, payload: UserPatchIn):
    """Change the fields you send. Needs change on the employee. `version` is required: when someone
    saved in between, the answer is 409 and nothing changes."""
    user = request.auth
    require_action(user, Employee, Action.CHANGE)
    employee = _employee(user, id, Action.CHANGE)
    given = payload.model_fields_set - {"version"}
    fields: dict[str, Any] = {}
    for name in ("title", "mobile", "employee_no", "hire_date"):
        if name in given:
            value = getattr(payload, name)
            fields[name] = "" if value is None and name != "hire_date" else value
    if "department" in given:
        fields["department"] = _pick(
            departments_in_reach(user, Employee, Action.CHANGE, include=employee.department),
            payload.department,
            "department",
            required_=not reaches_all(user, Employee, Action.CHANGE),
        )
    if "manager" in given:
        managers = visible_users(user, include=employee.manager).exclude(pk=employee.user_id)
        fields["manager"] = _pick(managers, payload.manager, "manager")
    if "full_name" in given and payload.full_name is None:
        raise required("full_name")
    try:
        services.employee_update(
            actor=user,
            employee=employee,
            full_name=payload.full_name if "full_name" in given else None,
            email=(payload.email or "") if "email" in given else None,
            expected_version=payload.version,
            **fields,
        )
    except services.StaleEdit as exc:
        raise conflict(exc.current.version) from None
    return _reload(user, id)


def _set_active(request, id: int, active: bool) -> dict[str, Any]:
    user = request.auth
    require_action(user, Employee, Action.CHANGE)
    employee = _employee(user, id, Action.CHANGE)
    guard_superuser(user, employee.user)
    services.user_set_active(actor=user, user=employee.user, active=active)
    return _reload(user, id)


@router.post(
    "/users/{id}/deactivate",
    response={200: UserOut, **WRITE_ERRORS},
    tags=["users"],
    summary="Deactivate a user",
)
def deactivate_user(request, id: int):
    """The account can no longer sign in; its sessions and API tokens stop working at once. Needs change
    on the employee; a superuser's account only by a superuser; not your own account."""
    return _set_active(request, id, False)


@router.post(
    "/users/{id}/activate", response={200: UserOut, **WRITE_ERRORS}, tags=["users"], summary="Activate a user"
)
def activate_user(request, id: int):
    """Needs change on the employee."""
    return _set_active(request, id, True)


@router.put(
    "/users/{id}/roles", response={200: UserOut, **WRITE_ERRORS}, tags=["users"], summary="Set a user's roles"
)
def set_user_roles(request, id: int, payload: RolesIn):
    """Replace the user's roles. Needs assign on roles AND change on the employee."""
    user = request.auth
    require_action(user, Role, Action.ASSIGN)
    require_action(user, Employee, Action.CHANGE)
    employee = _employee(user, id, Action.CHANGE)
    guard_superuser(user, employee.user)
    roles = list(Role.objects.filter(pk__in=payload.roles))
    if len(roles) != len(set(payload.roles)):
        raise invalid_choice("roles")
    services.user_set_roles(actor=user, user=employee.user, roles=roles)
    return _reload(user, id)


@router.post(
    "/users/{id}/unmask",
    response={200: MobileOut, **WRITE_ERRORS},
    tags=["users"],
    summary="Reveal a mobile number",
)
def unmask_user(request, id: int, response: HttpResponse):
    """The mobile number in clear. Needs unmask on the employee; every reveal is in the audit log."""
    user = request.auth
    require_action(user, Employee, Action.UNMASK)
    employee = _employee(user, id, Action.UNMASK)
    response["Cache-Control"] = "no-store"
    return {"mobile": services.employee_unmask(actor=user, employee=employee, field="mobile")}


# --- Roles ------------------------------------------------------------------------------------------

ScopeName = Literal["self", "dept", "dept_and_child", "custom", "all"]


class GrantOut(Schema):
    model: str = Field(..., description="Model label, e.g. org.employee.")
    actions: list[str]
    scope: str
    departments: list[int] = Field(..., description="Department ids of the “custom” scope.")


class GrantIn(Schema):
    model: str = Field(..., max_length=100, description="Model label, e.g. org.employee.")
    actions: list[str] = Field(..., description="Actions the model offers (view, add, change, …).")
    scope: ScopeName = "self"
    departments: list[int] = Field(default_factory=list, description="Required with the “custom” scope.")


class RoleOut(Schema):
    id: int
    code: str
    name: str = Field(..., description="The name in the language of the request.")
    name_zh: str
    name_en: str
    description: str
    is_builtin: bool
    is_active: bool
    requires_2fa: bool
    user_count: int


class RoleDetailOut(RoleOut):
    grants: list[GrantOut]


class RoleIn(Schema):
    code: str = Field(..., min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name_zh: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field(..., min_length=1, max_length=100)
    description: str = ""
    requires_2fa: bool = False
    is_active: bool = True
    grants: list[GrantIn] = Field(default_factory=list)


class RolePatchIn(Schema):
    code: str | None = Field(None, min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name_zh: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = None
    requires_2fa: bool | None = None
    is_active: bool | None = None
    grants: list[GrantIn] | None = Field(None, description="When given, replaces every grant of the role.")


def role_out(role: Role, *, grants: bool = False) -> dict[str, Any]:
    out = {
        "id": role.pk,
        "code": role.code,
        "name": role.name,
        "name_zh": role.name_zh,
        "name_en": role.name_en,
        "description": role.description,
        "is_builtin": role.is_builtin,
        "is_active": role.is_active,
        "requires_2fa": role.requires_2fa,
        "user_count": role.user_count,
    }
    if grants:
        out["grants"] = [
            {
                "model": g.model_label,
                "actions": list(g.actions),
                "scope": g.scope,
                "departments": sorted(d.pk for d in g.departments.all()),
            }
            for g in sorted(role.grants.all(), key=lambda g: g.model_label)
        ]
    return out


def _roles():
    return Role.objects.annotate(user_count=Count("users", distinct=True))


def _role_detail(pk: int) -> Role:
    chosen = Prefetch(
        "departments", queryset=Department.objects.unscoped(reason="a role's chosen departments")
    )
    grants = Prefetch("grants", queryset=RoleGrant.objects.prefetch_related(chosen))
    return get_object_or_404(_roles().prefetch_related(grants), pk=pk)


def _grants(user: Any, grants: list[GrantIn]) -> dict[str, tuple[list[str], str, list[Department]]]:
    """Check the grant rows as the role editor's form does, and shape them for `services.role_save`."""
    choosable = Department.objects.visible_to(user, Action.VIEW)
    out: dict[str, tuple[list[str], str, list[Department]]] = {}
    for n, grant in enumerate(grants):
        where = f"grants.{n}"
        try:
            entry = get_entry(grant.model)
        except LookupError:
            raise invalid_choice(f"{where}.model") from None
        if entry.label in out:
            raise duplicate(f"{where}.model")
        if not grant.actions or not set(grant.actions) <= set(entry.actions):
            raise invalid_choice(f"{where}.actions")
        if entry.scope_free:
            out[entry.label] = (list(grant.actions), DataScope.ALL.value, [])
            continue
        departments: list[Department] = []
        if grant.scope == DataScope.CUSTOM:
            departments = list(choosable.filter(pk__in=grant.departments))
            if not grant.departments:
                raise invalid(
                    f"{where}.departments",
                    _("Choose at least one department for the “chosen departments” scope."),
                )
            if len(departments) != len(set(grant.departments)):
                raise invalid_choice(f"{where}.departments")
        out[entry.label] = (list(grant.actions), grant.scope, departments)
    return out


@router.get("/roles", response={200: page_of(RoleOut), **READ_ERRORS}, tags=["roles"], summary="List roles")
def list_roles(request, page: Query[PageParams]):
    """Every role (roles have no data scope). Needs view on roles."""
    require_action(request.auth, Role, Action.VIEW)
    return paginate(_roles().order_by("-is_builtin", "code", "pk"), page, role_out)


@router.get("/roles/{id}", response={200: RoleDetailOut, **READ_ERRORS}, tags=["roles"], summary="Get a role")
def get_role(request, id: int):
    """A role with its grants. Needs view on roles."""
    require_action(request.auth, Role, Action.VIEW)
    return role_out(_role_detail(id), grants=True)


@router.post("/roles", response={201: RoleDetailOut, **WRITE_ERRORS}, tags=["roles"], summary="Create a role")
def create_role(request, payload: RoleIn):
    """Needs add on roles. Chosen departments of a “custom” scope must be departments you can see."""
    user = request.auth
    require_action(user, Role, Action.ADD)
    role = services.role_save(
        actor=user,
        code=payload.code,
        name_zh=payload.name_zh,
        name_en=payload.name_en,
        description=payload.description,
        requires_2fa=payload.requires_2fa,
        is_active=payload.is_active,
        grants=_grants(user, payload.grants),
    )
    return Status(201, role_out(_role_detail(role.pk), grants=True))


@router.patch(
    "/roles/{id}", response={200: RoleDetailOut, **WRITE_ERRORS}, tags=["roles"], summary="Update a role"
)
def update_role(request, id: int, payload: RolePatchIn):
    """Change the fields you send; `grants`, when sent, replaces all grants. Needs change on roles. The
    code of a built-in role cannot change."""
    user = request.auth
    require_action(user, Role, Action.CHANGE)
    role = get_object_or_404(Role, pk=id)
    given = payload.model_fields_set
    values = {
        name: getattr(payload, name) if name in given else getattr(role, name)
        for name in ("code", "name_zh", "name_en", "description", "requires_2fa", "is_active")
    }
    for name, value in values.items():
        if value is None:
            raise required(name)
    grants = _grants(user, payload.grants) if payload.grants is not None else None
    services.role_save(actor=user, role=role, grants=grants, **values)
    return role_out(_role_detail(role.pk), grants=True)


@router.delete("/roles/{id}", response={204: None, **WRITE_ERRORS}, tags=["roles"], summary="Delete a role")
def delete_role(request, id: int):
    """Needs delete on roles. Built-in roles cannot be deleted (422): deactivate them instead."""
    require_action(request.auth, Role, Action.DELETE)
    services.role_delete(actor=request.auth, role=get_object_or_404(Role, pk=id))
    return Status(204, None)
