"""Rows of the permission matrices for the workspace: saved views, pickers, the generic department pages
that the hand-written org rows do not name, and the generic API of workspace models (discovered by
tests/test_permission_matrix.py and tests/test_api_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.matrix import Row, Target, only, statuses


def _saved_view_of(username: str) -> Target:
    def make(cast) -> dict[str, Any]:
        from opensales.workspace.models import SavedView

        view = SavedView.objects.create(
            owner=cast[username], list_key="employees", name="m", query="status=active"
        )
        return {"key": "employees", "pk": view.pk}

    return Target(f"private view of {username}", make)


def _department(code: str) -> Target:
    def resolve(cast) -> dict[str, Any]:
        from opensales.org.models import Department

        return {"pk": Department.objects.unscoped(reason="matrix").get(code=code).pk}

    return Target(f"department {code}", resolve)


def _empty_department(cast) -> dict[str, Any]:
    from opensales.org.models import Department
    from opensales.org.services import department_create

    hq = Department.objects.unscoped(reason="matrix").get(code="HQ")
    return {"pk": department_create(actor=None, name="待删部门", parent=hq).pk}


EMPLOYEES = {"key": "employees"}

UI_ROWS: list[Row] = [
    Row(
        "workspace:view_save",
        "POST",
        statuses(302),
        target=Target("employees", lambda cast: EMPLOYEES),
        data=lambda cast: {"name": "矩阵视图", "query": "status=active"},
    ),
    Row("workspace:view_delete", "POST", only({"rep_sh1": 302}, 404), target=_saved_view_of("rep_sh1")),
    Row("workspace:view_default", "POST", only({"rep_sh1": 302}, 404), target=_saved_view_of("rep_sh1")),
    Row("workspace:picker", "GET", statuses(200), target=Target("employees", lambda cast: EMPLOYEES)),
    Row("workspace:user_picker", "GET", statuses(200)),
    Row("workspace:tag_picker", "GET", statuses(200)),
    # The generic department pages the org rows do not name.
    Row("org:department_detail", "GET", statuses(200, rep_gz1=404), target=_department("SH")),
    Row(
        "org:department_detail",
        "GET",
        statuses(200, manager_east=404, rep_sh1=404, rep_sh2=404),
        target=_department("GZ"),
    ),
    Row(
        "org:department_delete",
        "GET",
        only({"admin": 200}, 403),
        target=Target("empty department", _empty_department),
        note="the confirmation page",
    ),
]


def _employee(username: str, Target_: type) -> Any:
    def resolve(cast) -> dict[str, Any]:
        from opensales.org.models import Employee

        return {"id": Employee.objects.unscoped(reason="matrix").get(user__username=username).pk}

    return Target_(f"employee {username}", resolve)


def _account_of(username: str, Target_: type) -> Any:
    def make(cast) -> dict[str, Any]:
        from tests.scopeapp.models import Account

        return {"id": Account.objects.create(name="矩阵客户", owner=cast[username]).pk}

    return Target_(f"account of {username}", make)


def _employee_ids(usernames: set[str] | None) -> Callable[[], set[int]]:
    def ids() -> set[int]:
        from opensales.org.models import Employee

        qs = Employee.objects.unscoped(reason="matrix")
        if usernames is not None:
            qs = qs.filter(user__username__in=usernames)
        return set(qs.values_list("pk", flat=True))

    return ids


SH_TEAM = {"rep_sh1", "rep_sh2", "lead_sh"}
EAST = {"manager_east", "lead_sh", "lead_hz", "rep_sh1", "rep_sh2", "rep_hz1", "rep_hz2"}


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    from tests.matrix import Target as Target_

    everyone = _employee_ids(None)
    employee_ids = {
        **dict.fromkeys(("admin", "director", "finance", "auditor"), everyone),
        "manager_east": _employee_ids(EAST),
        "rep_sh1": _employee_ids(SH_TEAM),
        "rep_sh2": _employee_ids(SH_TEAM),
        "rep_gz1": _employee_ids({"rep_gz1", "rep_gz2"}),
    }

    def new_employee(cast, persona):
        from opensales.org.models import Department

        sh = Department.objects.unscoped(reason="matrix").get(code="SH")
        return {
            "username": "matrixnew",
            "full_name": "矩阵新人",
            "password": "Tr1cky-Pass-2026",
            "department": sh.pk,
        }

    owner_scope = api_statuses(200, rep_sh2=404, rep_gz1=404)
    return [
        ApiRow("GET", "/api/v1/employees", api_statuses(200), ids=employee_ids),
        ApiRow(
            "GET",
            "/api/v1/employees/{id}",
            api_statuses(200, rep_gz1=404),
            target=_employee("rep_sh2", Target_),
        ),
        ApiRow(
            "GET",
            "/api/v1/employees/{id}",
            api_statuses(200, manager_east=404, rep_sh1=404, rep_sh2=404),
            target=_employee("rep_gz1", Target_),
        ),
        ApiRow("POST", "/api/v1/employees", api_only({"admin": 201}, 403), body=new_employee),
        ApiRow(
            "PATCH",
            "/api/v1/employees/{id}",
            api_only({"admin": 200}, 403),
            target=_employee("rep_sh2", Target_),
            body=lambda cast, persona: {"version": 1, "title": "高级销售代表"},
        ),
        # The test-only list of tests/scopeapp (owner-scoped records): the generic read and delete.
        ApiRow("GET", "/api/v1/scope-accounts", api_statuses(200)),
        ApiRow("GET", "/api/v1/scope-accounts/{id}", owner_scope, target=_account_of("rep_sh1", Target_)),
        ApiRow(
            "DELETE",
            "/api/v1/scope-accounts/{id}",
            api_only({"admin": 204, "director": 204, "manager_east": 204}, 403),
            target=_account_of("rep_sh1", Target_),
        ),
        ApiRow(
            "DELETE",
            "/api/v1/scope-accounts/{id}",
            api_only({"admin": 204, "director": 204, "manager_east": 404}, 403),
            target=_account_of("rep_gz1", Target_),
            note="outside the manager's subtree",
        ),
    ]
