from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opensales.deals import services
from opensales.deals.models import Competitor, Opportunity

from .conftest import make_customer, make_deal

pytestmark = pytest.mark.django_db


def _board(client, **params):
    return client.get(reverse("deals:board"), params)


def _cards(html: str) -> list[str]:
    return re.findall(r'data-id="(\d+)"', html)


def test_board_shows_columns_totals_and_scope(cast, login, stages):
    rep1, rep2 = cast["rep_sh1"], cast["rep_sh2"]
    a = make_deal(rep1, name="甲项目", amount=Decimal("100000"))
    b = make_deal(rep1, customer=a.customer, name="乙项目", amount=Decimal("50000"), stage=stages["方案报价"])
    c = make_deal(rep2, name="丙项目", amount=Decimal("7000"))
    gz = make_deal(cast["rep_gz1"], name="广州项目", amount=Decimal("1"))
    html = _board(login(rep1)).content.decode()
    assert sorted(_cards(html)) == sorted([str(a.pk), str(b.pk)])
    assert "¥150,000.00" in html  # board total
    assert "¥35,000.00" in html  # weighted: 100000*10% + 50000*50%
    manager = _board(login(cast["manager_east"])).content.decode()
    assert sorted(_cards(manager)) == sorted(str(x.pk) for x in (a, b, c))
    assert str(gz.pk) not in _cards(manager)


def test_board_filters_reuse_the_list_filterset(cast, login):
    rep = cast["rep_sh1"]
    a = make_deal(rep, name="大单", amount=Decimal("900000"))
    make_deal(rep, customer=a.customer, name="小单", amount=Decimal("10"))
    html = _board(login(rep), amount_min="1000").content.decode()
    assert _cards(html) == [str(a.pk)]


