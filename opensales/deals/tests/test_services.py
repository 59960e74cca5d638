from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from opensales.audit.models import AuditEvent
from opensales.core.versioning import StaleEdit
from opensales.deals import services
from opensales.deals.models import ForecastCategory, Opportunity, Pipeline, StageHistory

from .conftest import make_customer, make_deal, make_product

pytestmark = pytest.mark.django_db


def test_default_pipelines_are_created_lazily(pipeline):
    assert [p.name for p in Pipeline.objects.order_by("sort_order")] == ["项目型销售", "渠道型销售"]
    assert pipeline.name == "项目型销售"
    stages = [(s.name, s.probability, s.is_won, s.is_lost) for s in pipeline.stages.order_by("sort_order")]
    assert stages == [
        ("初步接洽", 10, False, False),
        ("需求确认", 25, False, False),
        ("方案报价", 50, False, False),
        ("商务谈判", 75, False, False),
        ("赢单", 100, True, False),
        ("输单", 0, False, True),
    ]


def test_create_defaults_first_stage_and_owner(cast, stages):
    rep = cast["rep_sh1"]
    opp = make_deal(rep, amount=Decimal("50000"))
    assert opp.stage == stages["初步接洽"]
    assert opp.probability == 10
    assert opp.owner == rep
    assert opp.forecast_category == ForecastCategory.PIPELINE
    history = list(StageHistory.objects.filter(opportunity=opp))
    assert [(h.stage_id, h.amount, h.probability, h.changed_by) for h in history] == [
        (stages["初步接洽"].pk, Decimal("50000.00"), 10, rep)
    ]
    assert AuditEvent.objects.filter(action="opportunity.create", object_id=str(opp.pk)).count() == 1


def test_amount_from_lines_unless_entered(cast):
    rep = cast["rep_sh1"]
    p1, p2 = make_product("P-1", "1000"), make_product("P-2", "250", "实施服务")
    opp = make_deal(
        rep,
        lines=[
            {"product": p1, "quantity": 3, "discount": 10},  # 2700
            {"product": p2, "quantity": 4, "unit_price": "200"},  # 800
        ],
    )
    assert opp.amount == Decimal("3500.00")
    assert [(ln.product.code, ln.total) for ln in opp.lines.all()] == [
        ("P-1", Decimal("2700.00")),
        ("P-2", Decimal("800.00")),
    ]
    entered = make_deal(rep, customer=opp.customer, amount=Decimal("9999"), lines=[{"product": p1}])
    assert entered.amount == Decimal("9999")


def test_set_lines_recomputes_amount_and_snapshots(cast):
    rep = cast["rep_sh1"]
    opp = make_deal(rep, amount=Decimal("100"))
    p = make_product("P-9", "80")
    opp = services.set_lines(
        actor=rep, opportunity=opp, lines=[{"product": p, "quantity": 2}], expected_version=1
    )
    assert opp.amount == Decimal("160.00")
    assert opp.version == 2
    assert [h.amount for h in opp.stage_history.all()] == [Decimal("160.00"), Decimal("100.00")]


def test_move_stage_probability_default_and_override(cast, stages):
    rep = cast["rep_sh1"]
    opp = make_deal(rep, amount=Decimal("1000"))
    opp = services.move_stage(actor=rep, opportunity=opp, stage=stages["方案报价"], expected_version=1)
    assert opp.probability == 50
    opp = services.move_stage(
        actor=rep, opportunity=opp, stage=stages["商务谈判"], expected_version=2, probability=60
    )
    assert opp.probability == 60
    snapshots = [(h.stage.name, h.probability, h.changed_by) for h in opp.stage_history.all()]
    assert snapshots == [("商务谈判", 60, rep), ("方案报价", 50, rep), ("初步接洽", 10, rep)]


