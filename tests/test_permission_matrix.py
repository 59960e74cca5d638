"""Every route × every persona × the record's scope: the exact status, and for lists the exact ids.

Rows live here, grouped by app; a new route without a row fails `test_every_route_is_in_the_matrix`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from opensales.org.models import Department, Employee, Role
from tests.matrix import (
    PERSONAS,
    Row,
    Target,
    app_matrix_modules,
    check_each_persona,
    only,
    row_ids,
    statuses,
)
from tests.test_api_matrix import API_EXEMPT, UI_ROWS

# Routes that are not business pages and are tested elsewhere.
EXEMPT = {
    "set_language": "Django's language switch; tests in core/tests/test_i18n.py",
    **API_EXEMPT,
}

ADMIN_ONLY_PAGE = only({"admin": 200}, 403)
ADMIN_ONLY_WRITE = only({"admin": 302}, 403)
EVERYONE_ELSE_403 = 403


# --- Targets: the record each row acts on, described by its place relative to the personas --------


def _employee(username: str) -> Target:
    return Target(
        f"employee {username}",
        lambda cast: {"pk": Employee.objects.unscoped(reason="matrix").get(user__username=username).pk},
    )


def _department(code: str) -> Target:
    return Target(
        f"department {code}",
        lambda cast: {"pk": Department.objects.unscoped(reason="matrix").get(code=code).pk},
    )


def _empty_department(cast) -> dict[str, Any]:
    from opensales.org.services import department_create

    hq = Department.objects.unscoped(reason="matrix").get(code="HQ")
    return {"pk": department_create(actor=None, name="空部门", parent=hq).pk}


def _custom_role(cast) -> dict[str, Any]:
    return {"pk": Role.objects.create(code="temp", name_zh="临时", name_en="Temporary").pk}


SAME_TEAM = _employee("rep_sh2")  # 上海团队, 华东大区
OTHER_REGION = _employee("rep_gz1")  # 广州团队, 华南大区
SH = _department("SH")
GZ = _department("GZ")
SALES_REP_ROLE = Target("role sales_rep", lambda cast: {"pk": Role.objects.get(code="sales_rep").pk})


def _dept_ids(codes: set[str]) -> set[str]:
    return {
        str(pk)
        for pk in Department.objects.unscoped(reason="matrix")
        .filter(code__in=codes)
        .values_list("pk", flat=True)
    }


def _employee_ids(usernames: set[str] | None) -> set[str]:
    qs = Employee.objects.unscoped(reason="matrix")
    if usernames is not None:
        qs = qs.filter(user__username__in=usernames)
    return {str(pk) for pk in qs.values_list("pk", flat=True)}


ALL_DEPTS = {"HQ", "EAST", "SH", "HZ", "SOUTH", "GZ", "SZ", "NORTH", "BJ"}
SH_TEAM = {"rep_sh1", "rep_sh2", "lead_sh"}
EAST = {"manager_east", "lead_sh", "lead_hz", "rep_sh1", "rep_sh2", "rep_hz1", "rep_hz2"}
ALL_ROLES = {"administrator", "sales_director", "sales_manager", "sales_rep", "finance", "auditor"}


def _role_ids(codes):
    return {str(pk) for pk in Role.objects.filter(code__in=codes).values_list("pk", flat=True)}


# Expected id sets are computed lazily (they need the database): persona -> callable.
DEPARTMENT_LIST_IDS = {
    "admin": lambda: _dept_ids(ALL_DEPTS),
    "director": lambda: _dept_ids(ALL_DEPTS),
    "finance": lambda: _dept_ids(ALL_DEPTS),
    "auditor": lambda: _dept_ids(ALL_DEPTS),
    "manager_east": lambda: _dept_ids({"EAST", "SH", "HZ"}),
    "rep_sh1": lambda: _dept_ids({"SH"}),
    "rep_sh2": lambda: _dept_ids({"SH"}),
    "rep_gz1": lambda: _dept_ids({"GZ"}),
}
EMPLOYEE_LIST_IDS = {
    "admin": lambda: _employee_ids(None),
    "director": lambda: _employee_ids(None),
    "finance": lambda: _employee_ids(None),
    "auditor": lambda: _employee_ids(None),
    "manager_east": lambda: _employee_ids(EAST),
    "rep_sh1": lambda: _employee_ids(SH_TEAM),
    "rep_sh2": lambda: _employee_ids(SH_TEAM),
    "rep_gz1": lambda: _employee_ids({"rep_gz1", "rep_gz2"}),
}
ROLE_LIST_IDS = {p: (lambda: _role_ids(ALL_ROLES)) for p in ("admin", "director", "auditor")}

# Who may view an employee record, by target.
VIEW_SAME_TEAM = statuses(200, rep_gz1=404)
VIEW_OTHER_REGION = statuses(200, manager_east=404, rep_sh1=404, rep_sh2=404)
ROLE_READERS = {"admin": 200, "director": 200, "auditor": 200}
AUDIT_READERS = {"admin": 200, "auditor": 200}


def _audit_event(cast) -> dict[str, Any]:
    from opensales.audit.services import record

    return {"pk": record(action="test.event", actor=cast["rep_sh1"]).pk}


def _department_form(cast):
    return {
        "name": "新团队",
        "code": "NEW",
        "parent": Department.objects.unscoped(reason="m").get(code="SH").pk,
        "sort_order": 0,
    }


def _employee_form(cast, **extra):
    sh = Department.objects.unscoped(reason="m").get(code="SH")
    return {
        "full_name": "新同事",
        "email": "new@example.com",
        "department": sh.pk,
        "title": "销售代表",
        "mobile": "13900001111",
        "employee_no": "",
        "hire_date": "",
        **extra,
    }


ROWS: list[Row] = [
    # core
    Row("core:home", "GET", statuses(200)),
    # accounts
    Row("accounts:login", "GET", statuses(302, anonymous=200)),
    Row("accounts:logout", "POST", statuses(302)),
    Row("accounts:password_change", "GET", statuses(200)),
    Row("accounts:totp_setup", "GET", statuses(200)),
    Row(
        "accounts:totp_confirm",
        "POST",
        statuses(302),
        data=lambda cast: {"code": "000000"},
        note="no setup started",
    ),
    Row(
        "accounts:totp_disable",
        "POST",
        statuses(400),
        data=lambda cast: {"password": "wrong"},
        note="wrong password",
    ),
    Row("accounts:totp_verify", "GET", statuses(302)),
    # org: departments
    Row("org:department_list", "GET", statuses(200), ids=DEPARTMENT_LIST_IDS),
    Row("org:department_create", "GET", ADMIN_ONLY_PAGE),
    Row("org:department_create", "POST", ADMIN_ONLY_WRITE, data=_department_form),
    Row("org:department_edit", "GET", ADMIN_ONLY_PAGE, target=SH),
    Row(
        "org:department_edit",
        "POST",
        ADMIN_ONLY_WRITE,
        target=SH,
        data=lambda cast: {
            "name": "上海一队",
            "code": "SH",
            "sort_order": 0,
            "is_active": "on",
            "version": 1,
        },
    ),
    Row("org:department_move", "GET", ADMIN_ONLY_PAGE, target=SH),
    Row(
        "org:department_move",
        "POST",
        ADMIN_ONLY_WRITE,
        target=SH,
        data=lambda cast: {"parent": Department.objects.unscoped(reason="m").get(code="SOUTH").pk},
    ),
    Row(
        "org:department_delete",
        "POST",
        ADMIN_ONLY_WRITE,
        target=Target("empty department", _empty_department),
    ),
    # org: employees
    Row("org:employee_list", "GET", statuses(200), ids=EMPLOYEE_LIST_IDS),
    Row("org:employee_create", "GET", ADMIN_ONLY_PAGE),
    Row(
        "org:employee_create",
        "POST",
        ADMIN_ONLY_WRITE,
        data=lambda cast: _employee_form(cast, username="newbie", password="Tr1cky-Pass-2026"),
    ),
    Row("org:employee_detail", "GET", VIEW_SAME_TEAM, target=SAME_TEAM),
    Row("org:employee_detail", "GET", VIEW_OTHER_REGION, target=OTHER_REGION),
    Row("org:employee_edit", "GET", ADMIN_ONLY_PAGE, target=SAME_TEAM),
    Row("org:employee_edit", "GET", ADMIN_ONLY_PAGE, target=OTHER_REGION),
    Row(
        "org:employee_edit",
        "POST",
        ADMIN_ONLY_WRITE,
        target=SAME_TEAM,
        data=lambda cast: _employee_form(cast, version=1),
    ),
    Row(
        "org:employee_set_active",
        "POST",
        ADMIN_ONLY_WRITE,
        target=SAME_TEAM,
        data=lambda cast: {"active": "0"},
    ),
    Row("org:employee_reset_password", "GET", ADMIN_ONLY_PAGE, target=SAME_TEAM),
    Row(
        "org:employee_reset_password",
        "POST",
        ADMIN_ONLY_WRITE,
        target=SAME_TEAM,
        data=lambda cast: {"new_password1": "Tr1cky-Pass-2026", "new_password2": "Tr1cky-Pass-2026"},
    ),
    Row("org:employee_roles", "GET", ADMIN_ONLY_PAGE, target=SAME_TEAM),
    Row(
        "org:employee_roles",
        "POST",
        ADMIN_ONLY_WRITE,
        target=SAME_TEAM,
        data=lambda cast: {"roles": [Role.objects.get(code="sales_manager").pk]},
    ),
    Row("org:employee_unmask", "POST", only({"admin": 200}, 403), target=SAME_TEAM),
    Row("org:employee_access", "GET", only(ROLE_READERS, 403), target=SAME_TEAM),
    Row("org:employee_access", "GET", only(ROLE_READERS, 403), target=OTHER_REGION),
    # org: roles
    Row("org:role_list", "GET", only(ROLE_READERS, 403), ids=ROLE_LIST_IDS),
    Row("org:role_create", "GET", ADMIN_ONLY_PAGE),
    Row(
        "org:role_create",
        "POST",
        ADMIN_ONLY_WRITE,
        data=lambda cast: {
            "code": "viewer",
            "name_zh": "只读",
            "name_en": "Viewer",
            "is_active": "on",
            "grant__org.department__view": "on",
            "scope__org.department": "all",
        },
    ),
    Row("org:role_edit", "GET", ADMIN_ONLY_PAGE, target=SALES_REP_ROLE),
    Row(
        "org:role_edit",
        "POST",
        ADMIN_ONLY_WRITE,
        target=SALES_REP_ROLE,
        data=lambda cast: {
            "code": "sales_rep",
            "name_zh": "销售代表",
            "name_en": "Sales rep",
            "is_active": "on",
            "grant__org.employee__view": "on",
            "scope__org.employee": "dept",
        },
    ),
    Row("org:role_delete", "POST", ADMIN_ONLY_WRITE, target=Target("custom role", _custom_role)),
    # ops
    Row("ops:health", "GET", only({"admin": 200}, 403)),
    Row(
        "ops:health_json",
        "GET",
        statuses(503, anonymous=503),
        note="no worker heartbeat in the test database",
    ),
    # audit
    Row("audit:event_list", "GET", only(AUDIT_READERS, 403)),
    Row("audit:event_detail", "GET", only(AUDIT_READERS, 403), target=Target("an event", _audit_event)),
]


ROWS += UI_ROWS
# Every app's page rows live in its own tests/matrix_rows.py (`UI_ROWS`).
for _module in app_matrix_modules():
    ROWS += getattr(_module, "UI_ROWS", [])


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_matrix(row: Row, cast, login):
    def check(persona: str) -> list[str]:
        client = login(None if persona == "anonymous" else cast[persona])
        kwargs = row.target.resolve(cast) if row.target else {}
        url = reverse(row.route, kwargs=kwargs)
        data = row.data(cast) if row.data else {}
        response = client.get(url) if row.method == "GET" else client.post(url, data)
        if response.status_code != row.expect[persona]:
            return [f"status {response.status_code}, expected {row.expect[persona]}"]
        if row.ids is not None and response.status_code == 200:
            got, want = row_ids(response.content.decode()), row.ids[persona]()
            if got != want:
                return [f"ids {sorted(got)}, expected {sorted(want)}"]
        login_url = reverse("accounts:login")
        if (
            persona == "anonymous"
            and response.status_code == 302
            and not response["Location"].startswith(login_url)
        ):
            return [f"redirected to {response['Location']}, not to the login page"]
        return []

    check_each_persona(check)


def _route_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_route_is_in_the_matrix():
    covered = {row.route for row in ROWS} | set(EXEMPT)
    assert _route_names(get_resolver()) - covered == set()


def test_every_row_names_every_persona():
    for row in ROWS:
        assert set(row.expect) == set(PERSONAS), row.id
        if row.ids is not None:
            assert {p for p, s in row.expect.items() if s == 200} == set(row.ids), row.id
