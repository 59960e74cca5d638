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


# --- With the primary contact, in bulk -----------------------------------------------------------------

CONTACT_HEADER = [
    "客户名称",
    "统一社会信用代码",
    "电话",
    "负责人",
    "标签",
    "联系人",
    "手机",
    "联系人邮箱",
    "职务",
]


def _run_contacts(user, rows, mode="upsert", chunk_size=None):
    table = read_table(_csv([CONTACT_HEADER, *rows]), "customers.csv")
    mapping = matching.auto_match(CustomerImporter, table.headers)
    importer = CustomerImporter(user)
    if chunk_size:
        importer.chunk_size = chunk_size
    plan = engine.plan(importer, table, mapping, mode)
    assert not plan.error_rows, [r.errors for r in plan.error_rows]
    with transaction.atomic():
        engine.write(importer, user, [r for r in plan.rows if r.action in ("create", "update")])
    return plan


ROW_A = [
    "上海恒达贸易有限公司",
    "91350100M000100Y43",
    "021-68881234",
    "rep_sh1",
    "国企",
    "王芳",
    "13812345678",
    "Wang.Fang@Example.com ",
    "采购经理",
]


def _fields(obj, skip=()):
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in {"id", "created_at", "updated_at", "owned_since", "customer_id", *skip}
    }


def test_bulk_import_writes_what_the_services_write(cast):
    from opensales.audit.models import AuditEvent
    from opensales.customers import services
    from opensales.customers.models import Contact
    from opensales.search.models import SearchEntry

    manager = cast["manager_east"]
    _run_contacts(manager, [ROW_A])
    imported = Customer.objects.unscoped(reason="t").get(name="上海恒达贸易有限公司")
    with transaction.atomic():
        made = services.customer_create(
            actor=manager,
            owner=cast["rep_sh1"],
            tags=["国企"],
            name="上海恒达贸易有限公司",
            credit_code="91350100M000100Y43",
            phone="021-68881234",
        )
        services.contact_create(
            actor=manager,
            customer=made,
            is_primary=True,
            name="王芳",
            mobile="13812345678",
            email="Wang.Fang@Example.com",
            title="采购经理",
        )
    assert _fields(imported) == _fields(made)
    c1, c2 = (Contact.objects.unscoped(reason="t").get(customer=c) for c in (imported, made))
    assert _fields(c1) == _fields(c2)
    assert c1.mobile_index and c1.email_index and c1.mobile == "13812345678"
    for a, b in ((imported, made), (c1, c2)):
        h1, h2 = a.history.get(), b.history.get()
        # Every column of the history row (the clear text of encrypted ones), but ids and times.
        history_skip = {"history_id", "history_date"}
        assert _fields(h1, skip=history_skip) == _fields(h2, skip=history_skip)
        assert h1.history_user == manager and h1.history_type == "+"
        assert (h1.id, h1.created_at) == (a.pk, a.created_at)
        e1, e2 = (
            AuditEvent.objects.filter(object_type=x._meta.label_lower, object_id=str(x.pk)).order_by("id")
            for x in (a, b)
        )
        assert [(e.action, e.changes) for e in e1] == [
            (e.action, {k: (imported.pk if k == "customer" else v) for k, v in e.changes.items()}) for e in e2
        ]
        audit_skip = {"occurred_at", "object_id", "changes", "prev_hash", "hash"}
        assert [_fields(e, skip=audit_skip) for e in e1] == [_fields(e, skip=audit_skip) for e in e2]
        s1, s2 = (
            SearchEntry.objects.get(object_id=x.pk, content_type__model=x._meta.model_name) for x in (a, b)
        )
        assert _fields(s1, skip={"object_id"}) == _fields(s2, skip={"object_id"})
    from opensales.workspace.models import TaggedItem

    t1, t2 = (
        sorted(
            TaggedItem.objects.filter(object_id=x.pk, content_type__model="customer").values_list("tag_id")
        )
        for x in (imported, made)
    )
    assert t1 == t2 and t1


