"""The search pages: the Ctrl-K box in the top bar, its suggestions fragment and the full results page,
per persona, with pinned query counts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from opensales.org.models import Employee

pytestmark = pytest.mark.django_db

RESULT = re.compile(r'data-result="([^"]+)"')
TITLE = re.compile(r'<span class="search-hit-title">([^<]+)</span>')


def results(response) -> list[str]:
    return RESULT.findall(response.content.decode())


def employee_id(username: str) -> int:
    return Employee.objects.unscoped(reason="test").get(user__username=username).pk


def ids(*usernames: str) -> list[str]:
    return [f"employees:{employee_id(u)}" for u in usernames]


def test_the_top_bar_has_the_search_button_and_box(as_user):
    html = as_user("rep_sh1").get(reverse("core:home")).content.decode()
    assert html.count('data-testid="search-open"') == 2  # phone and desktop top bars
    assert 'href="/search/"' in html
    assert 'aria-keyshortcuts="Control+K"' in html
    assert "<template data-search-template>" in html
    assert 'hx-get="/search/suggest/"' in html
    assert re.search(r'<script nonce="[^"]+" src="/static/search/search.js" defer>', html)


def test_the_box_is_translated(as_user):
    client = as_user("rep_sh1")
    html = client.get(reverse("core:home")).content.decode()
    assert "搜索…" in html
    client.cookies["opensales_language"] = "en"
    html = client.get(reverse("core:home")).content.decode()
    assert "Search…" in html


def test_suggestions_for_rep(as_user):
    response = as_user("rep_sh1").get(reverse("search:suggest"), {"q": "上海"})
    assert response.status_code == 200
    html = response.content.decode()
    assert results(response) == [
        f"departments:{_dept_pk('SH')}",
        *ids("rep_sh2", "rep_sh1", "lead_sh"),
    ]
    assert TITLE.findall(html) == ["上海团队", "刘洋", "张伟", "陈静"]
    assert "部门" in html and "员工" in html
    assert 'href="/search/?q=%E4%B8%8A%E6%B5%B7"' in html


def _dept_pk(code: str) -> int:
    from opensales.org.models import Department

    return Department.objects.unscoped(reason="test").get(code=code).pk


@pytest.mark.parametrize(
    ("persona", "query", "expected"),
    [
        ("rep_sh1", "zw", ["rep_sh1"]),
        ("rep_sh1", "徐丽", []),
        ("rep_gz1", "徐丽", ["rep_gz1"]),
        ("director", "徐丽", ["rep_gz1"]),
        ("director", "xl", ["rep_gz1"]),
    ],
)
def test_suggestions_follow_the_scope(as_user, persona, query, expected):
    response = as_user(persona).get(reverse("search:suggest"), {"q": query})
    assert results(response) == ids(*expected)


def test_no_suggestions_and_the_hint(as_user):
    client = as_user("rep_sh1")
    html = client.get(reverse("search:suggest"), {"q": "徐丽"}).content.decode()
    assert 'data-testid="search-empty"' in html
    assert "没有找到与“徐丽”相关的结果。" in html
    html = client.get(reverse("search:suggest"), {"q": ""}).content.decode()
    assert 'class="search-hint"' in html


def test_query_text_is_escaped(as_user):
    html = as_user("rep_sh1").get(reverse("search:suggest"), {"q": "<script>x</script>"}).content.decode()
    assert "<script>x" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_signed_out_suggestions_say_so(client):
    response = client.get(reverse("search:suggest"), {"q": "张伟"}, HTTP_HOST="localhost")
    assert response.status_code == 200
    assert results(response) == []
    assert 'href="/accounts/login/"' in response.content.decode()


def test_signed_out_search_page_redirects(client):
    response = client.get(reverse("search:search"), {"q": "张伟"}, HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_search_page_groups(as_user):
    response = as_user("director").get(reverse("search:search"), {"q": "团队"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'data-testid="search-group" data-type="([^"]+)"', html) == ["departments", "employees"]
    assert len([r for r in results(response) if r.startswith("employees:")]) == 10
    assert len([r for r in results(response) if r.startswith("departments:")]) == 5
    assert 'href="?q=%E5%9B%A2%E9%98%9F&amp;type=employees"' in html  # 13 employees: "show all"
    assert "显示全部 13 条" in html


def test_search_page_pages_through_one_type(as_user, cast):
    from opensales.org import services
    from opensales.org.models import Department

    sh = Department.objects.unscoped(reason="test").get(code="SH")
    for i in range(30):
        services.employee_create(actor=None, username=f"zw{i:02d}", full_name="张伟", department=sh)
    client = as_user("director")
    first = client.get(reverse("search:search"), {"q": "张伟", "type": "employees"})
    second = client.get(reverse("search:search"), {"q": "张伟", "type": "employees", "page": 2})
    assert len(results(first)) == 25 and len(results(second)) == 6
    assert set(results(first)).isdisjoint(results(second))
    assert "第 1–25 条，共 31 条" in first.content.decode()
    assert "第 26–31 条，共 31 条" in second.content.decode()
    assert 'rel="next"' in first.content.decode() and 'rel="prev"' not in first.content.decode()
    assert 'rel="prev"' in second.content.decode() and 'rel="next"' not in second.content.decode()


def test_search_page_empty_and_without_query(as_user):
    client = as_user("rep_sh1")
    assert (
        'data-testid="search-empty"' in client.get(reverse("search:search"), {"q": "徐丽"}).content.decode()
    )
    response = client.get(reverse("search:search"))
    assert response.status_code == 200
    assert results(response) == []


def test_search_page_in_english(as_user):
    client = as_user("rep_sh1")
    client.cookies["opensales_language"] = "en"
    html = client.get(reverse("search:search"), {"q": "上海"}).content.decode()
    assert ">Departments<" in html and ">Employees<" in html
    html = client.get(reverse("search:search"), {"q": "徐丽"}).content.decode()
    assert "Nothing found for “徐丽”." in html


def test_unknown_or_unviewable_type_shows_every_type(as_user):
    response = as_user("rep_sh1").get(reverse("search:search"), {"q": "上海", "type": "nope"})
    assert results(response)[0].startswith("departments:")


def test_query_counts(as_user, django_assert_num_queries):
    client = as_user("rep_sh1")
    client.get(reverse("search:suggest"), {"q": "上海"})  # warm the content-type cache
    # session, user, the access stamp (the process keeps the user's grants, the people of their reach
    # and the records shared with them: core/access_stamp.py), the search
    with django_assert_num_queries(4):
        client.get(reverse("search:suggest"), {"q": "zhang wei"})
    with django_assert_num_queries(4):
        client.get(reverse("search:suggest"), {"q": "团队"})


def test_search_page_query_count(as_user, django_assert_num_queries):
    client = as_user("rep_sh1")
    client.get(reverse("search:search"), {"q": "上海"})  # warm the content-type cache
    # The 4 of the suggestions, then the page around them: the menu's operator check, the bell's
    # unread count (the user menu's employee title comes with the scope's grants).
    with django_assert_num_queries(6):
        client.get(reverse("search:search"), {"q": "zhang wei"})
    with django_assert_num_queries(6):
        client.get(reverse("search:search"), {"q": "团队", "type": "employees", "page": 1})