def test_won_sets_closed_and_calls_lifecycle(cast, stages, monkeypatch):
    rep = cast["rep_sh1"]
    opp = make_deal(rep, amount=Decimal("1000"))
    calls = []
    monkeypatch.setattr(services, "_deal_won", lambda o, actor: calls.append((o.pk, actor)))
    opp = services.move_stage(
        actor=rep, opportunity=opp, stage=stages["赢单"], expected_version=1, reason="价格优势"
    )
    assert opp.closed_at == timezone.localdate()
    assert opp.forecast_category == ForecastCategory.CLOSED
    assert opp.probability == 100
    assert opp.close_reason == "价格优势"
    assert calls == [(opp.pk, rep)]
    # Reopening clears the close.
    opp = services.move_stage(actor=rep, opportunity=opp, stage=stages["商务谈判"], expected_version=2)
    assert (opp.closed_at, opp.close_reason, opp.forecast_category) == (None, "", ForecastCategory.PIPELINE)


def test_lost_needs_a_reason(cast, stages):
    rep = cast["rep_sh1"]
    opp = make_deal(rep)
    with pytest.raises(ValidationError) as exc:
        services.move_stage(actor=rep, opportunity=opp, stage=stages["输单"], expected_version=1)
    assert "reason" in exc.value.message_dict
    opp.refresh_from_db()
    assert opp.stage == stages["初步接洽"]
    opp = services.move_stage(
        actor=rep, opportunity=opp, stage=stages["输单"], expected_version=1, reason="预算取消"
    )
    assert (opp.close_reason, opp.probability, opp.forecast_category) == (
        "预算取消",
        0,
        ForecastCategory.OMITTED,
    )


def test_stale_version_is_refused(cast, stages):
    rep = cast["rep_sh1"]
    opp = make_deal(rep)
    services.opportunity_update(actor=rep, opportunity=opp, expected_version=1, name="改名")
    with pytest.raises(StaleEdit):
        services.move_stage(actor=rep, opportunity=opp, stage=stages["需求确认"], expected_version=1)
    with pytest.raises(StaleEdit):
        services.opportunity_update(actor=rep, opportunity=opp, expected_version=1, name="又改")
    assert Opportunity.objects.unscoped(reason="test").get(pk=opp.pk).name == "改名"


def test_update_snapshots_only_on_tracked_fields(cast):
    rep = cast["rep_sh1"]
    opp = make_deal(rep, amount=Decimal("100"))
    opp = services.opportunity_update(actor=rep, opportunity=opp, expected_version=1, name="新名字")
    assert opp.stage_history.count() == 1
    opp = services.opportunity_update(
        actor=rep, opportunity=opp, expected_version=2, expected_close=datetime.date(2027, 1, 31)
    )
    assert opp.stage_history.count() == 2
    assert opp.stage_history.first().expected_close == datetime.date(2027, 1, 31)


def test_stage_of_another_pipeline_is_refused(cast, stages):
    rep = cast["rep_sh1"]
    other = Pipeline.objects.get(name="渠道型销售").stages.first()
    opp = make_deal(rep)
    with pytest.raises(ValidationError):
        services.move_stage(actor=rep, opportunity=opp, stage=other, expected_version=1)


def test_contact_must_belong_to_customer(cast):
    from opensales.customers.models import Contact

    rep = cast["rep_sh1"]
    a, b = make_customer(rep, "甲公司"), make_customer(rep, "乙公司")
    contact = Contact.objects.create(customer=b, name="王五")
    with pytest.raises(ValidationError):
        make_deal(rep, customer=a, contact=contact)


def test_pipeline_stage_admin_services(cast, pipeline):
    admin = cast["admin"]
    stage = services.stage_save(actor=admin, pipeline=pipeline, name="技术交流", probability=20)
    ids = list(pipeline.stages.order_by("sort_order").values_list("pk", flat=True))
    assert ids[-1] == stage.pk
    new_order = [ids[0], stage.pk, *ids[1:-1]]
    services.stages_reorder(actor=admin, pipeline=pipeline, stage_ids=new_order)
    assert list(pipeline.stages.order_by("sort_order").values_list("pk", flat=True)) == new_order
    with pytest.raises(ValidationError):
        services.stages_reorder(actor=admin, pipeline=pipeline, stage_ids=new_order[:-1])
    with pytest.raises(ValidationError):
        services.stage_save(
            actor=admin, pipeline=pipeline, name="怪", probability=5, is_won=True, is_lost=True
        )
    services.stage_delete(actor=admin, stage=stage)
    first = pipeline.stages.order_by("sort_order").first()
    make_deal(cast["rep_sh1"])
    with pytest.raises(ValidationError):
        services.stage_delete(actor=admin, stage=first)
