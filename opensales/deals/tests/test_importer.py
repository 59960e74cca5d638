"""The opportunity importer: lookups within the scope, stage history through the services, bad rows,
and a re-import that creates nothing."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from opensales.customers.tests.factories import make_customer
from opensales.deals.importers import OpportunityImporter
from opensales.deals.models import Opportunity, StageHistory
from opensales.imports import engine, matching
from opensales.imports.reading import read_table

pytestmark = pytest.mark.django_db

HEADER = [
    "客户",
    "商机名称",
    "销售流程",
    "阶段",
    "金额",
    "预计成交日期",
    "赢率",
    "预测类别",
    "来源",
    "负责人",
    "备注",
]


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _run(user, rows, mode="upsert", header=HEADER):
    table = read_table(_csv([header, *rows]), "deals.csv")
    mapping = matching.auto_match(OpportunityImporter, table.headers)
    plan = engine.plan(OpportunityImporter(user), table, mapping, mode)
    if not plan.error_rows:
        with transaction.atomic():
            engine.write(OpportunityImporter(user), user, plan.rows)
    return plan


def _deals():
    return Opportunity.objects.unscoped(reason="test")


@pytest.fixture
def customers(cast):
    return {
        "hengda": make_customer(cast["rep_sh1"], "上海恒达贸易有限公司", credit_code="91350100M000100Y43"),
        "yunfan": make_customer(cast["rep_sh2"], "杭州云帆网络科技有限公司"),
        "south": make_customer(cast["rep_gz1"], "广州南方电子有限公司"),
    }


def test_import_creates_through_services_and_reimport_creates_nothing(cast, customers):
    manager = cast["manager_east"]
    rows = [
        [
            "91350100M000100Y43",
            "恒达 CRM 项目",
            "项目型销售",
            "方案报价",
            "120,000",
            "2026-12-31",
            "",
            "承诺",
            "展会",
            "rep_sh1",
            "二期",
        ],
        [
            "杭州云帆网络科技",
            "云帆渠道合作",
            "渠道型销售",
            "",
            "50000",
            "2027年1月15日",
            "35",
            "",
            "",
            "",
            "",
        ],
    ]
    plan = _run(manager, rows)
    assert not plan.error_rows, [r.errors for r in plan.error_rows]
    assert (plan.created, plan.updated) == (2, 0)
    hengda = _deals().get(name="恒达 CRM 项目")
    assert hengda.customer == customers["hengda"]
    assert (hengda.stage.name, hengda.amount, hengda.probability) == ("方案报价", Decimal("120000.00"), 50)
    assert (hengda.owner, hengda.forecast_category, hengda.description) == (cast["rep_sh1"], "commit", "二期")
    assert hengda.expected_close == datetime.date(2026, 12, 31)
    assert StageHistory.objects.filter(opportunity=hengda).count() == 1
    yunfan = _deals().get(name="云帆渠道合作")
    assert (yunfan.stage.name, yunfan.probability, yunfan.owner) == ("渠道报备", 35, manager)

    again = _run(manager, rows)
    assert not again.error_rows
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _deals().count() == 2

    create_only = _run(manager, rows, mode="create")
    assert len(create_only.error_rows) == 2
    assert _deals().count() == 2


def test_reimport_with_a_new_stage_moves_it_with_a_snapshot(cast, customers):
    rep = cast["rep_sh1"]
    row = ["上海恒达贸易有限公司", "恒达项目", "", "初步接洽", "1000", "", "", "", "", "", ""]
    assert not _run(rep, [row]).error_rows
    row[3] = "商务谈判"
    plan = _run(rep, [row])
    assert (plan.created, plan.updated) == (0, 1)
    opp = _deals().get(name="恒达项目")
    assert (opp.stage.name, opp.probability) == ("商务谈判", 75)
    assert StageHistory.objects.filter(opportunity=opp).count() == 2


def test_bad_rows_are_explained_and_nothing_is_written(cast, customers):
    rep = cast["rep_sh1"]
    rows = [
        ["广州南方电子有限公司", "看不见的客户", "", "", "", "", "", "", "", "", ""],
        ["不存在的公司", "x", "", "", "", "", "", "", "", "", ""],
        ["上海恒达贸易有限公司", "错的阶段", "项目型销售", "样品试用", "", "", "", "", "", "", ""],
        ["上海恒达贸易有限公司", "错的流程", "不存在的流程", "", "", "", "", "", "", "", ""],
        ["上海恒达贸易有限公司", "坏金额", "", "", "abc", "", "150", "", "", "", ""],
        ["上海恒达贸易有限公司", "坏日期", "", "", "", "明天", "", "", "", "", ""],
        ["上海恒达贸易有限公司", "给别人", "", "", "", "", "", "", "", "rep_sh2", ""],
        ["上海恒达贸易有限公司", "输了", "", "输单", "", "", "", "", "", "", ""],
        ["上海恒达贸易有限公司", "", "", "", "", "", "", "", "", "", ""],
    ]
    plan = _run(rep, rows)
    assert len(plan.error_rows) == len(rows)
    by_line = {r.line: " ".join(r.errors) for r in plan.error_rows}
    assert "广州南方电子有限公司" in by_line[2]
    assert "不存在的公司" in by_line[3]
    assert "样品试用" in by_line[4]
    assert "不存在的流程" in by_line[5]
    assert "abc" in by_line[6] and "100" in by_line[6]
    assert "明天" in by_line[7]
    assert "rep_sh2" in by_line[8]
    assert by_line[9]
    assert by_line[10]
    assert _deals().count() == 0


def test_errors_are_translated(cast, customers):
    from django.utils import translation

    with translation.override("zh-hans"):
        plan = _run(cast["rep_sh1"], [["不存在的公司", "x", "", "", "", "", "", "", "", "", ""]])
    assert "没有" in " ".join(plan.error_rows[0].errors)


def test_existing_deal_of_someone_else_is_an_error_not_a_second_record(cast, customers):
    from opensales.deals.services import opportunity_create

    manager = cast["manager_east"]
    opportunity_create(actor=manager, customer=customers["hengda"], name="共享项目", owner=cast["rep_sh1"])
    # rep_sh2 collaborates on nothing: the customer is not visible at all
    plan = _run(cast["rep_sh2"], [["上海恒达贸易有限公司", "共享项目", "", "", "", "", "", "", "", "", ""]])
    assert plan.error_rows
    assert _deals().count() == 1


def test_planning_queries_stay_flat(cast, customers):
    manager = cast["manager_east"]
    rows = [
        ["上海恒达贸易有限公司", f"项目{i}", "", "", str(i * 100), "", "", "", "", "rep_sh1", ""]
        for i in range(3)
    ]
    many = [
        ["上海恒达贸易有限公司", f"项目{i}", "", "", str(i * 100), "", "", "", "", "rep_sh1", ""]
        for i in range(30)
    ]

    def count(data):
        table = read_table(_csv([HEADER, *data]), "deals.csv")
        mapping = matching.auto_match(OpportunityImporter, table.headers)
        with CaptureQueriesContext(connection) as ctx:
            engine.plan(OpportunityImporter(manager), table, mapping, "upsert")
        return len(ctx.captured_queries)

    count(rows)  # the first run creates the default pipelines
    assert count(many) == count(rows)
