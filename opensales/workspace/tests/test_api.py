"""The generic API of workspace models, on employees: filters shared with the list page, scope, the
form's validation, the version check, and pinned query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opensales.api.tests.helpers import Api, assert_error
from opensales.org import services
from opensales.org.models import Employee

pytestmark = pytest.mark.django_db
URL = "/api/v1/employees"


@pytest.fixture(autouse=True)
def fresh_throttles():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def cast(cast):
    for user in cast.values():
        user.refresh_from_db()
    return cast


def employee(username: str) -> Employee:
    return Employee.objects.unscoped(reason="test").select_related("user").get(user__username=username)


def test_list_uses_the_list_pages_filters_and_scope(cast, departments):
    body = Api(cast["director"]).get(URL, {"department": departments["SH"].pk, "sort": "-username"}).json()
    assert [i["username"] for i in body["items"]] == ["rep_sh2", "rep_sh1", "lead_sh"]
    assert body["count"] == 3
    item = body["items"][0]
    assert item["id"] == employee("rep_sh2").pk and item["version"] == 1
    assert item["department"] == "上海团队" and item["mobile"].count("*") >= 4  # masked as on the page
    mine = Api(cast["rep_sh1"]).get(URL).json()
    assert {i["username"] for i in mine["items"]} == {"rep_sh1", "rep_sh2", "lead_sh"}
    assert {i["username"] for i in Api(cast["director"]).get(URL, {"q": "zw"}).json()["items"]} >= {"rep_sh1"}


def test_list_rejects_bad_filters_with_the_error_shape(cast):
    response = Api(cast["director"]).get(URL, {"hire_date_after": "soon"})
    assert_error(response, 422, "invalid", {"hire_date_after"})


def test_detail_scope(cast):
    far = employee("rep_gz1")
    assert_error(Api(cast["rep_sh1"]).get(f"{URL}/{far.pk}"), 404, "not_found")
    assert Api(cast["director"]).get(f"{URL}/{far.pk}").json()["username"] == "rep_gz1"


def test_create_validates_like_the_form(cast, departments):
    api = Api(cast["admin"])
    bad = api.post(
        URL, {"username": "new1", "full_name": "", "password": "123", "department": departments["SH"].pk}
    )
    body = assert_error(bad, 422, "invalid")
    assert {"full_name", "password"} <= set(body["fields"])
    good = api.post(
        URL,
        {
            "username": "new1",
            "full_name": "新同事",
            "password": "A-long-and-unusual-pass-93",
            "department": departments["SH"].pk,
            "title": "销售代表",
        },
    )
    assert good.status_code == 201, good.content
    assert good.json()["name"] == "新同事" and good.json()["department"] == "上海团队"
    # A department outside the creator's reach is "not a valid choice", as in the form.
    outside = Api(cast["manager_east"]).post(URL, {"username": "x", "full_name": "x"})
    assert outside.status_code == 403  # managers may not add employees at all


def test_patch_needs_the_version_and_detects_a_stale_one(cast):
    rep = employee("rep_sh1")
    api = Api(cast["admin"])
    assert_error(api.patch(f"{URL}/{rep.pk}", {"title": "A"}), 422, "invalid", {"version"})
    assert_error(api.patch(f"{URL}/{rep.pk}", {"nonsense": 1, "version": 1}), 422, "invalid", {"nonsense"})
    done = api.patch(f"{URL}/{rep.pk}", {"title": "高级销售代表", "version": rep.version})
    assert done.status_code == 200, done.content
    assert done.json()["title"] == "高级销售代表" and done.json()["version"] == rep.version + 1
    # Unchanged fields keep their values (a PATCH is not a PUT).
    fresh = employee("rep_sh1")
    assert fresh.department_id == rep.department_id and fresh.user.full_name == rep.user.full_name
    stale = api.patch(f"{URL}/{rep.pk}", {"title": "过期的修改", "version": rep.version})
    assert_error(stale, 409, "conflict", {"version"})
    assert employee("rep_sh1").title == "高级销售代表"


def test_patch_out_of_scope_and_read_only_token(cast):
    rep = employee("rep_sh1")
    assert Api(cast["rep_sh2"]).patch(f"{URL}/{rep.pk}", {"title": "x", "version": 1}).status_code in (
        403,
        404,
    )
    read_only = Api(cast["admin"], scope="read").patch(f"{URL}/{rep.pk}", {"title": "x", "version": 1})
    assert read_only.status_code == 403


def test_no_delete_for_employees(cast):
    # Employees leave by deactivation: the model opts out of delete, so the route does not exist.
    rep = employee("rep_sh1")
    assert Api(cast["admin"]).delete(f"{URL}/{rep.pk}").status_code == 405


def test_list_query_count_is_flat(cast, departments):
    api = Api(cast["director"])
    api.get(URL)
    with CaptureQueriesContext(connection) as small:
        assert api.get(URL).status_code == 200
    for i in range(10):
        services.employee_create(
            actor=None, username=f"more{i}", full_name=f"更多{i}", department=departments["BJ"]
        )
    api.get(URL)  # staff changed: the grants are read again once, then kept (core/access_stamp.py)
    with CaptureQueriesContext(connection) as large:
        assert api.get(URL).status_code == 200
    assert len(large) == len(small)
