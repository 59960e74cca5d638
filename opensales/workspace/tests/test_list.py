"""The generic list page, on the employee list: filters, sort, columns, paging, htmx partials, scope."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opensales.org.models import Employee
from opensales.org.workspace import EmployeeView
from tests.matrix import row_ids

pytestmark = pytest.mark.django_db

URL = "/org/employees/"


def ids_of(*usernames: str) -> set[str]:
    return {
        str(pk)
        for pk in Employee.objects.unscoped(reason="test")
        .filter(user__username__in=usernames)
        .values_list("pk", flat=True)
    }


def usernames(response) -> list[str]:
    """Usernames of the rows, in page order (the username column is shown by default)."""
    return usernames_in(response.content.decode())


def usernames_in(body: str) -> list[str]:
    ids = re.findall(r'data-row-id="(\d+)"', body)
    by_pk = dict(Employee.objects.unscoped(reason="test").values_list("pk", "user__username"))
    return [by_pk[int(pk)] for pk in ids]


def test_url_is_the_named_route():
    assert reverse("org:employee_list") == URL


def test_filters_combine_with_the_scope(cast, departments, login):
    director, manager = login(cast["director"]), login(cast["manager_east"])
    south = departments["SOUTH"].pk
    got = row_ids(director.get(URL, {"department": south}).content.decode())
    assert got == ids_of("manager_south", "rep_gz1", "rep_gz2", "rep_sz1", "rep_sz2")
    # The manager's department picker does not offer the south, and the filter cannot reach it.
    response = manager.get(URL, {"department": south})
    assert row_ids(response.content.decode()) <= ids_of(
        *[u for u in cast if u.startswith(("rep_sh", "rep_hz"))], "manager_east", "lead_sh", "lead_hz"
    )
    assert "华南大区" not in response.content.decode()


def test_text_filter_uses_the_search_tokens(cast, login):
    client = login(cast["director"])
    for query in ("张伟", "zhangwei", "zw", "rep_sh1"):
        assert ids_of("rep_sh1") <= row_ids(client.get(URL, {"q": query}).content.decode()), query
    assert row_ids(client.get(URL, {"q": "张伟"}).content.decode()) == ids_of("rep_sh1")


def test_date_range_and_bad_input(cast, login):
    rep = Employee.objects.unscoped(reason="t").get(user__username="rep_sh1")
    Employee.objects.unscoped(reason="t").update(hire_date=None)
    Employee.objects.unscoped(reason="t").filter(pk=rep.pk).update(hire_date="2024-03-01")
    client = login(cast["director"])
    got = client.get(URL, {"hire_date_after": "2024-01-01", "hire_date_before": "2024-12-31"})
    assert row_ids(got.content.decode()) == {str(rep.pk)}
    bad = client.get(URL, {"hire_date_after": "yesterday-ish"})
    assert bad.status_code == 200
    assert "invalid-feedback" in bad.content.decode()
    assert row_ids(bad.content.decode()) == set()  # an invalid filter shows nothing rather than everything


def test_sort_by_header_and_unknown_sort(cast, login):
    client = login(cast["director"])
    ascending = usernames(client.get(URL, {"sort": "username"}))
    assert ascending == sorted(ascending)
    descending = usernames(client.get(URL, {"sort": "-username"}))
    assert descending == sorted(descending, reverse=True)
    # Sorting by something that is not a sortable column falls back to the default sort.
    assert client.get(URL, {"sort": "password"}).status_code == 200
    body = client.get(URL, {"sort": "username"}).content.decode()
    assert 'aria-sort="ascending"' in body and "sort=-username" in body


def test_column_chooser(cast, login):
    client = login(cast["director"])
    body = client.get(URL, {"cols": "email,hire_date"}).content.decode()
    assert 'data-testid="sort-email"' in body and 'data-testid="sort-hire_date"' in body
    assert 'data-testid="sort-username"' not in body
    assert 'data-testid="sort-name"' in body  # the name column cannot be hidden
    # Unknown columns alone fall back to the defaults.
    body = client.get(URL, {"cols": "nonsense"}).content.decode()
    assert 'data-testid="sort-username"' in body


def test_htmx_gets_the_results_fragment_only(cast, login):
    client = login(cast["director"])
    response = client.get(URL, {"q": "rep"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="list-results"' in body
    assert row_ids(body)


def test_page_size_and_numbered_pages(cast, login):
    client = login(cast["director"])
    first = usernames(client.get(URL, {"sort": "username", "size": "25"}))
    assert len(first) == 20  # the demo company has 20 people
    assert client.get(URL, {"size": "7"}).status_code == 200  # not an offered size: the default


def test_keyset_pages_cover_everything_once(cast, login, monkeypatch):
    monkeypatch.setattr(EmployeeView, "keyset_threshold", 5)
    monkeypatch.setattr(EmployeeView, "page_sizes", (6, 50))
    client = login(cast["director"])
    seen: list[str] = []
    query = "sort=username"
    pages = []
    while True:
        response = client.get(f"{URL}?{query}")
        body = response.content.decode()
        pages.append(body)
        names = usernames(response)
        assert 'data-testid="page-number"' not in body  # no page numbers in keyset mode
        seen += names
        match = re.search(r'href="\?([^"]*after=[^"]*)" hx-get', body)
        if not match:
            break
        query = match.group(1).replace("&amp;", "&")
        assert len(pages) < 10
    everyone = sorted(Employee.objects.unscoped(reason="t").values_list("user__username", flat=True))
    assert seen == everyone
    # "Previous" from the second page returns to the first page.
    second = pages[1]
    previous = re.search(r'href="\?([^"]*before=[^"]*)" hx-get', second).group(1).replace("&amp;", "&")
    assert usernames(client.get(f"{URL}?{previous}")) == everyone[:6]


def test_keyset_with_descending_sort(cast, login, monkeypatch):
    monkeypatch.setattr(EmployeeView, "keyset_threshold", 5)
    monkeypatch.setattr(EmployeeView, "page_sizes", (8,))
    client = login(cast["director"])
    first = client.get(URL, {"sort": "-username"})
    after = (
        re.search(r'href="\?([^"]*after=[^"]*)" hx-get', first.content.decode())
        .group(1)
        .replace("&amp;", "&")
    )
    second = usernames(client.get(f"{URL}?{after}"))
    everyone = sorted(
        Employee.objects.unscoped(reason="t").values_list("user__username", flat=True), reverse=True
    )
    assert usernames(first) + second == everyone[:16]


def test_a_nullable_sort_pages_by_number_with_one_count(cast, login, monkeypatch):
    """No cursor can page over NULLs, so past the threshold a nullable sort still numbers its pages, and
    counts once (exactly), not a capped count first."""
    monkeypatch.setattr(EmployeeView, "keyset_threshold", 5)
    monkeypatch.setattr(EmployeeView, "page_sizes", (8,))
    client = login(cast["director"])
    client.get(URL, {"sort": "-hire_date"})
    with CaptureQueriesContext(connection) as queries:
        body = client.get(URL, {"sort": "-hire_date", "page": "3"}).content.decode()
    assert 'data-testid="page-number"' in body
    assert len(usernames_in(body)) == 4  # 20 people: pages of 8, 8, 4
    counts = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "org_employee" in q["sql"]
    ]
    assert len(counts) == 1, counts


def test_a_forged_cursor_is_harmless(cast, login, monkeypatch):
    monkeypatch.setattr(EmployeeView, "keyset_threshold", 5)
    client = login(cast["director"])
    for cursor in ("!!!", "W10", "eyJ0IjoiZGF0ZSJ9"):
        assert client.get(URL, {"after": cursor}).status_code == 200


def test_list_query_count_does_not_grow(cast, login, departments):
    from opensales.org import services

    client = login(cast["director"])
    client.get(URL)  # warm caches (content types, grants)
    with CaptureQueriesContext(connection) as small:
        client.get(URL, {"cols": "name,department,roles,tags,manager"})
    for i in range(15):
        services.employee_create(
            actor=None, username=f"extra{i}", full_name=f"临时{i}", department=departments["SH"]
        )
    client.get(URL)  # staff changed: the grants are read again once, then kept (core/access_stamp.py)
    with CaptureQueriesContext(connection) as large:
        client.get(URL, {"cols": "name,department,roles,tags,manager"})
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_rep_sees_only_their_department(cast, login):
    got = row_ids(login(cast["rep_sh1"]).get(URL).content.decode())
    assert got == ids_of("rep_sh1", "rep_sh2", "lead_sh")


def test_anonymous_is_sent_to_sign_in():
    from django.test import Client

    response = Client().get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_filter_choices_are_read_in_one_plain_query(cast, login):
    """The record pickers of every list's filter form offer what django-filters' own iterator offers
    (empty and null choices included), read without a server-side cursor (PostgreSQL's DECLARE)."""
    import django_filters

    from opensales.workspace.filters import ChoicesInOneQuery
    from opensales.workspace.registry import all_views

    director = cast["director"]
    pickers = 0
    for mv in all_views():
        form = mv.filterset(director, {}).form
        for field in form.fields.values():
            # (a picker that loads its options as one types shows only the chosen ones: a plain list)
            if hasattr(field, "queryset") and not isinstance(field.widget.choices, list):
                pickers += 1
                assert isinstance(field.widget.choices, ChoicesInOneQuery)
                assert list(field.widget.choices) == list(django_filters.fields.ModelChoiceIterator(field))
    assert pickers >= 5
    with CaptureQueriesContext(connection) as queries:
        assert login(director).get("/customers/").status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DECLARE")]
