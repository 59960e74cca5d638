"""The customer importer: parsing, duplicate detection, and a re-import that creates nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction

from opensales.customers.importers import CustomerImporter
from opensales.customers.models import Customer
from opensales.imports import engine, matching
from opensales.imports.reading import read_table

from .factories import make_customer

pytestmark = pytest.mark.django_db

HEADER = [
    "客户名称",
    "简称",
    "统一社会信用代码",
    "所属行业",
    "规模",
    "来源",
    "地区",
    "电话",
    "负责人",
    "客户等级",
    "标签",
]
ROWS = [
    [
        "上海恒达贸易有限公司",
        "恒达",
        "91350100M000100Y43",
        "零售与贸易",
        "20-99人",
        "展会",
        "上海市 浦东新区",
        "021-68881234",
        "rep_sh1",
        "A",
        "重点客户, 国企",
    ],
    ["杭州云帆网络科技有限公司", "云帆", "", "IT and software", "", "Referral", "330106", "", "", "B", ""],
]


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _run(user, rows, mode="upsert"):
    table = read_table(_csv([HEADER, *rows]), "customers.csv")
    mapping = matching.auto_match(CustomerImporter, table.headers)
    plan = engine.plan(CustomerImporter(user), table, mapping, mode)
    if not plan.error_rows:
        with transaction.atomic():
            engine.write(CustomerImporter(user), user, plan.rows)
    return plan


def test_import_then_reimport_without_duplicates(cast):
    manager = cast["manager_east"]
    plan = _run(manager, ROWS)
    assert not plan.error_rows, [r.errors for r in plan.error_rows]
    assert (plan.created, plan.updated) == (2, 0)
    hengda = Customer.objects.unscoped(reason="t").get(credit_code="91350100M000100Y43")
    assert (hengda.owner, hengda.region, hengda.industry, hengda.source, hengda.grade) == (
        cast["rep_sh1"],
        "310115",
        "retail",
        "exhibition",
        "A",
    )
    yunfan = Customer.objects.unscoped(reason="t").get(name="杭州云帆网络科技有限公司")
    assert yunfan.owner == manager and yunfan.region == "330106"
    from opensales.workspace.tags import tags_of

    assert sorted(t.name for t in tags_of(hengda)) == ["国企", "重点客户"]
    # The same file again: nothing new, nothing changed.
    again = _run(manager, ROWS)
    assert not again.error_rows
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    # A name written differently (suffix, spaces) finds the same customer.
    renamed = _run(manager, [["杭州 云帆网络科技", "", "", "", "", "", "", "", "", "C", ""]])
    assert (renamed.created, renamed.updated) == (0, 1)
    assert Customer.objects.unscoped(reason="t").count() == 2


def test_bad_cells_are_row_errors(cast):
    plan = _run(
        cast["manager_east"],
        [["坏公司", "", "91350100M000100Y44", "不存在的行业", "", "", "火星", "", "nobody", "", ""]],
    )
    assert len(plan.error_rows[0].errors) == 4  # credit code, industry, region, owner
    assert not Customer.objects.unscoped(reason="t").exists()


def test_someone_elses_customer_is_an_error_not_a_second_record(cast):
    make_customer(cast["rep_gz1"], name="广州某某贸易")
    plan = _run(
        cast["rep_sh1"], [["广州某某贸易有限公司", "", "", "", "", "", "", "", "", "", ""]], mode="create"
    )
    assert plan.error_rows and "徐丽" in " ".join(plan.error_rows[0].errors)
    assert Customer.objects.unscoped(reason="t").count() == 1
