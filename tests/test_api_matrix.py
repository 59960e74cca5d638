"""The API permission matrix: persona × endpoint × method × record scope → status, and for lists the exact
ids. Every operation of the OpenAPI schema must have a row (`test_every_api_operation_is_in_the_matrix`).

Calls authenticate with a read-write token of the persona (anonymous sends none); session
authentication reaches the same user, which `test_session_and_token_see_the_same_lists` checks.

For tests/test_permission_matrix.py this module also offers:
- `UI_ROWS`: rows in its own format for the named Django routes of the API app that are pages (the
  "API tokens" page, the docs page, the schema, the API root), run here by `test_ui_rows` as well;
- `API_EXEMPT`: the URL names of the API operations, which are covered by the rows here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from opensales.api import services as token_services
from opensales.api.models import ApiToken
from opensales.api.root import api as ninja_api
from opensales.org.models import Department, Employee, Role
from tests.matrix import PERSONAS, SIGNED_IN, Row, Target, check_each_persona, only, statuses

PASSWORD = "opensales-demo"
EVERYONE = {p: p for p in SIGNED_IN}


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()


@pytest.fixture
def cast(cast):
    for user in cast.values():
        user.refresh_from_db()
    return cast


def api_statuses(default: int, **overrides: int) -> dict[str, int]:
    return statuses(default, anonymous=401, **overrides)


def api_only(allowed: dict[str, int], others: int) -> dict[str, int]:
    return only(allowed, others, anonymous=401)


@dataclass(frozen=True)
class ApiRow:
    method: str
    path: str  # as in the OpenAPI schema, with {id}
    expect: dict[str, int]
    target: Target | None = None
    body: Callable[[dict[str, Any], str], Any] | None = None  # (cast, persona) -> JSON body
    ids: dict[str, Callable[[], set[int]]] | None = None
    note: str = ""

    @property
    def id(self) -> str:
        where = f"[{self.target.description}]" if self.target else ""
        return f"{self.method} {self.path}{where}{(' ' + self.note) if self.note else ''}"


# --- Targets and expected ids --------------------------------------------------------------------


def _user(username: str) -> Target:
    return Target(f"user {username}", lambda cast: {"id": cast[username].pk})


def _department(code: str) -> Target:
    return Target(
        f"department {code}", lambda cast: {"id": Department.objects.unscoped(reason="m").get(code=code).pk}
    )


def _empty_department(cast) -> dict[str, Any]:
    from opensales.org.services import department_create

    hq = Department.objects.unscoped(reason="matrix").get(code="HQ")
    return {"id": department_create(actor=None, name="空部门", parent=hq).pk}


def _custom_role(cast) -> dict[str, Any]:
    return {"id": Role.objects.create(code="temp", name_zh="临时", name_en="Temporary").pk}


def _token_of(username: str) -> Target:
    def make(cast):
        token, _secret = token_services.token_create(actor=None, user=cast[username], name="matrix")
        return {"id": token.pk}

    return Target(f"token of {username}", make)


SAME_TEAM = _user("rep_sh2")  # 上海团队, 华东大区
OTHER_REGION = _user("rep_gz1")  # 广州团队, 华南大区
SH, GZ = _department("SH"), _department("GZ")
SALES_REP_ROLE = Target("role sales_rep", lambda cast: {"id": Role.objects.get(code="sales_rep").pk})

ALL_DEPTS = {"HQ", "EAST", "SH", "HZ", "SOUTH", "GZ", "SZ", "NORTH", "BJ"}
SH_TEAM = {"rep_sh1", "rep_sh2", "lead_sh"}
EAST = {"manager_east", "lead_sh", "lead_hz", "rep_sh1", "rep_sh2", "rep_hz1", "rep_hz2"}
ALL_ROLES = {"administrator", "sales_director", "sales_manager", "sales_rep", "finance", "auditor"}
ROLE_READERS = {"admin": 200, "director": 200, "auditor": 200}


def _dept_ids(codes: set[str]) -> set[int]:
    return set(Department.objects.unscoped(reason="m").filter(code__in=codes).values_list("pk", flat=True))


def _user_ids(usernames: set[str] | None) -> set[int]:
    qs = Employee.objects.unscoped(reason="matrix")
    if usernames is not None:
        qs = qs.filter(user__username__in=usernames)
    return set(qs.values_list("user_id", flat=True))


def _role_ids(codes: set[str]) -> set[int]:
    return set(Role.objects.filter(code__in=codes).values_list("pk", flat=True))


def _own_tokens(username: str) -> Callable[[], set[int]]:
    return lambda: set(ApiToken.objects.filter(user__username=username).values_list("pk", flat=True))


DEPARTMENT_IDS = {
    **{p: (lambda: _dept_ids(ALL_DEPTS)) for p in ("admin", "director", "finance", "auditor")},
    "manager_east": lambda: _dept_ids({"EAST", "SH", "HZ"}),
    "rep_sh1": lambda: _dept_ids({"SH"}),
    "rep_sh2": lambda: _dept_ids({"SH"}),
    "rep_gz1": lambda: _dept_ids({"GZ"}),
}
USER_IDS = {
    **{p: (lambda: _user_ids(None)) for p in ("admin", "director", "finance", "auditor")},
    "manager_east": lambda: _user_ids(EAST),
    "rep_sh1": lambda: _user_ids(SH_TEAM),
    "rep_sh2": lambda: _user_ids(SH_TEAM),
    "rep_gz1": lambda: _user_ids({"rep_gz1", "rep_gz2"}),
}
ROLE_IDS = {p: (lambda: _role_ids(ALL_ROLES)) for p in ROLE_READERS}
# Each persona sees exactly their own tokens: the one the test made for them, plus rep_sh1's extra one.
TOKEN_IDS = {p: _own_tokens(p) for p in SIGNED_IN}

VIEW_SAME_TEAM = api_statuses(200, rep_gz1=404)
VIEW_OTHER_REGION = api_statuses(200, manager_east=404, rep_sh1=404, rep_sh2=404)
VIEW_SH = api_statuses(200, rep_gz1=404)
VIEW_GZ = api_statuses(200, manager_east=404, rep_sh1=404, rep_sh2=404)


def admin_only(status: int) -> dict[str, int]:
    return api_only({"admin": status}, 403)


def _dept_pk(code: str) -> int:
    return Department.objects.unscoped(reason="m").get(code=code).pk


API_ROWS: list[ApiRow] = [
    # tokens
    ApiRow(
        "POST",
        "/api/v1/auth/tokens",
        api_statuses(201),
        body=lambda cast, persona: {
            "username": persona if persona != "anonymous" else "nobody",
            "password": PASSWORD,
        },
        note="own password",
    ),
    ApiRow("GET", "/api/v1/auth/tokens", api_statuses(200), target=_token_of("rep_sh1"), ids=TOKEN_IDS),
    ApiRow(
        "DELETE", "/api/v1/auth/tokens/{id}", api_only({"rep_sh1": 204}, 404), target=_token_of("rep_sh1")
    ),
    # departments
    ApiRow("GET", "/api/v1/departments", api_statuses(200), ids=DEPARTMENT_IDS),
    ApiRow("GET", "/api/v1/departments/{id}", VIEW_SH, target=SH),
    ApiRow("GET", "/api/v1/departments/{id}", VIEW_GZ, target=GZ),
    ApiRow(
        "POST",
        "/api/v1/departments",
        admin_only(201),
        body=lambda cast, persona: {"name": "新团队", "code": "NEW", "parent": _dept_pk("SH")},
    ),
    ApiRow(
        "PATCH",
        "/api/v1/departments/{id}",
        admin_only(200),
        target=SH,
        body=lambda c, p: {"name": "上海一队"},
    ),
    ApiRow(
        "PATCH",
        "/api/v1/departments/{id}",
        admin_only(200),
        target=GZ,
        body=lambda c, p: {"name": "广州一队"},
    ),
    ApiRow(
        "DELETE",
        "/api/v1/departments/{id}",
        admin_only(204),
        target=Target("empty department", _empty_department),
    ),
    ApiRow(
        "POST",
        "/api/v1/departments/{id}/move",
        admin_only(200),
        target=SH,
        body=lambda c, p: {"parent": _dept_pk("SOUTH")},
    ),
    # users
    ApiRow("GET", "/api/v1/users", api_statuses(200), ids=USER_IDS),
    ApiRow("GET", "/api/v1/users/{id}", VIEW_SAME_TEAM, target=SAME_TEAM),
    ApiRow("GET", "/api/v1/users/{id}", VIEW_OTHER_REGION, target=OTHER_REGION),
    ApiRow(
        "POST",
        "/api/v1/users",
        admin_only(201),
        body=lambda c, p: {
            "username": "newbie",
            "full_name": "新同事",
            "password": "Tr1cky-Pass-2026",
            "department": _dept_pk("SH"),
        },
    ),
    ApiRow(
        "PATCH",
        "/api/v1/users/{id}",
        admin_only(200),
        target=SAME_TEAM,
        body=lambda c, p: {"version": 1, "title": "高级销售"},
    ),
    ApiRow(
        "PATCH",
        "/api/v1/users/{id}",
        admin_only(200),
        target=OTHER_REGION,
        body=lambda c, p: {"version": 1, "title": "高级销售"},
    ),
    ApiRow("POST", "/api/v1/users/{id}/deactivate", admin_only(200), target=SAME_TEAM),
    ApiRow("POST", "/api/v1/users/{id}/activate", admin_only(200), target=SAME_TEAM),
    ApiRow(
        "PUT",
        "/api/v1/users/{id}/roles",
        admin_only(200),
        target=SAME_TEAM,
        body=lambda c, p: {"roles": [Role.objects.get(code="sales_manager").pk]},
    ),
    ApiRow("POST", "/api/v1/users/{id}/unmask", admin_only(200), target=SAME_TEAM),
    ApiRow("POST", "/api/v1/users/{id}/unmask", admin_only(200), target=OTHER_REGION),
    # roles
    ApiRow("GET", "/api/v1/roles", api_only(ROLE_READERS, 403), ids=ROLE_IDS),
    ApiRow("GET", "/api/v1/roles/{id}", api_only(ROLE_READERS, 403), target=SALES_REP_ROLE),
    ApiRow(
        "POST",
        "/api/v1/roles",
        admin_only(201),
        body=lambda c, p: {
            "code": "viewer",
            "name_zh": "只读",
            "name_en": "Viewer",
            "grants": [{"model": "org.department", "actions": ["view"], "scope": "all"}],
        },
    ),
    ApiRow(
        "PATCH",
        "/api/v1/roles/{id}",
        admin_only(200),
        target=SALES_REP_ROLE,
        body=lambda c, p: {"name_en": "Sales rep"},
    ),
    ApiRow("DELETE", "/api/v1/roles/{id}", admin_only(204), target=Target("custom role", _custom_role)),
]

# Rows that other apps declare next to their own tests.
from tests.matrix import app_matrix_modules  # noqa: E402

# Every app's rows live in its own tests/matrix_rows.py (`api_rows(ApiRow, api_statuses, api_only)`).
for _module in app_matrix_modules():
    if hasattr(_module, "api_rows"):
        API_ROWS += _module.api_rows(ApiRow, api_statuses, api_only)


def _call(client: Client, method: str, url: str, body: Any, **headers):
    data = json.dumps(body) if body is not None else ""
    return client.generic(method, url, data, content_type="application/json", **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("row", API_ROWS, ids=[row.id for row in API_ROWS])
def test_api_matrix(row: ApiRow, cast):
    def check(persona: str) -> list[str]:
        headers = {}
        if persona != "anonymous":
            _token, secret = token_services.token_create(
                actor=None, user=cast[persona], name="matrix", scope="read_write"
            )
            headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        url = row.path.format(**(row.target.resolve(cast) if row.target else {}))
        body = row.body(cast, persona) if row.body else None
        response = _call(Client(), row.method, url, body, **headers)
        if response.status_code != row.expect[persona]:
            return [
                f"status {response.status_code}, expected {row.expect[persona]}: {response.content[:200]!r}"
            ]
        if response.status_code >= 400 and set(response.json()) != {"code", "message", "fields"}:
            return [f"error shape {sorted(response.json())}"]
        if row.ids is not None and response.status_code == 200:
            payload = response.json()
            got, want = {item["id"] for item in payload["items"]}, row.ids[persona]()
            if got != want or payload["count"] != len(payload["items"]):
                return [f"ids {sorted(got)} (count {payload['count']}), expected {sorted(want)}"]
        return []

    check_each_persona(check)


def _schema_operations() -> set[tuple[str, str]]:
    schema = ninja_api.get_openapi_schema(path_prefix="/api/v1")
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


@pytest.mark.django_db
def test_every_api_operation_is_in_the_matrix():
    covered = {(row.method, row.path) for row in API_ROWS}
    assert _schema_operations() - covered == set()
    assert covered - _schema_operations() == set()  # and no row names an operation that does not exist


def test_every_api_row_names_every_persona():
    for row in API_ROWS:
        assert set(row.expect) == set(PERSONAS), row.id
        # The only doors open without signing in: getting a token, and the public lead web form.
        public = row.method == "POST" and row.path.endswith(("/auth/tokens", "/leads/web-form"))
        assert row.expect["anonymous"] == 401 or public, row.id
        if row.ids is not None:
            assert {p for p, s in row.expect.items() if s == 200} == set(row.ids), row.id


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/departments"])
def test_session_and_token_see_the_same_lists(path, cast, login):
    for persona in SIGNED_IN:
        by_session = login(cast[persona]).get(path).json()
        _token, secret = token_services.token_create(actor=None, user=cast[persona], name="m", scope="read")
        by_token = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {secret}").json()
        assert by_session == by_token, persona


# --- Rows for tests/test_permission_matrix.py (Django's named routes of the API app) ----------------


def _token_form(cast) -> dict[str, Any]:
    return {"name": "脚本", "scope": "read", "expires": "30", "password": PASSWORD}


def _rep_sh1_holds_a_token(cast) -> dict[str, Any]:
    _token_of("rep_sh1").resolve(cast)
    return {}


def _token_of_rep_sh1(cast) -> dict[str, Any]:
    return {"pk": _token_of("rep_sh1").resolve(cast)["id"]}


UI_ROWS: list[Row] = [
    Row(
        "api_tokens:list",
        "GET",
        statuses(200),
        target=Target("rep_sh1 holds a token", _rep_sh1_holds_a_token),
        ids={p: (lambda p=p: {str(pk) for pk in _own_tokens(p)()}) for p in SIGNED_IN},
    ),
    Row("api_tokens:create", "POST", statuses(200), data=_token_form),
    Row(
        "api_tokens:revoke",
        "POST",
        only({"rep_sh1": 302}, 404),
        target=Target("token of rep_sh1", _token_of_rep_sh1),
    ),
    Row("api:openapi-view", "GET", statuses(200)),
    Row("api:openapi-json", "GET", statuses(200, anonymous=401)),
    Row("api:api-root", "GET", statuses(404, anonymous=404)),
]


def _names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            names |= _names(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


API_APP_ROUTES = {n for n in _names(get_resolver()) if n.startswith(("api:", "api_tokens:"))}
API_EXEMPT = dict.fromkeys(
    API_APP_ROUTES - {row.route for row in UI_ROWS},
    "an API operation: tests/test_api_matrix.py (every operation of the OpenAPI schema has rows)",
)


def test_every_route_of_the_api_app_is_a_ui_row_or_an_api_operation():
    from opensales.api import urls

    ninja_patterns = next(p for p in urls.urlpatterns if isinstance(p, URLResolver) and p.namespace == "api")
    operation_names = {
        f"api:{p.name}"
        for p in ninja_patterns.url_patterns
        if p.name and getattr(p.callback.__wrapped__, "__qualname__", "").startswith("PathView.")
    }
    assert set(API_EXEMPT) == operation_names
    assert set(API_EXEMPT) | {row.route for row in UI_ROWS} == API_APP_ROUTES
