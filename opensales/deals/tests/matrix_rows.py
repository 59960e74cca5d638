"""Rows of the permission matrices for opportunities, the board, pipelines and competitors (discovered by
tests/test_permission_matrix.py and tests/test_api_matrix.py).

Opportunities are owner-scoped: reps view/add/change their own, manager_east everything but import in
华东, director and admin everything, finance and auditor view/export all. Competitors are catalog data
(scope-free). Pipelines are settings: admin and director (who may delete every deal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.matrix import Row, Target, only, statuses

CHANGERS = {"admin": 302, "director": 302, "manager_east": 302, "rep_sh1": 302}
DEAL_OF_SH1_WRITE = only({**CHANGERS, "rep_sh2": 404, "rep_gz1": 404}, 403)
DEAL_OF_SH1_VIEW = statuses(200, rep_sh2=404, rep_gz1=404)
DEAL_OF_SH1_EDIT = only(
    {"admin": 200, "director": 200, "manager_east": 200, "rep_sh1": 200, "rep_sh2": 404, "rep_gz1": 404}, 403
)
DELETERS = {"admin": 200, "director": 200, "manager_east": 200}
ADDERS = {"admin": 200, "director": 200, "manager_east": 200, "rep_sh1": 200, "rep_sh2": 200, "rep_gz1": 200}
CONFIGURERS = {"admin": 200, "director": 200}


def _deal(username: str, key: str = "pk", name: str = "矩阵商机") -> Any:
    def make(cast) -> dict[str, Any]:
        from opensales.customers.models import Customer
        from opensales.deals.services import opportunity_create

        owner = cast[username]
        customer = Customer.objects.create(name=f"{name}客户", owner=owner)
        return {key: opportunity_create(actor=owner, customer=customer, name=name).pk}

    return make


def _deals_of_everyone(cast) -> dict[str, Any]:
    for username in ("rep_sh1", "rep_sh2", "rep_gz1", "manager_east"):
        _deal(username, name=f"{username}的商机")(cast)
    return {}


def _deal_ids(usernames: set[str] | None, as_text: bool = True) -> Callable[[], set]:
    def ids() -> set:
        from opensales.deals.models import Opportunity

        qs = Opportunity.objects.unscoped(reason="matrix")
        if usernames is not None:
            qs = qs.filter(owner__username__in=usernames)
        pks = qs.values_list("pk", flat=True)
        return {str(pk) for pk in pks} if as_text else set(pks)

    return ids


def deal_ids(as_text: bool) -> dict[str, Callable[[], set]]:
    everyone = _deal_ids(None, as_text)
    return {
        **dict.fromkeys(("admin", "director", "finance", "auditor"), everyone),
        "manager_east": _deal_ids({"rep_sh1", "rep_sh2", "manager_east"}, as_text),
        "rep_sh1": _deal_ids({"rep_sh1"}, as_text),
        "rep_sh2": _deal_ids({"rep_sh2"}, as_text),
        "rep_gz1": _deal_ids({"rep_gz1"}, as_text),
    }


def _second_stage(cast) -> dict[str, Any]:
    from opensales.deals.services import default_pipeline

    return {"stage": default_pipeline().stages.order_by("sort_order")[1].pk, "version": 1}


def _pipeline(cast) -> dict[str, Any]:
    from opensales.deals.services import default_pipeline

    return {"pk": default_pipeline().pk}


def _competitor(cast) -> dict[str, Any]:
    from opensales.deals.models import Competitor

    return {"pk": Competitor.objects.create(name="矩阵对手").pk}


DEAL_SH1 = Target("deal of rep_sh1", _deal("rep_sh1"))
COMPETITOR = Target("a competitor", _competitor)

UI_ROWS: list[Row] = [
    Row(
        "deals:opportunity_list",
        "GET",
        statuses(200),
        target=Target("deals of four owners", _deals_of_everyone),
        ids=deal_ids(as_text=True),
    ),
    Row("deals:opportunity_detail", "GET", DEAL_OF_SH1_VIEW, target=DEAL_SH1),
    Row(
        "deals:opportunity_detail",
        "GET",
        statuses(200, manager_east=404, rep_sh1=404, rep_sh2=404),
        target=Target("deal of rep_gz1", _deal("rep_gz1")),
    ),
    Row("deals:opportunity_create", "GET", only(ADDERS, 403)),
    Row("deals:opportunity_edit", "GET", DEAL_OF_SH1_EDIT, target=DEAL_SH1),
    Row(
        "deals:opportunity_delete",
        "GET",
        only({**DELETERS, "rep_sh2": 403, "rep_gz1": 403}, 403),
        target=DEAL_SH1,
    ),
    Row("deals:board", "GET", statuses(200)),
    Row("deals:funnel_data", "GET", statuses(200)),
    Row("deals:board_move", "POST", DEAL_OF_SH1_WRITE, target=DEAL_SH1, data=_second_stage),
    Row("deals:opportunity_move", "POST", DEAL_OF_SH1_WRITE, target=DEAL_SH1, data=_second_stage),
    Row(
        "deals:opportunity_lines",
        "POST",
        DEAL_OF_SH1_WRITE,
        target=DEAL_SH1,
        data=lambda cast: {"version": 1, "lines-TOTAL_FORMS": 0, "lines-INITIAL_FORMS": 0},
    ),
    Row(
        "deals:opportunity_competitor",
        "POST",
        DEAL_OF_SH1_WRITE,
        target=DEAL_SH1,
        data=lambda cast: {"competitor": _competitor(cast)["pk"], "threat": "high"},
    ),
    Row("deals:pipelines", "GET", only(CONFIGURERS, 403)),
    Row(
        "deals:pipeline_stage",
        "POST",
        only({"admin": 302, "director": 302}, 403),
        target=Target("the default pipeline", _pipeline),
        data=lambda cast: {"new-name": "矩阵阶段", "new-probability": "20"},
    ),
    Row(
        "deals:pipeline_reorder",
        "POST",
        only({"admin": 302, "director": 302}, 403),
        target=Target("the default pipeline", _pipeline),
    ),
    Row("deals:competitor_list", "GET", statuses(200)),
    Row("deals:competitor_detail", "GET", statuses(200), target=COMPETITOR),
    Row("deals:competitor_create", "GET", only(ADDERS, 403)),
    Row("deals:competitor_edit", "GET", only(ADDERS, 403), target=COMPETITOR),
    Row("deals:competitor_delete", "GET", only(DELETERS, 403), target=COMPETITOR),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    from tests.matrix import Target as Target_

    deal_sh1 = Target_("deal of rep_sh1", _deal("rep_sh1", key="id"))
    view = api_statuses(200, rep_sh2=404, rep_gz1=404)
    write = api_only(
        {"admin": 200, "director": 200, "manager_east": 200, "rep_sh1": 200, "rep_sh2": 404, "rep_gz1": 404},
        403,
    )
    adders201 = {
        "admin": 201,
        "director": 201,
        "manager_east": 201,
        "rep_sh1": 201,
        "rep_sh2": 201,
        "rep_gz1": 201,
    }
    changers200 = {
        "admin": 200,
        "director": 200,
        "manager_east": 200,
        "rep_sh1": 200,
        "rep_sh2": 200,
        "rep_gz1": 200,
    }
    deleters204 = {"admin": 204, "director": 204, "manager_east": 204}

    def new_deal(cast, persona):
        from opensales.customers.models import Customer

        owner = cast.get(persona) or cast["rep_sh1"]
        customer = Customer.objects.create(name="接口客户", owner=owner)
        return {
            "customer": customer.pk,
            "name": "接口商机",
            "forecast_category": "pipeline",
            "amount": "1000",
        }

    def competitor_body(cast, persona):
        return {"competitor": _competitor(cast)["pk"], "threat": "low", "their_offer": "900"}

    competitor = Target_("a competitor", lambda cast: {"id": _competitor(cast)["pk"]})
    return [
        ApiRow(
            "GET",
            "/api/v1/opportunities",
            api_statuses(200),
            target=Target_("deals of four owners", _deals_of_everyone),
            ids=deal_ids(as_text=False),
        ),
        ApiRow("GET", "/api/v1/opportunities/{id}", view, target=deal_sh1),
        ApiRow("POST", "/api/v1/opportunities", api_only(adders201, 403), body=new_deal),
        ApiRow(
            "PATCH",
            "/api/v1/opportunities/{id}",
            write,
            target=deal_sh1,
            body=lambda cast, persona: {"version": 1, "name": "改过的名字"},
        ),
        ApiRow(
            "DELETE",
            "/api/v1/opportunities/{id}",
            api_only({**deleters204, "rep_sh2": 403, "rep_gz1": 403}, 403),
            target=deal_sh1,
        ),
        ApiRow(
            "POST",
            "/api/v1/opportunities/{id}/move",
            write,
            target=deal_sh1,
            body=lambda cast, persona: _second_stage(cast),
        ),
        ApiRow("GET", "/api/v1/opportunities/{id}/lines", view, target=deal_sh1),
        ApiRow(
            "PUT",
            "/api/v1/opportunities/{id}/lines",
            write,
            target=deal_sh1,
            body=lambda cast, persona: {"version": 1, "lines": []},
        ),
        ApiRow("GET", "/api/v1/opportunities/{id}/competitors", view, target=deal_sh1),
        ApiRow("PUT", "/api/v1/opportunities/{id}/competitors", write, target=deal_sh1, body=competitor_body),
        ApiRow("GET", "/api/v1/opportunities/{id}/stage-history", view, target=deal_sh1),
        ApiRow("GET", "/api/v1/competitors", api_statuses(200)),
        ApiRow("GET", "/api/v1/competitors/{id}", api_statuses(200), target=competitor),
        ApiRow(
            "POST",
            "/api/v1/competitors",
            api_only(adders201, 403),
            body=lambda cast, persona: {"name": "新对手", "website": "https://example.com"},
        ),
        ApiRow(
            "PATCH",
            "/api/v1/competitors/{id}",
            api_only(changers200, 403),
            target=competitor,
            body=lambda cast, persona: {"version": 1, "strengths": "价格低"},
        ),
        ApiRow("DELETE", "/api/v1/competitors/{id}", api_only(deleters204, 403), target=competitor),
    ]