def test_board_move_moves_and_answers_the_board(cast, login, stages):
    rep = cast["rep_sh1"]
    opp = make_deal(rep, amount=Decimal("1000"))
    response = login(rep).post(
        reverse("deals:board_move", args=[opp.pk]),
        {"stage": stages["需求确认"].pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    opp.refresh_from_db()
    assert (opp.stage_id, opp.probability, opp.version) == (stages["需求确认"].pk, 25, 2)
    assert 'id="board"' in response.content.decode()
    assert "¥250.00" in response.content.decode()


def test_board_move_stale_version_is_409(cast, login, stages):
    rep = cast["rep_sh1"]
    opp = make_deal(rep)
    services.opportunity_update(actor=rep, opportunity=opp, expected_version=1, name="别人改过")
    response = login(rep).post(
        reverse("deals:board_move", args=[opp.pk]),
        {"stage": stages["需求确认"].pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert 'data-testid="board-message"' in response.content.decode()
    opp.refresh_from_db()
    assert opp.stage == stages["初步接洽"]


def test_board_move_out_of_scope_is_404(cast, login, stages):
    opp = make_deal(cast["rep_sh2"])
    response = login(cast["rep_sh1"]).post(
        reverse("deals:board_move", args=[opp.pk]), {"stage": stages["需求确认"].pk, "version": 1}
    )
    assert response.status_code == 404
    response = login(cast["manager_east"]).post(
        reverse("deals:board_move", args=[opp.pk]), {"stage": stages["需求确认"].pk, "version": 1}
    )
    assert response.status_code == 302
    assert Opportunity.objects.unscoped(reason="t").get(pk=opp.pk).stage == stages["需求确认"]


def test_board_query_count_is_flat(cast, login):
    rep = cast["rep_sh1"]
    client = login(rep)
    customer = make_customer(rep)
    make_deal(rep, customer=customer)
    _board(client)
    with CaptureQueriesContext(connection) as few:
        _board(client)
    for i in range(15):
        make_deal(rep, customer=make_customer(rep, f"客户{i}"), name=f"项目{i}", amount=Decimal(i))
    with CaptureQueriesContext(connection) as many:
        html = _board(client).content.decode()
    assert len(_cards(html)) == 16
    assert len(many) == len(few)


def test_list_query_count_is_flat(cast, login):
    rep = cast["rep_sh1"]
    client = login(rep)
    make_deal(rep)
    url = reverse("deals:opportunity_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(10):
        make_deal(rep, customer=make_customer(rep, f"客户{i}"), name=f"项目{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count('data-row-id="') == 11
    assert len(many) == len(few)


def test_detail_query_count_is_flat(cast, login):
    from .conftest import make_product

    rep = cast["rep_sh1"]
    client = login(rep)
    p = make_product()
    small = make_deal(rep, lines=[{"product": p}])
    big = make_deal(
        rep, customer=small.customer, lines=[{"product": make_product(f"X{i}")} for i in range(8)]
    )
    client.get(reverse("deals:opportunity_detail", args=[small.pk]))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("deals:opportunity_detail", args=[small.pk])).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("deals:opportunity_detail", args=[big.pk])).status_code == 200
    assert len(many) == len(few)


def test_stale_flag_and_filter(cast, login, settings):
    settings.OPENSALES_DEAL_STALE_DAYS = 14
    rep = cast["rep_sh1"]
    fresh = make_deal(rep, name="新鲜")
    quiet = make_deal(rep, customer=fresh.customer, name="沉寂")
    overdue = make_deal(rep, customer=fresh.customer, name="逾期", expected_close=datetime.date(2020, 1, 1))
    Opportunity.objects.unscoped(reason="t").filter(pk=quiet.pk).update(
        last_follow_up_at=timezone.now() - datetime.timedelta(days=20)
    )
    Opportunity.objects.unscoped(reason="t").filter(pk=fresh.pk).update(last_follow_up_at=timezone.now())
    client = login(rep)
    html = client.get(reverse("deals:opportunity_list"), {"stale": "true"}).content.decode()
    assert set(re.findall(r'data-row-id="(\d+)"', html)) == {str(quiet.pk), str(overdue.pk)}
    board = _board(client).content.decode()
    assert board.count('data-testid="stale-badge"') == 2
    settings.OPENSALES_DEAL_STALE_DAYS = 30
    html = client.get(reverse("deals:opportunity_list"), {"stale": "true"}).content.decode()
    assert set(re.findall(r'data-row-id="(\d+)"', html)) == {str(overdue.pk)}


def test_won_deals_are_never_stale(cast, stages):
    from opensales.deals.selectors import is_stale, stale_q

    rep = cast["rep_sh1"]
    opp = make_deal(rep, expected_close=datetime.date(2020, 1, 1), stage=stages["赢单"])
    assert not is_stale(opp)
    assert not Opportunity.objects.unscoped(reason="t").filter(stale_q(), pk=opp.pk).exists()


def test_competitor_page_counts_only_visible_deals(cast, login, stages):
    rep1, rep2 = cast["rep_sh1"], cast["rep_sh2"]
    rival = services.competitor_create(actor=cast["admin"], name="销售易")
    won = make_deal(rep1, name="赢", stage=stages["赢单"])
    lost = make_deal(rep1, customer=won.customer, name="输", stage=stages["输单"], reason="价格")
    open_ = make_deal(rep1, customer=won.customer, name="进行")
    other = make_deal(rep2, name="同事的", stage=stages["赢单"])
    for opp in (won, lost, open_, other):
        services.deal_competitor_save(actor=cast["admin"], opportunity=opp, competitor=rival)
    url = reverse("deals:competitor_detail", args=[rival.pk])
    html = login(rep1).get(url).content.decode()
    stat = lambda name, h: re.search(rf'data-testid="stat-{name}">(\d+)<', h).group(1)  # noqa: E731
    assert [stat(n, html) for n in ("total", "won", "lost", "open")] == ["3", "1", "1", "1"]
    assert "同事的" not in html
    html = login(cast["manager_east"]).get(url).content.decode()
    assert [stat(n, html) for n in ("total", "won", "lost", "open")] == ["4", "2", "1", "1"]


def test_create_page_and_detail_moves(cast, login, stages):
    rep = cast["rep_sh1"]
    customer = make_customer(rep)
    client = login(rep)
    assert client.get(reverse("deals:opportunity_create")).status_code == 200
    response = client.post(
        reverse("deals:opportunity_create"),
        {"customer": customer.pk, "name": "新商机", "forecast_category": "pipeline", "amount": "12000"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    opp = Opportunity.objects.unscoped(reason="t").get(name="新商机")
    assert (opp.owner, opp.stage, opp.amount) == (rep, stages["初步接洽"], Decimal("12000"))
    detail = client.get(reverse("deals:opportunity_detail", args=[opp.pk]))
    assert detail.status_code == 200
    client.post(reverse("deals:opportunity_move", args=[opp.pk]), {"stage": stages["赢单"].pk, "version": 1})
    opp.refresh_from_db()
    assert opp.stage.is_won and opp.closed_at is not None


def test_create_refuses_an_invisible_customer(cast, login):
    other = make_customer(cast["rep_gz1"], "广州客户")
    response = login(cast["rep_sh1"]).post(
        reverse("deals:opportunity_create"),
        {"customer": other.pk, "name": "x", "forecast_category": "pipeline"},
    )
    assert response.status_code == 200
    assert not Opportunity.objects.unscoped(reason="t").filter(name="x").exists()


def test_lines_and_competitors_from_the_detail_page(cast, login):
    from .conftest import make_product

    rep = cast["rep_sh1"]
    client = login(rep)
    opp = make_deal(rep, amount=Decimal("5"))
    p = make_product("L-1", "300")
    data = {
        "version": 1,
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-0-product": p.pk,
        "lines-0-quantity": "2",
        "lines-0-unit_price": "",
        "lines-0-discount": "50",
    }
    assert client.post(reverse("deals:opportunity_lines", args=[opp.pk]), data).status_code == 302
    opp.refresh_from_db()
    assert opp.amount == Decimal("300.00")
    rival = Competitor.objects.create(name="纷享销客")
    client.post(
        reverse("deals:opportunity_competitor", args=[opp.pk]),
        {"competitor": rival.pk, "threat": "high", "their_offer": "280"},
    )
    assert [(c.competitor_id, c.threat, c.their_offer) for c in opp.competitors.all()] == [
        (rival.pk, "high", Decimal("280.00"))
    ]


def test_pipelines_page(cast, login, pipeline):
    admin = login(cast["admin"])
    assert admin.get(reverse("deals:pipelines")).status_code == 200
    assert login(cast["rep_sh1"]).get(reverse("deals:pipelines")).status_code == 403
    admin.post(
        reverse("deals:pipeline_stage", args=[pipeline.pk]), {"new-name": "技术验证", "new-probability": "40"}
    )
    assert pipeline.stages.filter(name="技术验证", probability=40).exists()
    admin.post(reverse("deals:pipelines"), {"form": "pipeline", "name": "续约", "is_active": "on"})
    assert pipeline.__class__.objects.filter(name="续约").exists()


def test_api_move(cast, login, stages):
    rep = cast["rep_sh1"]
    opp = make_deal(rep, amount=Decimal("1000"))
    client = login(rep)
    url = f"/api/v1/opportunities/{opp.pk}/move"
    response = client.post(url, {"stage": stages["输单"].pk, "version": 1}, content_type="application/json")
    assert response.status_code == 422
    assert "reason" in response.json()["fields"]
    response = client.post(
        url, {"stage": stages["方案报价"].pk, "version": 1}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["probability"] == "50" or response.json()["probability"] == 50
    response = client.post(
        url, {"stage": stages["商务谈判"].pk, "version": 1}, content_type="application/json"
    )
    assert response.status_code == 409
    other = make_deal(cast["rep_sh2"])
    response = client.post(
        f"/api/v1/opportunities/{other.pk}/move",
        {"stage": stages["方案报价"].pk, "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_board_cuts_each_column_in_the_database(cast, stages, monkeypatch):
    from opensales.core.actions import Action
    from opensales.deals import selectors
    from opensales.deals.models import Opportunity

    monkeypatch.setattr(selectors, "BOARD_LIMIT", 2)
    rep = cast["rep_sh1"]
    customer = make_customer(rep)
    for i, day in enumerate([20, 10, 30]):
        make_deal(rep, customer, name=f"卡片{i}", expected_close=datetime.date(2027, 1, day))
    qs = Opportunity.objects.visible_to(rep, Action.VIEW)
    first = selectors.board_columns(qs, stages["初步接洽"].pipeline)[0]
    assert first.count == 3
    assert [c.name for c in first.cards] == ["卡片1", "卡片0"]


def test_board_picks_its_pipeline_from_one_read(cast, login, pipeline):
    """The default active pipeline, else the one asked for (even inactive); the tabs list the active
    ones; the pipelines are read once per board."""
    from opensales.deals.models import Pipeline

    channel = Pipeline.objects.exclude(pk=pipeline.pk).first()
    retired = Pipeline.objects.create(name="旧流程", sort_order=-1, is_active=False)
    client = login(cast["rep_sh1"])

    def shown(**params):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("deals:board"), params).content.decode()
        assert sum('FROM "deals_pipeline"' in q["sql"] for q in queries.captured_queries) == 1
        tabs = re.findall(r'href="\?pipeline=(\d+)[^"]*">([^<]+)</a></li>', html)
        return int(re.search(r'data-pipeline="(\d+)"', html).group(1)), [int(pk) for pk, _name in tabs]

    chosen, tabs = shown()
    assert chosen == pipeline.pk and retired.pk not in tabs and {pipeline.pk, channel.pk} <= set(tabs)
    assert shown(pipeline=channel.pk)[0] == channel.pk
    assert shown(pipeline=retired.pk)[0] == retired.pk
    assert shown(pipeline="999999")[0] == pipeline.pk
    Pipeline.objects.filter(pk=pipeline.pk).update(is_active=False)
    assert shown()[0] == channel.pk
