"""The organization over the API: the same services, permissions and scope as the pages, exact values,
and pinned query counts. The persona × endpoint matrix is in tests/test_api_matrix.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from opensales.api.models import ApiToken
from opensales.api.tests.helpers import Api, assert_error, token_for
from opensales.audit.models import AuditEvent
from opensales.core.actions import Action as A
from opensales.core.actions import DataScope as S
from opensales.org import services
from opensales.org.models import Department, Employee, Role

pytestmark = pytest.mark.django_db

User = get_user_model()
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DEPARTMENTS = "/api/v1/departments"
USERS = "/api/v1/users"
ROLES = "/api/v1/roles"


@pytest.fixture(autouse=True)
def fresh_throttles():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def cast(cast):
    for user in cast.values():
        user.refresh_from_db()
    return cast


def dept(code: str) -> Department:
    return Department.objects.unscoped(reason="test").get(code=code)


def employee(username: str) -> Employee:
    return Employee.objects.unscoped(reason="test").select_related("user").get(user__username=username)


def uid(username: str) -> int:
    return User.objects.get(username=username).pk


def usernames(items) -> list[str]:
    return [item["username"] for item in items]


def give_role(user, code: str, grants: dict[str, tuple[list[str], str]]) -> Role:
    role = services.role_save(
        actor=None,
        code=code,
        name_zh=code,
        name_en=code,
        grants={label: (actions, scope, []) for label, (actions, scope) in grants.items()},
    )
    user.roles.add(role)
    return role


@pytest.fixture
def hr_east(cast):
    """manager_east with an extra role: employees and departments of 华东 (view/add/change/unmask), no
    role assignment."""
    give_role(
        cast["manager_east"],
        "hr_east",
        {
            "org.employee": ([A.VIEW, A.ADD, A.CHANGE, A.UNMASK], S.DEPT_AND_CHILD),
            "org.department": ([A.VIEW, A.ADD, A.CHANGE], S.DEPT_AND_CHILD),
        },
    )
    return Api(cast["manager_east"])


# --- Departments ----------------------------------------------------------------------------------


def test_department_detail_exact(cast):
    sh = dept("SH")
    response = Api(cast["rep_sh1"]).get(f"{DEPARTMENTS}/{sh.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "id": sh.pk,
        "name": "上海团队",
        "code": "SH",
        "parent": dept("EAST").pk,
        "path": f"/{dept('HQ').pk}/{dept('EAST').pk}/{sh.pk}/",
        "depth": 2,
        "head": {"id": uid("lead_sh"), "username": "lead_sh", "full_name": "陈静"},
        "sort_order": 0,
        "is_active": True,
        "version": 1,
    }


def test_department_list_is_the_view_scope_in_path_order(cast):
    body = Api(cast["manager_east"]).get(DEPARTMENTS).json()
    assert body["count"] == 3
    assert [d["code"] for d in body["items"]] == ["EAST", "SH", "HZ"]  # by path: /1/2/, /1/2/3/, /1/2/4/
    assert [d["path"] for d in body["items"]] == sorted(d["path"] for d in body["items"])


def test_create_department_goes_through_the_service_and_is_audited(cast):
    response = Api(cast["admin"]).post(
        DEPARTMENTS, {"name": " 苏州团队 ", "code": "SZH", "parent": dept("EAST").pk, "head": uid("rep_sh1")}
    )
    assert response.status_code == 201
    new = Department.objects.unscoped(reason="test").get(code="SZH")
    assert response.json() == {
        "id": new.pk,
        "name": "苏州团队",
        "code": "SZH",
        "parent": dept("EAST").pk,
        "path": f"{dept('EAST').path}{new.pk}/",
        "depth": 2,
        "head": {"id": uid("rep_sh1"), "username": "rep_sh1", "full_name": "张伟"},
        "sort_order": 0,
        "is_active": True,
        "version": 1,
    }
    event = AuditEvent.objects.filter(action="department.create").order_by("id").last()
    assert (event.actor_username, event.object_id, event.changes) == (
        "admin",
        str(new.pk),
        {"name": "苏州团队", "parent": dept("EAST").pk},
    )


def test_create_department_validates_uniqueness_and_choices(cast):
    api = Api(cast["admin"])
    duplicate = assert_error(api.post(DEPARTMENTS, {"name": "X", "code": "SH"}, **EN), 422, "invalid")
    assert duplicate["fields"] == {
        "__all__": ["Constraint “uniq_department_code” is violated."]
    }  # as in the UI
    bad = assert_error(api.post(DEPARTMENTS, {"name": "X", "parent": 99999}, **EN), 422, "invalid")
    assert bad["fields"] == {"parent": ["Select a valid choice."]}
    assert_error(api.post(DEPARTMENTS, {"name": "X", "head": 99999}), 422, "invalid", {"head"})


def test_a_limited_department_editor_works_inside_the_subtree_only(cast, hr_east):
    gz_parent = assert_error(
        hr_east.post(DEPARTMENTS, {"name": "X", "parent": dept("GZ").pk}), 422, "invalid"
    )
    assert set(gz_parent["fields"]) == {"parent"}
    no_parent = assert_error(hr_east.post(DEPARTMENTS, {"name": "X"}, **EN), 422, "invalid")
    assert no_parent["fields"] == {"parent": ["This field is required."]}
    assert hr_east.post(DEPARTMENTS, {"name": "浦东组", "parent": dept("SH").pk}).status_code == 201
    assert_error(hr_east.patch(f"{DEPARTMENTS}/{dept('GZ').pk}", {"name": "X"}), 404, "not_found")
    assert hr_east.patch(f"{DEPARTMENTS}/{dept('SH').pk}", {"name": "上海一队"}).json()["name"] == "上海一队"
    south = assert_error(
        hr_east.post(f"{DEPARTMENTS}/{dept('HZ').pk}/move", {"parent": dept("SOUTH").pk}), 422, "invalid"
    )
    assert set(south["fields"]) == {"parent"}
    top = assert_error(hr_east.post(f"{DEPARTMENTS}/{dept('HZ').pk}/move", {"parent": None}), 422, "invalid")
    assert set(top["fields"]) == {"parent"}
    moved = hr_east.post(f"{DEPARTMENTS}/{dept('HZ').pk}/move", {"parent": dept("SH").pk})
    assert moved.status_code == 200
    assert (moved.json()["parent"], moved.json()["depth"]) == (dept("SH").pk, 3)
    assert hr_east.delete(f"{DEPARTMENTS}/{dept('SH').pk}").status_code == 403  # no delete grant


def test_update_department_partially_with_an_optional_version_check(cast):
    api = Api(cast["admin"])
    sh = dept("SH")
    response = api.patch(f"{DEPARTMENTS}/{sh.pk}", {"sort_order": 5, "head": None, "version": 1})
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["sort_order"], body["head"], body["version"]) == ("上海团队", 5, None, 2)
    stale = assert_error(
        api.patch(f"{DEPARTMENTS}/{sh.pk}", {"name": "X", "version": 1}, **EN), 409, "conflict"
    )
    assert stale["fields"] == {"version": ["The current version is 2."]}
    assert dept("SH").name == "上海团队"
    assert api.patch(f"{DEPARTMENTS}/{sh.pk}", {"name": "上海一队"}).json()["version"] == 3
    assert_error(api.patch(f"{DEPARTMENTS}/{sh.pk}", {"name": None}), 422, "invalid", {"name"})
    assert AuditEvent.objects.filter(action="department.update").count() == 2


def test_move_department_and_its_subtree(cast):
    api = Api(cast["admin"])
    response = api.post(f"{DEPARTMENTS}/{dept('EAST').pk}/move", {"parent": dept("SOUTH").pk})
    assert response.status_code == 200
    assert response.json()["path"] == f"{dept('SOUTH').path}{dept('EAST').pk}/"
    assert dept("SH").path == f"{dept('SOUTH').path}{dept('EAST').pk}/{dept('SH').pk}/"
    loop = assert_error(
        api.post(f"{DEPARTMENTS}/{dept('SOUTH').pk}/move", {"parent": dept("SH").pk}, **EN), 422, "invalid"
    )
    assert loop["fields"] == {
        "parent": ["A department cannot be moved under itself or its own sub-department."]
    }
    assert api.post(f"{DEPARTMENTS}/{dept('EAST').pk}/move", {"parent": None}).json()["depth"] == 0
    assert_error(api.post(f"{DEPARTMENTS}/{dept('EAST').pk}/move", {}), 422, "invalid", {"parent"})


def test_delete_department(cast):
    api = Api(cast["admin"])
    empty = services.department_create(actor=None, name="空部门", parent=dept("HQ"))
    response = api.delete(f"{DEPARTMENTS}/{empty.pk}")
    assert (response.status_code, response.content) == (204, b"")
    assert not Department.objects.unscoped(reason="test").filter(pk=empty.pk).exists()
    assert AuditEvent.objects.filter(action="department.delete", object_id=str(empty.pk)).count() == 1
    assert_error(api.delete(f"{DEPARTMENTS}/{empty.pk}"), 404, "not_found")


# --- Users ----------------------------------------------------------------------------------------


def test_user_detail_exact_with_the_mobile_masked(cast):
    person = employee("rep_sh2")
    body = Api(cast["rep_sh1"]).get(f"{USERS}/{person.user_id}").json()
    assert body == {
        "id": person.user_id,
        "username": "rep_sh2",
        "full_name": "刘洋",
        "email": "rep_sh2@example.com",
        "department": {"id": dept("SH").pk, "name": "上海团队"},
        "manager": {"id": uid("lead_sh"), "username": "lead_sh", "full_name": "陈静"},
        "title": "销售代表",
        "mobile": f"{person.mobile[:3]}****{person.mobile[-4:]}",
        "employee_no": "E1007",
        "hire_date": person.hire_date.isoformat(),
        "status": "active",
        "is_active": True,
        "roles": [{"id": Role.objects.get(code="sales_rep").pk, "code": "sales_rep", "name": "销售代表"}],
        "version": 1,
    }
    assert person.mobile not in Api(cast["admin"]).get(USERS).content.decode()  # masked for admins too


def test_role_names_follow_the_language(cast):
    body = Api(cast["rep_sh1"]).get(f"{USERS}/{uid('rep_sh2')}", **EN).json()
    assert body["roles"][0]["name"] == "Sales representative"


def test_user_filters_as_on_the_employees_page(cast):
    api = Api(cast["manager_east"])
    assert usernames(api.get(USERS, {"q": "REP_SH"}).json()["items"]) == ["rep_sh1", "rep_sh2"]
    assert usernames(api.get(USERS, {"q": "陈"}).json()["items"]) == ["lead_sh"]
    assert usernames(api.get(USERS, {"department": dept("HZ").pk}).json()["items"]) == [
        "lead_hz",
        "rep_hz1",
        "rep_hz2",
    ]
    assert api.get(USERS, {"department": dept("EAST").pk}).json()["count"] == 7
    services.user_set_active(actor=None, user=cast["rep_hz2"], active=False)
    assert usernames(api.get(USERS, {"status": "left"}).json()["items"]) == ["rep_hz2"]
    assert api.get(USERS, {"status": "active"}).json()["count"] == 6
    assert usernames(api.get(USERS, {"status": "left", "department": dept("SH").pk}).json()["items"]) == []
    outside = assert_error(api.get(USERS, {"department": dept("GZ").pk}, **EN), 422, "invalid")
    assert outside["fields"] == {"department": ["Select a valid choice."]}
    assert_error(api.get(USERS, {"status": "gone"}), 422, "invalid", {"status"})


def test_create_user_exact(cast):
    api = Api(cast["admin"])
    response = api.post(
        USERS,
        {
            "username": "newbie",
            "full_name": "新同事",
            "password": "Tr1cky-Pass-2026",
            "email": "new@example.com",
            "department": dept("SH").pk,
            "manager": uid("lead_sh"),
            "title": "销售代表",
            "mobile": "13900001111",
            "hire_date": "2026-01-05",
            "roles": [Role.objects.get(code="sales_rep").pk],
        },
    )
    assert response.status_code == 201
    new = User.objects.get(username="newbie")
    assert new.check_password("Tr1cky-Pass-2026")
    body = response.json()
    assert body == {
        "id": new.pk,
        "username": "newbie",
        "full_name": "新同事",
        "email": "new@example.com",
        "department": {"id": dept("SH").pk, "name": "上海团队"},
        "manager": {"id": uid("lead_sh"), "username": "lead_sh", "full_name": "陈静"},
        "title": "销售代表",
        "mobile": "139****1111",
        "employee_no": "",
        "hire_date": "2026-01-05",
        "status": "active",
        "is_active": True,
        "roles": [{"id": Role.objects.get(code="sales_rep").pk, "code": "sales_rep", "name": "销售代表"}],
        "version": 1,
    }
    event = AuditEvent.objects.get(action="employee.create", actor_username="admin")
    assert event.changes["mobile"] == "139****1111" and event.changes["roles"] == ["sales_rep"]


def test_create_user_validation(cast):
    api = Api(cast["admin"])
    base = {"username": "newbie", "full_name": "新同事", "password": "Tr1cky-Pass-2026"}
    weak = assert_error(api.post(USERS, {**base, "password": "12345"}, **EN), 422, "invalid", {"password"})
    assert "This password is too short." in weak["fields"]["password"][0]
    taken = assert_error(api.post(USERS, {**base, "username": "rep_sh1"}, **EN), 422, "invalid")
    assert taken["fields"] == {"username": ["A user with that username already exists."]}
    assert_error(api.post(USERS, {**base, "email": "not-an-email"}), 422, "invalid", {"email"})
    assert_error(api.post(USERS, {**base, "roles": [99999]}), 422, "invalid", {"roles"})
    assert_error(api.post(USERS, {**base, "manager": 99999}), 422, "invalid", {"manager"})
    assert not User.objects.filter(username="newbie").exists()


def test_a_limited_employee_editor(cast, hr_east):
    base = {"username": "newbie", "full_name": "新同事", "password": "Tr1cky-Pass-2026"}
    assert_error(hr_east.post(USERS, base), 422, "invalid", {"department"})  # required: not an "all" grant
    assert_error(hr_east.post(USERS, {**base, "department": dept("GZ").pk}), 422, "invalid", {"department"})
    roles = {**base, "department": dept("SH").pk, "roles": [Role.objects.get(code="sales_rep").pk]}
    assert_error(hr_east.post(USERS, roles), 403, "forbidden")  # no assign on roles
    assert hr_east.post(USERS, {**base, "department": dept("SH").pk}).status_code == 201
    assert hr_east.patch(f"{USERS}/{uid('rep_sh2')}", {"version": 1, "title": "高级销售"}).status_code == 200
    assert_error(hr_east.patch(f"{USERS}/{uid('rep_gz1')}", {"version": 1, "title": "X"}), 404, "not_found")
    denied = AuditEvent.objects.filter(action="access.denied").order_by("id").last()
    assert (denied.actor_username, denied.object_id) == ("manager_east", str(employee("rep_gz1").pk))
    assert_error(hr_east.post(f"{USERS}/{uid('rep_gz1')}/unmask"), 404, "not_found")
    assert_error(hr_east.put(f"{USERS}/{uid('rep_sh2')}/roles", {"roles": []}), 403, "forbidden")
    move_out = hr_east.patch(f"{USERS}/{uid('rep_sh2')}", {"version": 2, "department": dept("GZ").pk})
    assert_error(move_out, 422, "invalid", {"department"})


def test_update_user_with_the_version_check(cast):
    api = Api(cast["admin"])
    target = uid("rep_sh2")
    response = api.patch(
        f"{USERS}/{target}",
        {
            "version": 1,
            "full_name": "刘洋洋",
            "title": "高级销售",
            "department": dept("HZ").pk,
            "mobile": "13800002222",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (
        body["full_name"],
        body["title"],
        body["department"]["name"],
        body["mobile"],
        body["version"],
    ) == (
        "刘洋洋",
        "高级销售",
        "杭州团队",
        "138****2222",
        2,
    )
    assert body["email"] == "rep_sh2@example.com"  # not sent, not changed
    assert employee("rep_sh2").mobile == "13800002222"
    stale = api.patch(f"{USERS}/{target}", {"version": 1, "title": "X"})
    assert_error(stale, 409, "conflict", {"version"})
    assert employee("rep_sh2").title == "高级销售"
    assert_error(api.patch(f"{USERS}/{target}", {"title": "X"}), 422, "invalid", {"version"})
    assert_error(
        api.patch(f"{USERS}/{target}", {"version": 2, "manager": target}), 422, "invalid", {"manager"}
    )
    assert api.patch(f"{USERS}/{target}", {"version": 2, "manager": None}).json()["manager"] is None
    event = AuditEvent.objects.filter(action="employee.update").order_by("id").first()
    assert event.changes["mobile"] == [
        event.changes["mobile"][0],
        "138****2222",
    ] and "13800002222" not in str(event.changes)


def test_deactivate_and_activate(cast):
    api = Api(cast["admin"])
    target = uid("rep_sh2")
    secret = token_for(cast["rep_sh2"])
    body = api.post(f"{USERS}/{target}/deactivate").json()
    assert (body["is_active"], body["status"]) == (False, "left")
    assert_error(Api(HTTP_AUTHORIZATION=f"Bearer {secret}").get(USERS), 401, "invalid_token")
    body = api.post(f"{USERS}/{target}/activate").json()
    assert (body["is_active"], body["status"]) == (True, "active")
    assert list(
        AuditEvent.objects.filter(action__in=["user.activate", "user.deactivate"])
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "user.deactivate",
        "user.activate",
    ]
    own = assert_error(api.post(f"{USERS}/{uid('admin')}/deactivate", **EN), 422, "invalid")
    assert own["fields"] == {"__all__": ["You cannot deactivate your own account."]}


def test_only_a_superuser_manages_a_superuser(cast):
    root = services.employee_create(actor=None, username="root", full_name="Root", department=dept("HQ")).user
    User.objects.filter(pk=root.pk).update(is_superuser=True)
    api = Api(cast["admin"])
    assert api.get(f"{USERS}/{root.pk}").status_code == 200
    assert_error(api.post(f"{USERS}/{root.pk}/deactivate"), 403, "forbidden")
    assert_error(api.put(f"{USERS}/{root.pk}/roles", {"roles": []}), 403, "forbidden")


def test_set_roles_replaces_them_and_needs_assign_and_change(cast):
    api = Api(cast["admin"])
    manager, rep = Role.objects.get(code="sales_manager"), Role.objects.get(code="sales_rep")
    body = api.put(f"{USERS}/{uid('rep_sh2')}/roles", {"roles": [manager.pk, rep.pk]}).json()
    assert [r["code"] for r in body["roles"]] == ["sales_manager", "sales_rep"]
    assert set(cast["rep_sh2"].roles.values_list("code", flat=True)) == {"sales_manager", "sales_rep"}
    event = AuditEvent.objects.get(action="user.set_roles")
    assert event.changes == {"roles": [["sales_rep"], ["sales_manager", "sales_rep"]]}
    assert_error(api.put(f"{USERS}/{uid('rep_sh2')}/roles", {"roles": [99999]}), 422, "invalid", {"roles"})
    assert_error(api.put(f"{USERS}/{uid('rep_sh2')}/roles", {}), 422, "invalid", {"roles"})


def test_unmask_reveals_once_audited_and_uncached(cast):
    target = employee("rep_sh2")
    response = Api(cast["admin"]).post(f"{USERS}/{target.user_id}/unmask")
    assert response.status_code == 200
    assert response.json() == {"mobile": target.mobile}
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="employee.unmask")
    assert (event.actor_username, event.object_id, event.changes) == (
        "admin",
        str(target.pk),
        {"field": "mobile"},
    )
    assert_error(Api(cast["director"]).post(f"{USERS}/{target.user_id}/unmask"), 403, "forbidden")


def test_a_user_without_employee_record_is_not_found(cast):
    bare = User.objects.create_user("bare", password="x-long-password-1")
    assert_error(Api(cast["admin"]).get(f"{USERS}/{bare.pk}"), 404, "not_found")


# --- Roles ----------------------------------------------------------------------------------------


def test_role_detail_with_its_grants(cast):
    rep = Role.objects.get(code="sales_rep")
    body = Api(cast["auditor"]).get(f"{ROLES}/{rep.pk}", **EN).json()
    grants = {g["model"]: g for g in body.pop("grants")}
    assert body == {
        "id": rep.pk,
        "code": "sales_rep",
        "name": "Sales representative",
        "name_zh": "销售代表",
        "name_en": "Sales representative",
        "description": "Their own customers and deals.",
        "is_builtin": True,
        "is_active": True,
        "requires_2fa": False,
        "user_count": 11,
    }
    assert grants["org.employee"] == {
        "model": "org.employee",
        "actions": ["view"],
        "scope": "dept",
        "departments": [],
    }
    assert grants["org.department"] == {
        "model": "org.department",
        "actions": ["view"],
        "scope": "self",
        "departments": [],
    }
    assert "org.role" not in grants


def test_role_list(cast):
    body = Api(cast["director"]).get(ROLES).json()
    assert body["count"] == 6
    assert [r["code"] for r in body["items"]] == [
        "administrator",
        "auditor",
        "finance",
        "sales_director",
        "sales_manager",
        "sales_rep",
    ]
    assert {r["code"]: r["user_count"] for r in body["items"]}["sales_manager"] == 5


def test_create_update_and_delete_a_role(cast):
    api = Api(cast["admin"])
    response = api.post(
        ROLES,
        {
            "code": "east_viewer",
            "name_zh": "华东只读",
            "name_en": "East viewer",
            "grants": [
                {
                    "model": "org.employee",
                    "actions": ["view", "export"],
                    "scope": "custom",
                    "departments": [dept("EAST").pk],
                },
                {"model": "org.role", "actions": ["view"]},
            ],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert {g["model"]: (g["actions"], g["scope"], g["departments"]) for g in body["grants"]} == {
        "org.employee": (["view", "export"], "custom", [dept("EAST").pk]),
        "org.role": (["view"], "all", []),
    }
    assert (body["code"], body["is_builtin"], body["user_count"]) == ("east_viewer", False, 0)
    role_id = body["id"]
    patched = api.patch(f"{ROLES}/{role_id}", {"name_en": "East read-only", "requires_2fa": True}).json()
    assert (patched["name_en"], patched["name_zh"], patched["requires_2fa"], len(patched["grants"])) == (
        "East read-only",
        "华东只读",
        True,
        2,
    )
    cleared = api.patch(f"{ROLES}/{role_id}", {"grants": []}).json()
    assert cleared["grants"] == []
    assert api.delete(f"{ROLES}/{role_id}").status_code == 204
    assert not Role.objects.filter(pk=role_id).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="role.", object_id=str(role_id))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["role.create", "role.update", "role.update", "role.delete"]


def test_role_validation(cast):
    api = Api(cast["admin"])
    base = {"code": "x", "name_zh": "甲", "name_en": "X"}
    unknown = assert_error(
        api.post(ROLES, {**base, "grants": [{"model": "shop.thing", "actions": ["view"]}]}, **EN),
        422,
        "invalid",
    )
    assert unknown["fields"] == {"grants.0.model": ["Select a valid choice."]}
    bad_action = api.post(ROLES, {**base, "grants": [{"model": "org.role", "actions": ["unmask"]}]})
    assert_error(bad_action, 422, "invalid", {"grants.0.actions"})
    custom = api.post(
        ROLES, {**base, "grants": [{"model": "org.employee", "actions": ["view"], "scope": "custom"}]}, **EN
    )
    body = assert_error(custom, 422, "invalid")
    assert body["fields"] == {
        "grants.0.departments": ["Choose at least one department for the “chosen departments” scope."]
    }
    twice = [{"model": "org.role", "actions": ["view"]}, {"model": "org.role", "actions": ["add"]}]
    assert_error(api.post(ROLES, {**base, "grants": twice}), 422, "invalid", {"grants.1.model"})
    assert_error(api.post(ROLES, {**base, "code": "not a slug"}), 422, "invalid", {"code"})
    assert_error(api.post(ROLES, {**base, "code": "sales_rep"}), 422, "invalid", {"code"})
    rep = Role.objects.get(code="sales_rep")
    renamed = assert_error(api.patch(f"{ROLES}/{rep.pk}", {"code": "reps"}, **EN), 422, "invalid")
    assert renamed["fields"] == {"code": ["The code of a built-in role cannot change."]}
    builtin = assert_error(api.delete(f"{ROLES}/{rep.pk}", **EN), 422, "invalid")
    assert builtin["fields"] == {"__all__": ["Built-in roles cannot be deleted; deactivate them instead."]}
    assert_error(api.get(f"{ROLES}/99999"), 404, "not_found")
    assert Role.objects.count() == 6


# --- Query counts ---------------------------------------------------------------------------------


def _grow(n: int) -> None:
    """n more employees in 上海团队, each with a role and a manager, and n more departments."""
    rep = Role.objects.get(code="sales_rep")
    for i in range(n):
        services.employee_create(
            actor=None,
            username=f"extra{i}",
            full_name=f"员工{i}",
            department=dept("SH"),
            manager=User.objects.get(username="lead_sh"),
            roles=[rep],
        )
        services.department_create(
            actor=None, name=f"小组{i}", parent=dept("SH"), head=User.objects.get(username="rep_sh1")
        )


LIST_QUERIES = {
    # the access stamp (1: the process keeps the caller's token and grants, core/access_stamp.py)
    # + count + page
    USERS: 4,  # + the roles of the page's users
    DEPARTMENTS: 3,
    ROLES: 3,
    "/api/v1/auth/tokens": 3,  # stamp, count, page
}


@pytest.mark.parametrize("path", list(LIST_QUERIES))
def test_list_queries_do_not_grow_with_the_rows(path, cast, django_assert_num_queries):
    api = Api(cast["admin"])
    api.get(path)  # the first use of the token writes last_used_at
    with django_assert_num_queries(LIST_QUERIES[path]):
        small = api.get(path, {"limit": 200})
    _grow(12)
    for n in range(12):
        token_for(cast["admin"])
    api.get(path)  # staff changed: the grants are read again once, then kept
    with django_assert_num_queries(LIST_QUERIES[path]):
        large = api.get(path, {"limit": 200})
    assert small.status_code == large.status_code == 200
    if path in (USERS, DEPARTMENTS, "/api/v1/auth/tokens"):
        assert large.json()["count"] == small.json()["count"] + 12
    assert len(large.json()["items"]) == large.json()["count"]


def test_a_limited_callers_list_costs_the_same(cast, django_assert_num_queries):
    api = Api(cast["manager_east"])
    sh = dept("SH").pk
    api.get(USERS, {"department": sh})  # warms the content-type cache of the scope filter
    # with the people of the reach and the records shared with the caller, read once (core/scope.py)
    with django_assert_num_queries(4):
        assert api.get(USERS).json()["count"] == 7
    with django_assert_num_queries(5):  # + the department filter's lookup
        assert api.get(USERS, {"department": sh}).json()["count"] == 3


DETAIL_QUERIES = {"user": 3, "department": 2, "role": 4}


def test_detail_queries(cast, django_assert_num_queries):
    api = Api(cast["admin"])
    paths = {
        "user": f"{USERS}/{uid('rep_sh2')}",
        "department": f"{DEPARTMENTS}/{dept('SH').pk}",
        "role": f"{ROLES}/{Role.objects.get(code='sales_rep').pk}",
    }
    api.get(paths["user"])
    for name, path in paths.items():
        with django_assert_num_queries(DETAIL_QUERIES[name]):
            assert api.get(path).status_code == 200


def test_the_session_costs_two_queries_more_than_a_token(cast, django_assert_num_queries):
    api = Api(cast["admin"], session=True)
    api.get(USERS)  # the grants are read once, then kept (core/access_stamp.py)
    with django_assert_num_queries(LIST_QUERIES[USERS] + 2):  # session + user (the token is kept)
        assert api.get(USERS).status_code == 200
    assert ApiToken.objects.count() == 0
