"""`GET /api/v1/search`: grouped results in the caller's scope, exact values, pinned query counts. The
persona × endpoint statuses are in tests/test_api_matrix.py (rows from tests/matrix_rows.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from opensales.api.tests.helpers import Api, assert_error
from opensales.org.models import Department, Employee

pytestmark = pytest.mark.django_db


def emp(username: str) -> Employee:
    return Employee.objects.unscoped(reason="test").get(user__username=username)


def dept(code: str) -> Department:
    return Department.objects.unscoped(reason="test").get(code=code)


def item(username: str, title: str, subtitle: str) -> dict:
    pk = emp(username).pk
    return {"id": pk, "title": title, "subtitle": subtitle, "url": f"/org/employees/{pk}/"}


def test_mounted_at_the_api_root(search_url):
    assert search_url == reverse("api:search_records") == "/api/v1/search"


def test_rep_finds_his_team(cast, search_url):
    response = Api(cast["rep_sh1"]).get(search_url, {"q": "上海"})
    assert response.status_code == 200
    sh = dept("SH")
    assert response.json() == {
        "q": "上海",
        "groups": [
            {
                "type": "departments",
                "label": "部门",
                "count": 1,
                "items": [
                    {
                        "id": sh.pk,
                        "title": "上海团队",
                        "subtitle": "华东大区 · SH",
                        "url": f"/org/employees/?department={sh.pk}",
                    }
                ],
            },
            {
                "type": "employees",
                "label": "员工",
                "count": 3,
                "items": [
                    item("rep_sh2", "刘洋", "销售代表 · 上海团队"),
                    item("rep_sh1", "张伟", "销售代表 · 上海团队"),
                    item("lead_sh", "陈静", "上海团队主管 · 上海团队"),
                ],
            },
        ],
    }


def test_out_of_scope_is_simply_absent(cast, search_url):
    assert Api(cast["rep_sh1"]).get(search_url, {"q": "徐丽"}).json() == {"q": "徐丽", "groups": []}
    body = Api(cast["director"]).get(search_url, {"q": "徐丽"}).json()
    assert body["groups"] == [
        {
            "type": "employees",
            "label": "员工",
            "count": 1,
            "items": [item("rep_gz1", "徐丽", "销售代表 · 广州团队")],
        }
    ]


def test_types_limit_offset_and_english_labels(cast, search_url):
    api = Api(cast["director"], HTTP_ACCEPT_LANGUAGE="en")
    body = api.get(search_url, {"q": "tuandui", "types": "departments", "limit": 2, "offset": 1}).json()
    assert body == {
        "q": "tuandui",
        "groups": [
            {
                "type": "departments",
                "label": "Departments",
                "count": 5,
                "items": [
                    {
                        "id": dept(code).pk,
                        "title": title,
                        "subtitle": f"{region} · {code}",
                        "url": f"/org/employees/?department={dept(code).pk}",
                    }
                    for code, title, region in [
                        ("BJ", "北京团队", "华北大区"),
                        ("GZ", "广州团队", "华南大区"),
                    ]
                ],
            }
        ],
    }


def test_pinyin_initials_and_phone(cast, search_url):
    from opensales.org import services

    services.employee_update(actor=None, employee=emp("rep_sh2"), mobile="13912345678")
    api = Api(cast["rep_sh1"], session=True)
    for query in ("zw", "zhang wei", "zhangw"):
        body = api.get(search_url, {"q": query}).json()
        assert [(g["type"], [i["title"] for i in g["items"]]) for g in body["groups"]] == [
            ("employees", ["张伟"])
        ]
    body = api.get(search_url, {"q": "5678"}).json()
    assert [(g["type"], [i["title"] for i in g["items"]]) for g in body["groups"]] == [
        ("employees", ["刘洋"])
    ]
    assert api.get(search_url, {"q": "345678"}).json()["groups"] == []  # needs the unmask grant


def test_errors(cast, search_url):
    assert_error(Api(None).get(search_url, {"q": "张伟"}), 401, "unauthenticated")
    api = Api(cast["director"])
    assert_error(api.get(search_url), 422, "invalid", fields={"q"})
    assert_error(api.get(search_url, {"q": ""}), 422, "invalid", fields={"q"})
    assert_error(api.get(search_url, {"q": "张伟", "limit": 51}), 422, "invalid", fields={"limit"})
    body = assert_error(
        api.get(search_url, {"q": "张伟", "types": "employees,nope"}), 422, "invalid", {"types"}
    )
    from opensales.search.registry import search_types

    keys = ", ".join(sorted(t.key for t in search_types()))
    assert body["fields"]["types"] == [f"未知的类型“nope”。可用的类型：{keys}。"]


def test_query_count(cast, search_url, django_assert_num_queries):
    from opensales.api.tests.helpers import token_for

    token = token_for(cast["rep_sh1"])
    api = Api(None, HTTP_AUTHORIZATION=f"Bearer {token}")
    api.get(search_url, {"q": "上海"})  # warm the content-type cache
    # the access stamp (the process keeps the token and its user, the user's grants, the people of their
    # reach and the records shared with them: core/access_stamp.py), the search
    with django_assert_num_queries(2):
        response = api.get(search_url, {"q": "zhang wei"})
    assert response.status_code == 200