def test_bulk_import_keeps_the_audit_chain_and_reimport_changes_nothing(cast):
    from opensales.audit.models import AuditEvent
    from opensales.audit.services import verify_chain
    from opensales.customers.models import Contact

    manager = cast["manager_east"]
    rows = [
        ROW_A,
        ["杭州云帆网络科技有限公司", "", "", "", "", "李娜", "13900001111", "", ""],
        ["北京星河", "", "", "", "", "", "", "", ""],
    ]
    plan = _run_contacts(manager, rows, chunk_size=2)
    assert (plan.created, plan.updated) == (3, 0)
    assert Contact.objects.unscoped(reason="t").count() == 2
    assert AuditEvent.objects.filter(action="customer.create").count() == 3
    assert AuditEvent.objects.filter(action="contact.create").count() == 2
    assert verify_chain().ok
    again = _run_contacts(manager, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Customer.objects.unscoped(reason="t").count() == 3
    # A changed contact: the primary contact is updated, not duplicated.
    changed = [[*ROW_A[:5], "王芳", "13812345679", "", "总监"]]
    plan = _run_contacts(manager, changed)
    assert plan.updated == 1
    contact = Contact.objects.unscoped(reason="t").get(name="王芳")
    assert (contact.mobile, contact.title, contact.version) == ("13812345679", "总监", 2)
    assert AuditEvent.objects.filter(action="contact.update").count() == 1
    assert verify_chain().ok


def test_a_failing_chunk_is_written_row_by_row(cast, monkeypatch):
    from opensales.customers import bulk

    manager = cast["manager_east"]
    rows = [
        ROW_A,
        ["杭州云帆网络科技有限公司", "", "", "", "", "", "", "", ""],
        ["北京星河", "", "", "", "", "", "", "", ""],
    ]
    table = read_table(_csv([CONTACT_HEADER, *rows]), "customers.csv")
    importer = CustomerImporter(manager)
    plan = engine.plan(importer, table, matching.auto_match(CustomerImporter, table.headers), "upsert")

    def broken(actor, items):
        raise engine.DatabaseError("boom")

    monkeypatch.setattr(bulk, "create_customers", broken)
    plan.rows[1].values["name"] = "x" * 300  # the services refuse this one row
    with transaction.atomic():
        with pytest.raises(engine.RowFailed) as failed:
            engine.write(importer, manager, plan.rows)
        assert list(failed.value.failures) == [3]
        assert Customer.objects.unscoped(reason="t").count() == 2  # the others were not lost


def test_bulk_write_queries_do_not_grow_with_rows(cast, django_assert_max_num_queries):
    manager = cast["manager_east"]
    rows = [[f"测试公司{i}", "", "", "", "", f"联系人{i}", f"1380000{i:04d}", "", ""] for i in range(60)]
    table = read_table(_csv([CONTACT_HEADER, *rows]), "customers.csv")
    importer = CustomerImporter(manager)
    plan = engine.plan(importer, table, matching.auto_match(CustomerImporter, table.headers), "upsert")
    with django_assert_max_num_queries(30), transaction.atomic():
        engine.write(importer, manager, plan.rows)
    assert Customer.objects.unscoped(reason="t").count() == 60


def test_bulk_updates_never_fall_back_to_row_by_row(cast, monkeypatch):
    """Creates and updates (customer and contact columns) go through the bulk path on every database
    (a chunk that fails is redone row by row: that must not hide a bulk path that always fails)."""

    def no_fallback(importer, actor, chunk, failures, cause):
        raise AssertionError(f"the bulk write failed: {cause!r}")

    monkeypatch.setattr(engine, "_write_rows", no_fallback)
    manager = cast["manager_east"]
    _run_contacts(
        manager, [ROW_A, ["杭州云帆网络科技有限公司", "", "", "", "", "李娜", "13900001111", "", ""]]
    )
    plan = _run_contacts(
        manager,
        [
            [ROW_A[0], ROW_A[1], "021-68880000", *ROW_A[3:5], "王芳", "13812345679", "", "总监"],
            ["杭州云帆网络科技有限公司", "", "0571-8888000", "", "", "", "", "", ""],
        ],
    )
    assert plan.updated == 2
    customer = Customer.objects.unscoped(reason="t").get(name=ROW_A[0])
    assert (customer.phone, customer.version) == ("021-68880000", 2)


def test_bulk_updates_write_history_rows_as_the_services_do(cast):
    """The updated customer and contact get a history row each, as their post_save writes it: every
    column as now stored, type "~", the actor, no change reason."""
    from opensales.customers.models import Contact

    manager = cast["manager_east"]
    _run_contacts(manager, [ROW_A])
    changed = [[ROW_A[0], ROW_A[1], "021-68880000", *ROW_A[3:5], "王芳", "13812345679", "", "总监"]]
    assert _run_contacts(manager, changed).updated == 1
    customer = Customer.objects.unscoped(reason="t").get(name=ROW_A[0])
    contact = Contact.objects.unscoped(reason="t").get(customer=customer)
    assert (customer.phone, contact.mobile, contact.title) == ("021-68880000", "13812345679", "总监")
    for record in (customer, contact):
        latest = record.history.order_by("-history_id").first()
        assert (latest.history_type, latest.history_user, latest.history_change_reason) == (
            "~",
            manager,
            None,
        )
        skip = {"history_id", "history_date", "history_type", "history_user_id", "history_change_reason"}
        fields = {k: v for k, v in _fields(latest, skip=skip).items() if k != "history_relation_id"}
        assert fields == _fields(record)
        assert (latest.id, latest.version, latest.updated_at) == (record.pk, 2, record.updated_at)


def test_bulk_import_writes_the_updates_before_the_creates(cast):
    """Whatever the rows' order in the file, the updates go first (docs/import.md: written after the
    creates, they cost seven times as much), and both are found by the search afterwards."""
    from opensales.audit.models import AuditEvent
    from opensales.audit.services import verify_chain
    from opensales.search.selectors import search

    manager = cast["manager_east"]
    _run_contacts(manager, [ROW_A])
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    rows = [
        ["杭州云帆网络科技有限公司", "", "", "", "", "", "", "", ""],
        ["北京星河", "", "", "", "", "", "", "", ""],
        [ROW_A[0], ROW_A[1], "021-68880000", *ROW_A[3:]],
    ]
    plan = _run_contacts(manager, rows, chunk_size=2)
    assert (plan.created, plan.updated) == (2, 1)
    actions = list(
        AuditEvent.objects.filter(id__gt=before, action__in=["customer.create", "customer.update"])
        .order_by("id")
        .values_list("action", "object_repr")
    )
    assert actions == [
        ("customer.update", ROW_A[0]),
        ("customer.create", "杭州云帆网络科技有限公司"),
        ("customer.create", "北京星河"),
    ]
    assert verify_chain().ok
    for query, title in (("68880000", ROW_A[0]), ("云帆", "杭州云帆网络科技有限公司"), ("星河", "北京星河")):
        customers = [g for g in search(manager, query).groups if g.key == "customers"]
        assert [h.title for h in customers[0].items] == [title], query
