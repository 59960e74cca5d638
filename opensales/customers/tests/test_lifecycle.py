"""The customer lifecycle: pools (claim limits, reclaim block, membership, return by rules), handover,
merge and undo, grading, lifecycle moves."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from opensales.audit.models import AuditEvent
from opensales.core.scope import system_access
from opensales.customers import grading, handover, lifecycle, merge, pools
from opensales.customers.models import (
    Customer,
    CustomerMerge,
    CustomerPool,
    GradingRule,
    Lifecycle,
    PoolEvent,
)

pytestmark = pytest.mark.django_db

U = "test"


def cust(name, owner=None, pool=None, **kw):
    return Customer.objects.create(name=name, owner=owner, pool=pool, **kw)


def get(pk):
    return Customer.objects.unscoped(reason=U).get(pk=pk)


@pytest.fixture
def east_pool(departments):
    pool = CustomerPool.objects.create(
        name="华东公海", max_claims_per_day=2, max_customers_per_rep=3, reclaim_block_days=30
    )
    with system_access(U):
        pool.departments.set([departments["EAST"]])
    return pool


@pytest.fixture
def open_pool(db):
    return CustomerPool.objects.create(name="全国公海", is_default=True)


def won_stage():
    from opensales.deals.models import Pipeline, Stage

    pipeline, _ = Pipeline.objects.get_or_create(name="项目型", defaults={"is_default": True})
    won, _ = Stage.objects.get_or_create(
        pipeline=pipeline, name="赢单", defaults={"is_won": True, "sort_order": 9}
    )
    open_, _ = Stage.objects.get_or_create(pipeline=pipeline, name="需求确认", defaults={"sort_order": 1})
    return pipeline, won, open_


def deal(customer, owner, amount="0", won=True, closed=None):
    from opensales.deals.models import Opportunity

    pipeline, won_s, open_s = won_stage()
    return Opportunity.objects.create(
        customer=customer,
        name=f"{customer.name} 项目",
        amount=Decimal(amount),
        pipeline=pipeline,
        stage=won_s if won else open_s,
        owner=owner,
        closed_at=closed or (timezone.localdate() if won else None),
    )


def follow_up(customer, owner, at=None, planned=False):
    from opensales.activities.models import FollowUp, FollowUpStatus

    return FollowUp.objects.create(
        customer=customer,
        owner=owner,
        subject="电话回访",
        at=at or timezone.now(),
        status=FollowUpStatus.PLANNED if planned else FollowUpStatus.DONE,
    )


# --- Lifecycle -------------------------------------------------------------------------------------


def test_on_follow_up_keeps_latest_and_earliest_future(cast):
    c = cust("上海甲公司", cast["rep_sh1"])
    now = timezone.now()
    lifecycle.on_follow_up(customer=c, at=now - timedelta(days=1), next_at=now + timedelta(days=5))
    lifecycle.on_follow_up(customer=c, at=now - timedelta(days=3), next_at=now + timedelta(days=2))
    lifecycle.on_follow_up(customer=c, at=now - timedelta(days=2), next_at=now + timedelta(days=9))
    c = get(c.pk)
    assert c.last_follow_up_at == now - timedelta(days=1)
    assert c.next_follow_up_at == now + timedelta(days=2)
    assert c.lifecycle == Lifecycle.PROSPECT
    assert c.history.count() == 1  # created only: the bookkeeping writes no history


def test_deal_won_moves_to_won_then_repeat_with_audit(cast):
    c = cust("上海乙公司", cast["rep_sh1"], lifecycle=Lifecycle.NEW)
    first = deal(c, cast["rep_sh1"], "1000")
    lifecycle.on_deal_won(customer=c, opportunity=first, actor=cast["rep_sh1"])
    assert get(c.pk).lifecycle == Lifecycle.WON
    assert get(c.pk).last_deal_at is not None
    second = deal(c, cast["rep_sh1"], "2000")
    lifecycle.on_deal_won(customer=c, opportunity=second, actor=cast["rep_sh1"])
    assert get(c.pk).lifecycle == Lifecycle.REPEAT
    events = AuditEvent.objects.filter(action="customer.lifecycle", object_id=str(c.pk)).order_by("pk")
    assert [e.changes["lifecycle"] for e in events] == [["new", "won"], ["won", "repeat"]]


def test_set_lifecycle_by_hand_needs_change_scope(cast):
    c = cust("上海丙公司", cast["rep_sh1"])
    with pytest.raises(Http404):
        lifecycle.set_lifecycle(actor=cast["rep_gz1"], customer=c, stage=Lifecycle.NEW)
    with pytest.raises(ValidationError):
        lifecycle.set_lifecycle(actor=cast["rep_sh1"], customer=c, stage="bogus")
    lifecycle.set_lifecycle(actor=cast["rep_sh1"], customer=c, stage=Lifecycle.NEW, reason="首次拜访")
    assert get(c.pk).lifecycle == Lifecycle.NEW
    event = AuditEvent.objects.get(action="customer.lifecycle", object_id=str(c.pk))
    assert event.changes == {"lifecycle": ["prospect", "new"], "reason": "首次拜访"}


def test_mark_inactive_at_risk_then_lost(cast):
    now = timezone.now()
    active = cust(
        "活跃客户", cast["rep_sh1"], lifecycle=Lifecycle.WON, last_follow_up_at=now - timedelta(days=10)
    )
    quiet = cust(
        "沉默客户", cast["rep_sh1"], lifecycle=Lifecycle.WON, last_follow_up_at=now - timedelta(days=100)
    )
    gone = cust(
        "流失客户", cast["rep_sh1"], lifecycle=Lifecycle.REPEAT, last_deal_at=now - timedelta(days=200)
    )
    Customer.objects.unscoped(reason=U).filter(pk__in=[quiet.pk, gone.pk]).update(
        created_at=now - timedelta(days=400)
    )
    prospect = cust("潜在客户", cast["rep_sh1"])
    Customer.objects.unscoped(reason=U).filter(pk=prospect.pk).update(created_at=now - timedelta(days=400))
    assert lifecycle.mark_inactive(now) == {"at_risk": 1, "lost": 1}
    assert [get(x.pk).lifecycle for x in (active, quiet, gone, prospect)] == [
        "won",
        "at_risk",
        "lost",
        "prospect",
    ]


# --- Pools -----------------------------------------------------------------------------------------


def test_claim_makes_owner_and_records(cast, east_pool):
    c = cust("待认领", pool=east_pool)
    pools.claim(actor=cast["rep_sh1"], customer=c)
    c = get(c.pk)
    assert c.owner == cast["rep_sh1"] and c.owned_since is not None
    assert PoolEvent.objects.get(customer=c).kind == "claim"
    assert AuditEvent.objects.filter(action="customer.claim", object_id=str(c.pk)).count() == 1
    assert c.history.first().history_user == cast["rep_sh1"]


def test_claim_membership(cast, east_pool, open_pool):
    c = cust("华东公海客户", pool=east_pool)
    with pytest.raises(Http404):
        pools.claim(actor=cast["rep_gz1"], customer=c)  # 广州团队 is not under 华东
    with pytest.raises(PermissionDenied):
        pools.claim(actor=cast["finance"], customer=cust("全国公海客户", pool=open_pool))  # no ADD
    never_pooled = cust("从未入池")  # no owner, no pool: the default pool, open to everyone
    pools.claim(actor=cast["rep_gz1"], customer=never_pooled)
    assert get(never_pooled.pk).pool == open_pool


def test_claim_limits(cast, east_pool):
    rep = cast["rep_sh1"]
    a, b, c = (cust(f"公海{i}", pool=east_pool) for i in range(3))
    pools.claim(actor=rep, customer=a)
    pools.claim(actor=rep, customer=b)
    with pytest.raises(ValidationError, match="今天"):
        pools.claim(actor=rep, customer=c)
    east_pool.max_claims_per_day = None
    east_pool.max_customers_per_rep = 2
    east_pool.save()
    with pytest.raises(ValidationError, match="已负责 2 个客户"):
        pools.claim(actor=rep, customer=c)


def test_reclaim_block(cast, east_pool):
    rep = cast["rep_sh1"]
    c = cust("放回客户", rep, pool=east_pool)
    pools.release(actor=rep, customer=c, reason="暂无需求")
    assert get(c.pk).owner is None
    with pytest.raises(ValidationError, match="才能再次领取"):
        pools.claim(actor=rep, customer=c)
    pools.claim(actor=cast["rep_sh2"], customer=c)  # someone else may
    PoolEvent.objects.filter(customer=c, kind="release").update(at=timezone.now() - timedelta(days=31))
    pools.release(actor=cast["rep_sh2"], customer=c, reason="再放回")
    PoolEvent.objects.filter(customer=c, kind="release").update(at=timezone.now() - timedelta(days=31))
    pools.claim(actor=rep, customer=c)
    assert get(c.pk).owner == rep


def test_release_needs_reason_and_scope(cast, east_pool):
    c = cust("负责客户", cast["rep_sh1"], pool=east_pool)
    with pytest.raises(ValidationError):
        pools.release(actor=cast["rep_sh1"], customer=c, reason=" ")
    with pytest.raises(Http404):
        pools.release(actor=cast["rep_sh2"], customer=c, reason="不是我的")


def test_return_by_rules_warns_first_then_returns(cast, east_pool):
    from opensales.notifications.models import Notification

    east_pool.return_after_days_without_follow_up = 30
    east_pool.warn_days_before = 3
    east_pool.save()
    now = timezone.now()
    rep = cast["rep_sh1"]
    c = cust("久未跟进", rep, pool=east_pool, owned_since=now - timedelta(days=100))
    fresh = cust("刚跟进", rep, pool=east_pool, owned_since=now - timedelta(days=100), last_follow_up_at=now)
    lifecycle.on_follow_up(customer=c, at=now - timedelta(days=28))
    assert pools.return_by_rules(now) == {"warned": 1, "returned": 0}
    assert Notification.objects.filter(recipient=rep, kind="pool_warning").count() == 1
    assert pools.return_by_rules(now) == {"warned": 0, "returned": 0}  # warned once
    assert pools.return_by_rules(now + timedelta(days=3)) == {"warned": 0, "returned": 1}
    c = get(c.pk)
    assert c.owner is None and c.pool == east_pool
    assert list(PoolEvent.objects.filter(customer=c).values_list("kind", "user_id")) == [
        ("warning", rep.pk),
        ("return", rep.pk),
    ]
    assert get(fresh.pk).owner == rep
    # the former owner may not claim it straight back
    with pytest.raises(ValidationError):
        pools.claim(actor=rep, customer=c)


# --- Handover ---------------------------------------------------------------------------------------


def test_handover_all_with_deals_leads_and_follow_ups(cast):
    from opensales.activities.models import FollowUp
    from opensales.deals.models import Opportunity
    from opensales.leads.models import Lead

    rep1, rep2 = cast["rep_sh1"], cast["rep_sh2"]
    a, b = cust("交接甲", rep1), cust("交接乙", rep1)
    open_deal = deal(a, rep1, "100", won=False)
    won_deal = deal(a, rep1, "100", won=True)
    planned = follow_up(b, rep1, at=timezone.now() + timedelta(days=2), planned=True)
    done = follow_up(b, rep1)
    lead = Lead.objects.create(contact_name="王五", owner=rep1)
    counts = handover.handover(actor=cast["manager_east"], from_user=rep1, to_user=rep2)
    assert counts == {"customers": 2, "opportunities": 1, "leads": 1, "follow_ups": 1}
    assert {get(a.pk).owner_id, get(b.pk).owner_id} == {rep2.pk}
    u = Opportunity.objects.unscoped(reason=U)
    assert u.get(pk=open_deal.pk).owner == rep2 and u.get(pk=won_deal.pk).owner == rep1
    f = FollowUp.objects.unscoped(reason=U)
    assert f.get(pk=planned.pk).owner == rep2 and f.get(pk=done.pk).owner == rep1
    assert Lead.objects.unscoped(reason=U).get(pk=lead.pk).owner == rep2
    event = AuditEvent.objects.get(action="customer.handover")
    assert sorted(event.changes["customers"]) == sorted([a.pk, b.pk])


def test_handover_rejects_a_foreign_customer_and_reps(cast):
    rep1 = cast["rep_sh1"]
    a = cust("可交接", rep1)
    with pytest.raises(PermissionDenied):
        handover.handover(actor=rep1, from_user=rep1, to_user=cast["rep_sh2"])
    gz = cust("广州客户", cast["rep_gz1"])
    with pytest.raises(Http404):
        handover.handover(actor=cast["manager_east"], from_user=cast["rep_gz1"], to_user=cast["rep_sh2"])
    with pytest.raises(Http404):
        handover.handover(
            actor=cast["manager_east"], from_user=rep1, to_user=cast["rep_sh2"], customer_ids=[a.pk, gz.pk]
        )
    assert get(a.pk).owner == rep1 and get(gz.pk).owner == cast["rep_gz1"]


def test_handover_to_pool(cast, open_pool):
    rep1 = cast["rep_sh1"]
    a = cust("入池交接", rep1)
    handover.handover(actor=cast["manager_east"], from_user=rep1, to_user=None, customer_ids=[a.pk])
    a = get(a.pk)
    assert a.owner is None and a.pool == open_pool


# --- Merge -------------------------------------------------------------------------------------------


def test_merge_and_undo_restore_exactly(cast):
    from opensales.activities.models import FollowUp
    from opensales.comments.models import Comment
    from opensales.customers.models import Contact
    from opensales.deals.models import Opportunity

    mgr, rep = cast["manager_east"], cast["rep_sh1"]
    keep = cust("上海华虹科技有限公司", rep, phone="021-1111")
    dup = cust("上海华虹科技", rep, phone="021-2222", website="https://huahong.example")
    contact = Contact.objects.create(customer=dup, name="李雷")
    fu = follow_up(dup, rep)
    opp = deal(dup, rep, "500", won=False)
    comment = (
        Comment.objects.create(
            content_type_id=__import__("django.contrib.contenttypes.models", fromlist=["x"])
            .ContentType.objects.get_for_model(Customer)
            .pk,
            object_id=dup.pk,
            author=rep,
            body="重复客户",
        )
        if hasattr(Comment, "author")
        else None
    )
    row = merge.merge(
        actor=mgr, survivor=keep, others=[dup], field_choices={"phone": dup.pk, "website": dup.pk}
    )
    keep_now = get(keep.pk)
    assert keep_now.phone == "021-2222" and keep_now.website == "https://huahong.example"
    assert Contact.objects.unscoped(reason=U).get(pk=contact.pk).customer_id == keep.pk
    assert FollowUp.objects.unscoped(reason=U).get(pk=fu.pk).customer_id == keep.pk
    assert Opportunity.objects.unscoped(reason=U).get(pk=opp.pk).customer_id == keep.pk
    gone = Customer.objects.unscoped(reason=U).deleted_only().get(pk=dup.pk)
    assert gone.merged_into_id == keep.pk
    if comment is not None:
        assert Comment.objects.get(pk=comment.pk).object_id == keep.pk
    merge.undo_merge(actor=mgr, merge=row)
    keep_now, dup_now = get(keep.pk), get(dup.pk)
    assert keep_now.phone == "021-1111" and keep_now.website == ""
    assert dup_now.merged_into_id is None and dup_now.deleted_at is None
    assert Contact.objects.unscoped(reason=U).get(pk=contact.pk).customer_id == dup.pk
    assert FollowUp.objects.unscoped(reason=U).get(pk=fu.pk).customer_id == dup.pk
    assert Opportunity.objects.unscoped(reason=U).get(pk=opp.pk).customer_id == dup.pk
    if comment is not None:
        assert Comment.objects.get(pk=comment.pk).object_id == dup.pk
    with pytest.raises(ValidationError):
        merge.undo_merge(actor=mgr, merge=row)


def test_merge_permissions_and_undo_window(cast):
    rep = cast["rep_sh1"]
    a, b = cust("合并甲", rep), cust("合并乙", rep)
    with pytest.raises(Http404):
        merge.merge(actor=rep, survivor=a, others=[b], field_choices={})  # reps may not delete
    gz = cust("广州合并", cast["rep_gz1"])
    with pytest.raises(Http404):
        merge.merge(actor=cast["manager_east"], survivor=a, others=[gz], field_choices={})
    with pytest.raises(ValidationError):
        merge.merge(actor=cast["manager_east"], survivor=a, others=[b], field_choices={"name": 999999})
    row = merge.merge(actor=cast["manager_east"], survivor=a, others=[b], field_choices={})
    CustomerMerge.objects.filter(pk=row.pk).update(merged_at=timezone.now() - timedelta(days=31))
    with pytest.raises(ValidationError, match="30"):
        merge.undo_merge(actor=cast["manager_east"], merge=CustomerMerge.objects.get(pk=row.pk))


# --- Grading ------------------------------------------------------------------------------------------


def test_grading_thresholds_reasons_and_flat_queries(cast):
    rep = cast["rep_sh1"]
    big = cust("大客户", rep)
    mid = cust("中客户", rep)
    cust("小客户", rep)
    deal(big, rep, "1200000")
    for _ in range(12):
        follow_up(big, rep, at=timezone.now() - timedelta(days=3))
    deal(mid, rep, "250000")
    deal(mid, rep, "999999", closed=timezone.localdate() - timedelta(days=400))  # outside the window
    for _ in range(6):
        follow_up(mid, rep, at=timezone.now() - timedelta(days=3))
    with translation.override("en"), override_settings(LANGUAGE_CODE="en"):
        counts = grading.grade_all()
    assert counts == {"customers": 3, "changed": 3}
    assert GradingRule.objects.count() == 4
    got = {c.name: (c.grade, c.grade_reason) for c in Customer.objects.unscoped(reason=U)}
    assert got["大客户"] == ("A", "Won revenue ¥1,200,000 · 12 follow-ups (last 365 days)")
    assert got["中客户"] == ("B", "Won revenue ¥250,000 · 6 follow-ups (last 365 days)")
    assert got["小客户"] == ("D", "Won revenue ¥0 · 0 follow-ups (last 365 days)")
    with override_settings(LANGUAGE_CODE="en"):
        assert grading.grade_all()["changed"] == 0
        with CaptureQueriesContext(connection) as few:
            grading.grade_all()
        for i in range(15):
            c = cust(f"新客户{i}", rep)
            follow_up(c, rep)
        with CaptureQueriesContext(connection) as more:
            grading.grade_all()
    assert len(more) == len(few) + 1  # the one bulk update, not one query per customer
    assert AuditEvent.objects.filter(action="customer.grade_all").count() == 4


# --- Pages and API ----------------------------------------------------------------------------------


def test_pool_page_and_claim_button(cast, east_pool, login):
    c = cust("页面公海客户", pool=east_pool)
    client = login(cast["rep_sh1"])
    page = client.get(reverse("customers:pool", args=[east_pool.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-row-id="{c.pk}"' in html and "0/2" in html
    response = client.post(reverse("customers:claim", args=[c.pk]))
    assert response.status_code == 302
    assert get(c.pk).owner == cast["rep_sh1"]
    assert login(cast["rep_gz1"]).get(reverse("customers:pool", args=[east_pool.pk])).status_code == 404


def test_pool_list_shows_member_pools(cast, east_pool, open_pool, login):
    html = login(cast["rep_gz1"]).get(reverse("customers:pool_list")).content.decode()
    assert f'data-row-id="{open_pool.pk}"' in html and f'data-row-id="{east_pool.pk}"' not in html
    html = login(cast["rep_sh1"]).get(reverse("customers:pool_list")).content.decode()
    assert f'data-row-id="{open_pool.pk}"' in html and f'data-row-id="{east_pool.pk}"' in html


def test_pool_page_query_count_is_flat(cast, east_pool, login):
    client = login(cast["rep_sh1"])
    url = reverse("customers:pool", args=[east_pool.pk])
    cust("甲", pool=east_pool)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(10):
        cust(f"乙{i}", pool=east_pool)
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


def test_api_claim_release_lifecycle(cast, east_pool, login):
    c = cust("接口客户", pool=east_pool)
    client = login(cast["rep_sh1"])
    r = client.post(f"/api/v1/customers/{c.pk}/claim", content_type="application/json")
    assert r.status_code == 200 and r.json()["owner_id"] == cast["rep_sh1"].pk
    r = client.post(f"/api/v1/customers/{c.pk}/lifecycle", {"stage": "nope"}, content_type="application/json")
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/customers/{c.pk}/lifecycle", {"stage": "new", "version": 1}, content_type="application/json"
    )
    assert r.status_code == 409
    r = client.post(f"/api/v1/customers/{c.pk}/lifecycle", {"stage": "new"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["lifecycle"] == "new"
    r = client.post(f"/api/v1/customers/{c.pk}/release", {"reason": ""}, content_type="application/json")
    assert r.status_code == 422 and "reason" in r.json()["fields"]
    r = client.post(
        f"/api/v1/customers/{c.pk}/release", {"reason": "无需求"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["owner_id"] is None


def test_api_merge_and_undo(cast, login):
    rep = cast["rep_sh1"]
    a, b = cust("接口合并甲", rep), cust("接口合并乙", rep, phone="123")
    client = login(cast["manager_east"])
    r = client.post(
        "/api/v1/customers/merge",
        {"survivor": a.pk, "others": [b.pk], "field_choices": {"phone": b.pk}},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["merged"] == [b.pk] and get(a.pk).phone == "123"
    r = client.post(f"/api/v1/customer-merges/{r.json()['id']}/undo", content_type="application/json")
    assert r.status_code == 200 and r.json()["undone"] is True
    assert get(a.pk).phone == ""
