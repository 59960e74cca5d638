"""The deals widgets of the home page: my open deals by stage, my stale deals."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from opensales.core.actions import Action
from opensales.deals import home, selectors
from opensales.deals.models import Opportunity

from .conftest import make_deal

pytestmark = pytest.mark.django_db


def test_open_deals_by_stage_counts_my_open_stages_in_pipeline_order(cast, stages):
    rep = cast["rep_sh1"]
    first = make_deal(rep, name="甲", amount=Decimal("100"))
    customer = first.customer
    make_deal(rep, customer=customer, name="乙", amount=Decimal("50"), stage=stages["方案报价"])
    make_deal(rep, customer=customer, name="丙", amount=Decimal("25.5"), stage=stages["方案报价"])
    make_deal(rep, customer=customer, name="赢", amount=Decimal("999"), stage=stages["赢单"])
    make_deal(
        rep, customer=customer, name="输", amount=Decimal("888"), stage=stages["输单"], reason="预算取消"
    )
    make_deal(cast["rep_sh2"], name="别人的", amount=Decimal("7"))

    mine = Opportunity.objects.visible_to(rep, Action.VIEW).filter(owner=rep)
    rows = selectors.open_by_stage(mine)

    assert [(r["stage__name"], r["n"], r["total"]) for r in rows] == [
        (first.stage.name, 1, Decimal("100")),
        ("方案报价", 2, Decimal("75.5")),
    ]
    assert {r["pipeline__name"] for r in rows} == {first.pipeline.name}


def test_home_widgets_show_my_deals(cast, login, stages):
    rep = cast["rep_sh1"]
    make_deal(rep, name="甲", amount=Decimal("100"), expected_close=datetime.date(2020, 1, 1))
    html = login(rep).get("/").content.decode()
    assert 'data-testid="home-deals-by-stage"' in html
    assert re.search(r'data-testid="stale-count">1<', html)


def test_the_stale_badge_counts_up_to_its_cap(cast, login, stages, monkeypatch):
    monkeypatch.setattr(home, "STALE_BADGE_CAP", 2)
    rep = cast["rep_sh1"]
    overdue = datetime.date(2020, 1, 1)
    first = make_deal(rep, name="一", expected_close=overdue)
    make_deal(rep, customer=first.customer, name="二", expected_close=overdue)
    client = login(rep)
    assert re.search(r'data-testid="stale-count">2<', client.get("/").content.decode())
    make_deal(rep, customer=first.customer, name="三", expected_close=overdue)
    html = client.get("/").content.decode()
    assert re.search(r'data-testid="stale-count">2\+<', html)
    assert html.count("home-deals-stale") == 1
