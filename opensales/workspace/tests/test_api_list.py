"""The generic API list's fast path (issue #6): the count stops at the model's `keyset_threshold` unless
`exact_count=true`, no filter parameter means no FilterSet (the same queryset), and the JSON written
directly is byte for byte what Ninja's validation against the declared page schema gives."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.test import RequestFactory

from opensales.api.root import api as ninja_api
from opensales.api.tests.helpers import Api
from opensales.core.actions import Action
from opensales.core.demo import generate
from opensales.workspace import api as workspace_api
from opensales.workspace.listing import page_rows
from opensales.workspace.registry import all_views

pytestmark = pytest.mark.django_db
URL = "/api/v1/employees"


@pytest.fixture(autouse=True)
def fresh_throttles():
    from django.core.cache import cache

    cache.clear()


def view_of(key: str):
    return next(mv for mv in all_views() if mv.key == key)


def test_count_is_exact_up_to_the_threshold_then_a_lower_bound(cast, monkeypatch):
    api = Api(cast["director"])
    everyone = api.get(URL, {"limit": 200}).json()
    total = len(everyone["items"])
    assert (everyone["count"], everyone["count_exact"]) == (total, True) and total > 4

    monkeypatch.setattr(view_of("employees"), "keyset_threshold", total)  # exactly at it: still exact
    assert (api.get(URL).json()["count"], api.get(URL).json()["count_exact"]) == (total, True)

    monkeypatch.setattr(view_of("employees"), "keyset_threshold", 3)
    capped = api.get(URL, {"limit": 2}).json()
    assert (capped["count"], capped["count_exact"], len(capped["items"])) == (3, False, 2)
    # Past the capped count the pages go on (the count is only a lower bound).
    beyond = api.get(URL, {"limit": 2, "offset": 4}).json()
    assert [i["id"] for i in beyond["items"]] == [i["id"] for i in everyone["items"][4:6]]
    exact = api.get(URL, {"limit": 2, "exact_count": "true"}).json()
    assert (exact["count"], exact["count_exact"]) == (total, True)
    # A filter narrows what is counted: under the threshold it is exact again.
    sh = api.get(URL, {"q": "rep_sh1"}).json()
    assert sh["count_exact"] is True and sh["count"] == len(sh["items"]) >= 1


def test_the_openapi_document_declares_count_exact_and_exact_count(cast):
    schema = ninja_api.get_openapi_schema(path_prefix="/api/v1")
    page = schema["components"]["schemas"]["CustomerPage"]
    assert page["required"] == ["count", "count_exact", "items"]
    assert page["properties"]["count_exact"]["type"] == "boolean"
    params = {p["name"]: p for p in schema["paths"]["/api/v1/customers"]["get"]["parameters"]}
    assert "10,000" in params["exact_count"]["description"]


def test_no_filter_parameter_gives_the_filtersets_queryset_for_every_model(cast):
    for user in (cast["director"], cast["rep_sh1"]):
        for mv in all_views():
            if not mv.api:
                continue
            params = QueryDict("limit=50&offset=0&sort=-pk")
            through_filterset = mv.filterset(user, params).qs
            direct = mv.queryset(user, Action.VIEW)
            assert str(through_filterset.query) == str(direct.query), mv.key


def test_the_fast_json_is_what_the_page_schema_validates_for_every_model(db):
    generate(size="small", log=lambda m: None)  # the demo story (its own cast): records of every model
    director = get_user_model().objects.get(username="director")
    request = RequestFactory().get("/api/v1/x")
    request.auth = request.user = director
    checked = 0
    for mv in all_views():
        if not mv.api:
            continue
        rows = page_rows(mv.queryset(director, Action.VIEW).order_by("-pk"), 0, 50)
        mv.prepare_rows(rows, director)
        readers = workspace_api._readers(mv)
        body = {
            "count": len(rows),
            "count_exact": True,
            "items": [workspace_api._serialize(readers, r) for r in rows],
        }
        fast = ninja_api.create_response(request, body, status=200)
        operation = next(  # as mounted on the API (Ninja binds a copy of each router's operations)
            op
            for bound in ninja_api._get_bound_routers()
            for path_view in bound.path_operations.values()
            for op in path_view.operations
            if op.operation_id == f"list_{mv.key}"
        )
        validated = operation._result_to_response(request, body, ninja_api.create_temporal_response(request))
        assert fast.content == validated.content, mv.key
        # and the compiled readers read what the columns do (the page and the export read `Column.read`)
        reference = [
            {
                "id": r.pk,
                "version": getattr(r, "version", None),
                **{c.key: workspace_api.api_value(c.read(r)) for c in mv.all_columns()},
            }
            for r in rows
        ]
        assert body["items"] == reference, mv.key
        assert fast["Content-Type"] == validated["Content-Type"]
        checked += bool(rows)
    assert checked >= 8  # the demo gave most models records to compare


def test_the_count_beside_a_page_reads_only_what_it_needs(cast, django_assert_num_queries):
    from opensales.workspace.listing import capped_count, count_beside

    qs = view_of("employees").queryset(cast["director"], Action.VIEW).order_by("pk")
    total = qs.count()
    assert total > 6
    with django_assert_num_queries(0):  # the page is the list's end: the count is known
        assert count_beside(qs, 0, total, total + 10, 10_000) == (total, True)
        assert count_beside(qs, 0, 0, 50, 10_000) == (0, True)
        assert count_beside(qs, 4, total - 4, total, 10_000) == (total, True)
        assert count_beside(qs, 4, total - 4, total, 5) == (5, False)  # past the cap: a lower bound
    with django_assert_num_queries(1):  # a full page and more beyond the cap: the row at the cap
        assert count_beside(qs, 0, 3, 3, 5) == (5, False)
    with django_assert_num_queries(2):  # a full page under the cap: then counted
        assert count_beside(qs, 0, 3, 3, 10_000) == (total, True)
    with django_assert_num_queries(2):  # past the end: counted
        assert count_beside(qs, total + 5, 0, 3, 10_000) == (total, True)
    for cap in (total - 1, total, total + 1):
        assert count_beside(qs, 0, 3, 3, cap) == capped_count(qs, cap)
