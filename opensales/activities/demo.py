"""Demo step (after customers 80, deals 90, leads 95): a year of follow-ups by the reps on their
customers — calls, visits with check-ins, meetings, WeChat — and, for every rep, a few planned ones today
and this week (some already overdue), so the calendar, today's page and the reminders have something
to show. Bulk-created for volume; the customers', deals' and leads' follow-up times are set in one pass
afterwards."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from opensales.core.demo import DemoContext, demo_step

from .models import FollowUp, FollowUpStatus, FollowUpType

REASON = "demo data"

SUBJECTS = {
    FollowUpType.CALL: ["电话沟通采购计划", "电话确认报价细节", "回访使用情况", "电话约见面时间", "催款电话"],
    FollowUpType.VISIT: ["上门拜访采购部", "拜访技术负责人", "现场演示与交流", "季度回访", "新品推介拜访"],
    FollowUpType.MEETING: ["项目启动会", "需求评审会议", "商务谈判", "年度合作回顾会"],
    FollowUpType.EMAIL: ["发送报价单", "发送产品资料", "邮件确认合同条款"],
    FollowUpType.WECHAT: ["微信沟通交付时间", "微信发送方案", "微信跟进付款进度"],
    FollowUpType.RECEPTION: ["接待客户来访参观", "接待客户考察工厂"],
    FollowUpType.PROPOSAL: ["提交解决方案", "修改技术方案", "提交投标方案"],
    FollowUpType.DEMO: ["产品演示", "系统试用演示"],
    FollowUpType.OTHER: ["展会交流", "行业沙龙偶遇"],
}
WEIGHTS = {
    FollowUpType.CALL: 30,
    FollowUpType.VISIT: 18,
    FollowUpType.MEETING: 8,
    FollowUpType.EMAIL: 10,
    FollowUpType.WECHAT: 22,
    FollowUpType.RECEPTION: 3,
    FollowUpType.PROPOSAL: 4,
    FollowUpType.DEMO: 3,
    FollowUpType.OTHER: 2,
}
CONTENTS = [
    "客户对价格比较敏感，希望年底前给出优惠方案。",
    "对方技术负责人认可我们的方案，需要内部再评估。",
    "客户预算已批，采购流程预计两周内启动。",
    "竞争对手也在接触，需要尽快安排高层拜访。",
    "客户反馈上次交付及时，有意扩大采购量。",
    "沟通顺利，约定下周提交正式报价。",
]
OUTCOMES = ["达成初步意向", "需再次跟进", "已发送报价", "客户暂无需求", "约定下次拜访", "进入商务谈判"]
# Rough city centres by department code prefix, for visit check-ins.
PLACES = {
    "SH": (Decimal("31.2304"), Decimal("121.4737"), "上海市浦东新区张江路"),
    "HZ": (Decimal("30.2741"), Decimal("120.1551"), "杭州市西湖区文三路"),
    "GZ": (Decimal("23.1291"), Decimal("113.2644"), "广州市天河区天河路"),
    "SZ": (Decimal("22.5431"), Decimal("114.0579"), "深圳市南山区科技园"),
    "BJ": (Decimal("39.9042"), Decimal("116.4074"), "北京市海淀区中关村大街"),
}
SIZES = {"small": 2000, "medium": 6000, "large": 20000}


def _place(user, rng):
    code = getattr(getattr(getattr(user, "employee", None), "department", None), "code", "") or "SH"
    lat, lon, street = PLACES.get(code[:2].upper(), PLACES["SH"])
    jitter = lambda: Decimal(rng.randint(-300, 300)) / Decimal(10000)  # noqa: E731
    return lat + jitter(), lon + jitter(), f"{street}{rng.randint(1, 999)}号"


@demo_step(100, "follow-ups")
def seed_follow_ups(ctx: DemoContext) -> None:
    from opensales.customers.models import Contact, Customer
    from opensales.deals.models import Opportunity
    from opensales.leads.models import Lead

    rng = ctx.rng
    users = ctx.made.get("users", {})
    reps = [u for name, u in users.items() if name.startswith(("rep_", "lead_"))]
    customers = list(
        Customer.objects.unscoped(reason=REASON)
        .filter(owner__isnull=False)
        .select_related("owner__employee__department")
    )
    contacts: dict[int, list[int]] = defaultdict(list)
    for pk, customer_id in Contact.objects.unscoped(reason=REASON).values_list("pk", "customer_id"):
        contacts[customer_id].append(pk)
    deals: dict[int, list[int]] = defaultdict(list)
    for pk, customer_id in Opportunity.objects.unscoped(reason=REASON).values_list("pk", "customer_id"):
        deals[customer_id].append(pk)
    leads_by_owner: dict[int, list[int]] = defaultdict(list)
    for pk, owner_id in (
        Lead.objects.unscoped(reason=REASON).filter(owner__isnull=False).values_list("pk", "owner_id")
    ):
        leads_by_owner[owner_id].append(pk)

    now = timezone.now()
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    rows: list[FollowUp] = []

    def make(owner, customer, at, status, kind=None) -> FollowUp:
        kind = kind or rng.choices(kinds, weights)[0]
        fu = FollowUp(
            kind=kind,
            status=status,
            subject=rng.choice(SUBJECTS[kind]),
            at=at,
            duration_minutes=rng.choice([15, 30, 30, 45, 60, 90, 120]),
            owner=owner,
            customer=customer,
        )
        if customer is not None:
            if contacts.get(customer.pk) and rng.random() < 0.7:
                fu.contact_id = rng.choice(contacts[customer.pk])
            if deals.get(customer.pk) and rng.random() < 0.4:
                fu.opportunity_id = rng.choice(deals[customer.pk])
        elif leads_by_owner.get(owner.pk):
            fu.lead_id = rng.choice(leads_by_owner[owner.pk])
        if status == FollowUpStatus.DONE:
            fu.content = rng.choice(CONTENTS)
            fu.outcome = rng.choice(OUTCOMES)
            if kind == FollowUpType.VISIT and rng.random() < 0.6:
                lat, lon, address = _place(owner, rng)
                fu.checkin_latitude, fu.checkin_longitude, fu.checkin_address = lat, lon, address
                fu.checkin_at = at - timedelta(minutes=rng.randint(0, 10))
        return fu

    total = SIZES.get(ctx.size, 2000)
    if customers or reps:
        for _ in range(total):
            if customers and rng.random() < 0.9:
                customer = rng.choice(customers)
                owner = customer.owner
            else:
                customer, owner = None, rng.choice(reps or [c.owner for c in customers])
            day = now - timedelta(days=rng.randint(1, 365))
            at = timezone.make_aware(
                datetime.combine(
                    timezone.localdate(day), time(rng.randint(8, 18), rng.choice([0, 15, 30, 45]))
                )
            )
            rows.append(make(owner, customer, at, FollowUpStatus.DONE))

    # Every rep's agenda: three today (one already past), two later this week, two overdue.
    today = timezone.localdate()
    by_owner: dict[int, list] = defaultdict(list)
    for c in customers:
        by_owner[c.owner_id].append(c)
    for rep in reps:
        mine = by_owner.get(rep.pk) or [None]
        slots = [
            (today, time(9, 30)),
            (today, time(14, 0)),
            (today, time(16, 30)),
            (today + timedelta(days=rng.randint(1, 3)), time(10, 0)),
            (today + timedelta(days=rng.randint(2, 5)), time(15, 0)),
            (today - timedelta(days=1), time(11, 0)),
            (today - timedelta(days=rng.randint(2, 6)), time(15, 30)),
        ]
        for day, at_time in slots:
            at = timezone.make_aware(datetime.combine(day, at_time))
            rows.append(make(rep, rng.choice(mine), at, FollowUpStatus.PLANNED))

    # Open deals are worked on: each gets the follow-up its "last follow-up" time says (deals step),
    # except the few left stale on purpose (close date passed), which get none in the last weeks.
    today = timezone.localdate()
    fresh = now - timedelta(days=14)
    open_deals = (
        Opportunity.objects.unscoped(reason=REASON)
        .filter(stage__is_won=False, stage__is_lost=False)
        .values_list("pk", "customer_id", "owner_id", "contact_id", "expected_close", "last_follow_up_at")
    )
    quiet_deals = set()
    for pk, customer_id, owner_id, contact_id, close, last_at in open_deals:
        if close is not None and close < today:
            quiet_deals.add(pk)
            continue
        at = last_at if last_at is not None and last_at > fresh else now - timedelta(days=rng.randint(0, 12))
        kind = rng.choices(kinds, weights)[0]
        rows.append(
            FollowUp(
                kind=kind,
                status=FollowUpStatus.DONE,
                subject=rng.choice(SUBJECTS[kind]),
                at=min(at, now),
                duration_minutes=rng.choice([15, 30, 45, 60]),
                owner_id=owner_id,
                customer_id=customer_id,
                contact_id=contact_id,
                opportunity_id=pk,
                content=rng.choice(CONTENTS),
                outcome=rng.choice(OUTCOMES),
            )
        )
    for fu in rows:  # the stale ones stay quiet: no random follow-up of the last weeks on them
        if fu.opportunity_id in quiet_deals and fu.at > now - timedelta(days=20):
            fu.opportunity_id = None

    FollowUp.objects.unscoped(reason=REASON).bulk_create(rows, batch_size=500)

    # One pass: each customer's last done and next planned follow-up, each deal's and lead's last.
    last: dict[int, datetime] = {}
    nxt: dict[int, datetime] = {}
    deal_last: dict[int, datetime] = {}
    lead_last: dict[int, datetime] = {}
    for fu in rows:
        if fu.status == FollowUpStatus.DONE:
            if fu.customer_id and fu.at > last.get(fu.customer_id, fu.at - timedelta(1)):
                last[fu.customer_id] = fu.at
            if fu.opportunity_id and fu.at > deal_last.get(fu.opportunity_id, fu.at - timedelta(1)):
                deal_last[fu.opportunity_id] = fu.at
            if fu.lead_id and fu.at > lead_last.get(fu.lead_id, fu.at - timedelta(1)):
                lead_last[fu.lead_id] = fu.at
        elif fu.customer_id and fu.at < nxt.get(fu.customer_id, fu.at + timedelta(1)):
            nxt[fu.customer_id] = fu.at
    for c in customers:
        c.last_follow_up_at = last.get(c.pk)
        c.next_follow_up_at = nxt.get(c.pk)
    Customer.objects.unscoped(reason=REASON).bulk_update(
        customers, ["last_follow_up_at", "next_follow_up_at"], batch_size=500
    )
    for pk in quiet_deals:
        deal_last.pop(pk, None)  # keep the deals step's old "last follow-up" time
    opps = list(Opportunity.objects.unscoped(reason=REASON).filter(pk__in=list(deal_last)))
    for o in opps:
        o.last_follow_up_at = deal_last[o.pk]
    Opportunity.objects.unscoped(reason=REASON).bulk_update(opps, ["last_follow_up_at"], batch_size=500)
    leads = list(Lead.objects.unscoped(reason=REASON).filter(pk__in=list(lead_last)))
    for lead in leads:
        lead.last_follow_up_at = max(filter(None, [lead.last_follow_up_at, lead_last[lead.pk]]))
    Lead.objects.unscoped(reason=REASON).bulk_update(leads, ["last_follow_up_at"], batch_size=500)
    ctx.made["follow_ups"] = len(rows)
    ctx.log(f"demo: {len(rows)} follow-ups")
