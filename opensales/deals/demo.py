"""Demo step (after customers and the lifecycle): both pipelines, the product catalog in categories,
competitors, and about 250 opportunities on the demo customers, spread over the last 12 months with
their stage histories, some won or lost with reasons, competitors on many of them."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from opensales.core.demo import DemoContext, demo_step

CATEGORIES = {
    "软件": ["CRM 系统", "ERP 系统", "数据分析"],
    "硬件": ["服务器", "网络设备", "终端设备"],
    "服务": ["实施服务", "运维服务", "培训服务"],
}
PRODUCTS = {
    "CRM 系统": [
        ("销售云 标准版", 19800, "套"),
        ("销售云 专业版", 39800, "套"),
        ("销售云 旗舰版", 79800, "套"),
        ("移动 CRM 账号", 1200, "个"),
        ("呼叫中心模块", 15800, "套"),
        ("营销自动化模块", 26800, "套"),
    ],
    "ERP 系统": [
        ("财务管理模块", 36800, "套"),
        ("供应链模块", 48800, "套"),
        ("生产制造模块", 68800, "套"),
        ("人力资源模块", 22800, "套"),
        ("ERP 用户许可", 1800, "个"),
    ],
    "数据分析": [
        ("BI 分析平台", 58800, "套"),
        ("数据中台", 188000, "套"),
        ("报表设计器", 9800, "套"),
        ("数据治理工具", 45800, "套"),
        ("AI 销售预测", 32800, "套"),
    ],
    "服务器": [
        ("机架服务器 2U", 42000, "台"),
        ("机架服务器 4U", 86000, "台"),
        ("存储阵列 48TB", 128000, "台"),
        ("超融合一体机", 168000, "台"),
        ("GPU 服务器", 298000, "台"),
    ],
    "网络设备": [
        ("核心交换机", 68000, "台"),
        ("接入交换机", 4800, "台"),
        ("下一代防火墙", 38000, "台"),
        ("无线 AP", 1600, "个"),
        ("负载均衡器", 56000, "台"),
        ("VPN 网关", 12800, "台"),
    ],
    "终端设备": [
        ("商用笔记本", 6800, "台"),
        ("商用台式机", 4800, "台"),
        ("平板终端", 3200, "台"),
        ("扫码枪", 680, "个"),
        ("会议平板 86 寸", 26800, "台"),
        ("工业手持终端", 5600, "台"),
    ],
    "实施服务": [
        ("标准实施包", 30000, "项"),
        ("定制开发（人天）", 2500, "人天"),
        ("数据迁移服务", 18000, "项"),
        ("系统集成服务", 45000, "项"),
        ("需求调研（人天）", 2000, "人天"),
    ],
    "运维服务": [
        ("年度运维服务", 36000, "年"),
        ("驻场运维（月）", 22000, "月"),
        ("7×24 小时保障", 58000, "年"),
        ("远程巡检服务", 9600, "年"),
        ("安全加固服务", 28000, "项"),
        ("数据备份服务", 12000, "年"),
    ],
    "培训服务": [
        ("管理员培训", 8000, "场"),
        ("最终用户培训", 5000, "场"),
        ("认证培训（人）", 3800, "人"),
        ("线上课程包", 1200, "个"),
        ("实施顾问认证", 6800, "人"),
        ("定制课程开发", 15000, "项"),
    ],
}
COMPETITORS = [
    (
        "销售易",
        "https://www.xiaoshouyi.com",
        "国内 SaaS CRM 厂商，移动端体验好",
        "价格灵活，移动端强",
        "大型定制项目经验少",
    ),
    ("纷享销客", "https://www.fxiaoke.com", "连接型 CRM", "渠道管理功能全", "报表能力一般"),
    (
        "Salesforce",
        "https://www.salesforce.com",
        "全球 CRM 领导者",
        "品牌强，生态丰富",
        "价格高，本地化与数据合规弱",
    ),
    ("用友", "https://www.yonyou.com", "国内 ERP 龙头", "财务一体化", "CRM 模块较重"),
    ("金蝶", "https://www.kingdee.com", "云 ERP 厂商", "中小企业客户多", "行业方案少"),
    ("华为", "https://e.huawei.com", "ICT 基础设施", "硬件与网络全线产品", "软件生态依赖伙伴"),
    ("新华三", "https://www.h3c.com", "网络与服务器厂商", "政企渠道强", "价格竞争激烈"),
    ("红圈", "https://www.hecom.cn", "行业 CRM", "工程行业经验", "产品线窄"),
]
STALE_SHARE = 0.09  # of the open demo deals
DEAL_KINDS = [
    "数字化升级项目",
    "CRM 采购",
    "ERP 替换",
    "数据平台建设",
    "网络改造",
    "终端更新",
    "年度运维续约",
    "培训采购",
]
WON_REASONS = ["价格有竞争力", "方案贴合需求", "本地化服务好", "老客户信任", "交付周期短"]
LOST_REASONS = ["预算被砍", "输给竞争对手价格", "项目延期取消", "决策人变动", "需求不匹配"]


@demo_step(90, "deals")
def seed_deals(ctx: DemoContext) -> None:
    from opensales.customers.models import Customer
    from opensales.products import services as product_services
    from opensales.products.models import Product

    from . import services
    from .models import Opportunity, Pipeline, StageHistory

    rng = ctx.rng
    admin = ctx.made["users"]["admin"]
    services.ensure_default_pipelines()
    pipelines = list(Pipeline.objects.order_by("sort_order"))

    products: list[Product] = []
    n = 0
    for top, subs in CATEGORIES.items():
        parent = product_services.category_save(actor=admin, name=top, sort_order=len(products))
        for i, sub in enumerate(subs):
            category = product_services.category_save(actor=admin, name=sub, parent=parent, sort_order=i)
            for name, price, unit in PRODUCTS[sub]:
                n += 1
                products.append(
                    product_services.product_create(
                        actor=admin,
                        code=f"P{n:04d}",
                        name=name,
                        category=category,
                        unit=unit,
                        list_price=Decimal(price),
                        cost=(Decimal(price) * Decimal("0.6")).quantize(Decimal("1")),
                        tax_rate=Decimal("6") if top == "服务" else Decimal("13"),
                        is_active=n % 23 != 0,
                    )
                )
    competitors = [
        services.competitor_create(
            actor=admin, name=name, website=site, profile=profile, strengths=strong, weaknesses=weak
        )
        for name, site, profile, strong, weak in COMPETITORS
    ]
    ctx.made["products"] = products
    ctx.made["competitors"] = competitors

    customers = ctx.made.get("customers")
    if customers is None:
        customers = list(Customer.objects.unscoped(reason="demo data").filter(owner__isnull=False))
    customers = [c for c in customers if c.owner_id is not None]
    if not customers:
        ctx.log("deals: no demo customers, no opportunities")
        return
    active = [p for p in products if p.is_active]
    stages_of = {p.pk: list(p.stages.order_by("sort_order")) for p in pipelines}
    now = timezone.now()
    count = max(60, round(250 * ctx.scale**0.5))
    made = []
    for i in range(count):
        customer = customers[i % len(customers)] if i < len(customers) else rng.choice(customers)
        pipeline = pipelines[0] if rng.random() < 0.7 else pipelines[1]
        stages = stages_of[pipeline.pk]
        open_stages = [s for s in stages if not s.is_won and not s.is_lost]
        won = next(s for s in stages if s.is_won)
        lost = next(s for s in stages if s.is_lost)
        roll = rng.random()
        final = won if roll < 0.2 else lost if roll < 0.32 else rng.choice(open_stages)
        started = now - datetime.timedelta(days=rng.randint(3, 360), hours=rng.randint(0, 23))
        lines = [
            {
                "product": p,
                "quantity": rng.choice([1, 1, 2, 3, 5, 10]),
                "discount": rng.choice([0, 0, 5, 10, 15]),
            }
            for p in rng.sample(active, rng.randint(1, 3))
        ]
        opp = services.opportunity_create(
            actor=customer.owner,
            customer=customer,
            name=f"{customer.short_name or customer.name[:8]}{rng.choice(DEAL_KINDS)}",
            pipeline=pipeline,
            expected_close=(started + datetime.timedelta(days=rng.randint(30, 150))).date(),
            source=rng.choice(["", "官网", "老客户推荐", "展会", "电话营销"]),
            lines=lines,
        )
        path = (
            open_stages[1 : open_stages.index(final) + 1]
            if final in open_stages
            else open_stages[1 : rng.randint(1, len(open_stages))]
        )
        if final.is_won or final.is_lost:
            path = [*path, final]
        version = opp.version
        for stage in path:
            reason = (
                rng.choice(WON_REASONS) if stage.is_won else rng.choice(LOST_REASONS) if stage.is_lost else ""
            )
            opp = services.move_stage(
                actor=customer.owner, opportunity=opp, stage=stage, expected_version=version, reason=reason
            )
            version = opp.version
        if rng.random() < 0.45:
            for rival in rng.sample(competitors, rng.randint(1, 2)):
                services.deal_competitor_save(
                    actor=customer.owner,
                    opportunity=opp,
                    competitor=rival,
                    their_offer=(opp.amount * Decimal(rng.choice(["0.8", "0.9", "1.05", "1.2"]))).quantize(
                        Decimal("1")
                    ),
                    strengths=rng.choice(["报价低", "品牌知名度高", "关系好", "产品功能多"]),
                    weaknesses=rng.choice(["实施能力弱", "售后响应慢", "本地化不足", "价格高"]),
                    threat=rng.choice(["low", "medium", "high"]),
                )
        # Spread the history over the time the deal has lived.
        history = list(StageHistory.objects.filter(opportunity=opp).order_by("pk"))
        span = (now - started).total_seconds()
        for k, row in enumerate(history):
            row.changed_at = started + datetime.timedelta(seconds=span * k / max(len(history), 1) * 0.9)
        StageHistory.objects.bulk_update(history, ["changed_at"])
        closed = history[-1].changed_at.date() if (final.is_won or final.is_lost) else None
        backdated: dict = {"created_at": started, "closed_at": closed}
        if closed is None:
            # Open deals look worked on: a follow-up in the last days and a close date ahead; about one
            # in fourteen is stale on purpose (its close date passed, no follow-up for weeks) so that the
            # flag has something to show. The follow-ups step logs the matching follow-up records.
            today = timezone.localdate()
            if rng.random() < STALE_SHARE:
                backdated["expected_close"] = today - datetime.timedelta(days=rng.randint(3, 40))
                backdated["last_follow_up_at"] = now - datetime.timedelta(days=rng.randint(20, 60))
            else:
                backdated["expected_close"] = today + datetime.timedelta(days=rng.randint(7, 120))
                backdated["last_follow_up_at"] = now - datetime.timedelta(days=rng.randint(0, 12))
        Opportunity.objects.unscoped(reason="demo data: backdating").filter(pk=opp.pk).update(**backdated)
        made.append(opp)
    ctx.made["opportunities"] = made
    ctx.log(f"deals: {len(products)} products, {len(competitors)} competitors, {len(made)} opportunities")
