"""Demo step: about 200 leads over the last six months, across statuses and reps, and two assignment rules."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from opensales.core.demo import DemoContext, demo_step

from . import services
from .models import AssignmentRule, Lead, LeadStatus

COMPANIES = [
    "星河",
    "蓝海",
    "华信",
    "远航",
    "恒通",
    "天成",
    "鼎盛",
    "启明",
    "金桥",
    "东方",
    "瑞丰",
    "中科",
    "新锐",
    "博远",
    "汇智",
    "联创",
    "安泰",
    "合众",
    "宏达",
    "银河",
    "卓越",
    "云帆",
    "思源",
    "嘉禾",
]
TRADES = ["科技", "制造", "物流", "贸易", "医疗器械", "软件", "电子", "新材料", "教育科技", "环保"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "婷"]
TITLES = ["采购经理", "IT 主管", "总经理", "行政经理", "技术总监", "运营负责人", ""]
# (region code, the reps who work it)
REGIONS = [
    ("310115", ["rep_sh1", "rep_sh2"]),
    ("310104", ["rep_sh1", "rep_sh2"]),
    ("330106", ["rep_hz1", "rep_hz2"]),
    ("440106", ["rep_gz1", "rep_gz2"]),
    ("440305", ["rep_sz1", "rep_sz2"]),
    ("110108", ["rep_bj1", "rep_bj2", "rep_bj3"]),
]
SOURCES = ["website", "website", "exhibition", "referral", "cold_call", "advertising", "partner"]
INDUSTRIES = ["manufacturing", "it", "retail", "health", "logistics", "services", ""]
INVALID_REASONS = ["空号", "同行咨询", "无采购需求", "重复线索", "联系不上"]


@demo_step(95, "leads")
def seed_leads(ctx: DemoContext) -> None:
    from opensales.customers.models import Customer
    from opensales.org.models import Department

    rng = ctx.rng
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="rep_")}
    depts = {d.code: d for d in Department.objects.unscoped(reason="demo").filter(code__in=["SH", "GZ"])}
    if "SH" in depts:
        AssignmentRule.objects.get_or_create(
            name="上海官网线索",
            defaults={"department": depts["SH"], "region_prefix": "31", "cap_per_rep": 40, "sort_order": 10},
        )
    if "GZ" in depts:
        AssignmentRule.objects.get_or_create(
            name="广州官网线索",
            defaults={"department": depts["GZ"], "region_prefix": "44", "cap_per_rep": 40, "sort_order": 20},
        )
    customers_by_owner: dict[int, list[Customer]] = {}
    for customer in Customer.objects.unscoped(reason="demo: customers to link converted leads to").exclude(
        owner=None
    ):
        customers_by_owner.setdefault(customer.owner_id, []).append(customer)

    now = timezone.now()
    count = 200 * min(ctx.scale, 5)
    made = []
    for i in range(count):
        region, reps = rng.choice(REGIONS)
        owner = users.get(rng.choice(reps))
        if rng.random() < 0.06:
            owner = None  # a web lead no rule placed
        company = f"{rng.choice(COMPANIES)}{rng.choice(TRADES)}有限公司"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
        lead = services.lead_create(
            actor=None,
            owner=owner,
            source=rng.choice(SOURCES),
            company=company,
            contact_name=name,
            title=rng.choice(TITLES),
            phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
            email=f"lead{i + 1}@example.cn" if rng.random() < 0.6 else "",
            region=region,
            industry=rng.choice(INDUSTRIES),
            score=rng.randint(0, 100),
            notes="",
        )
        created = now - timedelta(days=rng.randint(0, 180), hours=rng.randint(0, 23))
        roll = rng.random()
        update: dict = {"created_at": created}
        if owner is not None and roll < 0.18 and customers_by_owner.get(owner.pk):
            update.update(
                status=LeadStatus.CONVERTED,
                converted_at=min(now, created + timedelta(days=rng.randint(3, 40))),
                converted_customer=rng.choice(customers_by_owner[owner.pk]),
            )
        elif roll < 0.28:
            update.update(status=LeadStatus.INVALID, invalid_reason=rng.choice(INVALID_REASONS))
        elif roll < 0.6 and owner is not None:
            update.update(
                status=LeadStatus.WORKING, last_follow_up_at=created + timedelta(days=rng.randint(0, 10))
            )
        Lead.objects.unscoped(reason="demo: back-dating leads").filter(pk=lead.pk).update(**update)
        made.append(lead.pk)
    ctx.made["leads"] = made
    ctx.log(f"demo: {len(made)} leads")
