"""Demo step: ~300 customers with believable Chinese company names across industries and regions (valid
credit codes), ~600 contacts with reporting lines, each rep with a book (张伟 ~40, 刘洋 ~30, …), ~30
customers in the public pools 华东公海 (华东大区) and 全国公海 (the default), and tags."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from opensales.core.demo import DemoContext, demo_step

from .validators import CHARSET, credit_code_check_char

# (department code → (city prefix, region codes of districts)).
CITIES = {
    "SH": (
        "上海",
        ["310101", "310104", "310105", "310106", "310107", "310110", "310112", "310115", "310117"],
    ),
    "HZ": ("杭州", ["330102", "330105", "330106", "330108", "330110"]),
    "GZ": ("广州", ["440103", "440104", "440105", "440106", "440111", "440113"]),
    "SZ": ("深圳", ["440303", "440304", "440305", "440306", "440307"]),
    "BJ": ("北京", ["110101", "110102", "110105", "110106", "110108"]),
    "NJ": ("南京", ["320102", "320104", "320105", "320106"]),
    "SU": ("苏州", ["320505", "320506", "320507", "320508"]),
    "CD": ("成都", ["510104", "510105", "510106", "510107"]),
    "WH": ("武汉", ["420102", "420103", "420106", "420111"]),
}
BRANDS = [
    "恒达",
    "华信",
    "中科",
    "金桥",
    "东方",
    "宏远",
    "鼎盛",
    "瑞丰",
    "远航",
    "新世纪",
    "天合",
    "博雅",
    "锦程",
    "明阳",
    "华泰",
    "润通",
    "凯瑞",
    "嘉禾",
    "永信",
    "星辰",
    "海纳",
    "万通",
    "致远",
    "智汇",
    "启航",
    "盛世",
    "弘毅",
    "正泰",
    "恒通",
    "安信",
    "迅达",
    "汇丰源",
    "云帆",
    "德润",
    "众诚",
    "创维达",
    "联创",
    "宝信",
    "九州",
    "长城",
]
# industry → the business words and the company kinds
TRADES = {
    "manufacturing": ["精密机械", "电子科技", "新材料", "汽车零部件", "包装材料", "模具"],
    "it": ["信息技术", "软件", "网络科技", "数据科技", "智能科技"],
    "finance": ["融资租赁", "投资管理", "保险经纪"],
    "retail": ["贸易", "商贸", "百货", "进出口"],
    "health": ["医疗器械", "生物医药", "健康科技"],
    "education": ["教育科技", "培训"],
    "construction": ["建设工程", "置业", "装饰工程"],
    "logistics": ["物流", "供应链管理", "国际货运代理"],
    "energy": ["新能源", "电力设备", "环保科技"],
    "services": ["企业管理咨询", "人力资源", "广告传媒"],
}
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯晨晓雪琳颖婷欣怡思佳子轩博文志远海峰建国"
TITLES = [
    ("总经理", "decision_maker", "总经办"),
    ("副总经理", "decision_maker", "总经办"),
    ("采购总监", "decision_maker", "采购部"),
    ("采购经理", "influencer", "采购部"),
    ("技术总监", "influencer", "技术部"),
    ("IT 经理", "influencer", "信息部"),
    ("财务经理", "gatekeeper", "财务部"),
    ("行政主管", "gatekeeper", "行政部"),
    ("工程师", "user", "技术部"),
    ("项目专员", "user", "项目部"),
]
# Books: rep username → number of customers and where they are.
BOOKS = [
    ("rep_sh1", 40, "SH"),
    ("rep_sh2", 30, "SH"),
    ("lead_sh", 12, "SH"),
    ("manager_east", 6, "NJ"),
    ("rep_hz1", 24, "HZ"),
    ("rep_hz2", 18, "HZ"),
    ("rep_gz1", 24, "GZ"),
    ("rep_gz2", 18, "GZ"),
    ("rep_sz1", 22, "SZ"),
    ("rep_sz2", 18, "SZ"),
    ("rep_bj1", 20, "BJ"),
    ("rep_bj2", 16, "BJ"),
    ("rep_bj3", 12, "BJ"),
]
POOLED = 30


def credit_code(rng, region: str) -> str:
    org = "".join(rng.choice(CHARSET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    first17 = "91" + region + org
    return first17 + credit_code_check_char(first17)


def _person(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _mobile(rng) -> str:
    return rng.choice(["138", "139", "137", "186", "189", "135", "150", "177"]) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )


@demo_step(80, "customers")
def seed_customers(ctx: DemoContext) -> None:
    from opensales.org.models import Department
    from opensales.workspace.tags import add_tags, tags_by_names

    from . import services
    from .models import Customer, CustomerPool, Grade, Lifecycle, Scale, Source

    rng, users = ctx.rng, ctx.made["users"]
    admin = users["admin"]
    east = Department.objects.unscoped(reason="demo data").filter(code="EAST").first()
    east_pool, _c = CustomerPool.objects.get_or_create(name="华东公海", defaults={"region_prefix": ""})
    if east is not None:
        east_pool.departments.add(east)
    national, _c = CustomerPool.objects.get_or_create(name="全国公海", defaults={"is_default": True})
    ctx.made["customer_pools"] = {"华东公海": east_pool, "全国公海": national}

    used: set[str] = set()
    now = timezone.now()

    def company(city_key: str) -> tuple[str, str, str, str]:
        city, districts = CITIES[city_key]
        for _ in range(50):
            industry = rng.choice(list(TRADES))
            brand = rng.choice(BRANDS)
            name = f"{city}{brand}{rng.choice(TRADES[industry])}{rng.choice(SUFFIXES)}"
            if name not in used:
                used.add(name)
                return name, brand, industry, rng.choice(districts)
        raise RuntimeError("demo: ran out of company names")

    plan: list[tuple[object, str]] = []
    for username, count, city_key in BOOKS:
        owner = users.get(username)
        if owner is None:
            continue
        plan += [(owner, city_key)] * max(1, round(count * ctx.scale**0.5))
    plan += [(None, rng.choice(list(CITIES))) for _ in range(POOLED)]

    customers = []
    targets: dict[int, str] = {}
    grades = [Grade.A] * 2 + [Grade.B] * 4 + [Grade.C] * 5 + [Grade.D] * 2 + [""] * 3
    stages = (
        [Lifecycle.PROSPECT] * 4
        + [Lifecycle.NEW] * 3
        + [Lifecycle.WON] * 3
        + [Lifecycle.REPEAT] * 2
        + [
            Lifecycle.AT_RISK,
            Lifecycle.LOST,
        ]
    )
    for owner, city_key in plan:
        name, brand, industry, region = company(city_key)
        in_pool = owner is None
        pool = (east_pool if city_key in {"SH", "HZ", "NJ", "SU"} else national) if in_pool else None
        customer = services.customer_create(
            actor=owner or admin,
            owner=owner,
            name=name,
            short_name=brand,
            credit_code=credit_code(rng, region) if rng.random() < 0.85 else "",
            industry=industry,
            scale=rng.choice(Scale.values),
            source=rng.choice(Source.values),
            region=region,
            address=f"{rng.choice(['科技', '人民', '中山', '建设', '解放', '南京', '长江'])}路{rng.randrange(1, 999)}号",
            phone=f"0{rng.choice(['21', '571', '20', '755', '10', '25', '512', '28', '27'])}-{rng.randrange(50000000, 89999999)}",
            grade=rng.choice(grades),
            # Every customer starts as a prospect; seed_lifecycle walks it to its stage through the service.
            lifecycle=Lifecycle.PROSPECT,
            is_key_account=rng.random() < 0.08,
            pool=pool,
            credit_limit=rng.choice([0, 50000, 100000, 200000, 500000]),
            last_follow_up_at=now - timedelta(days=rng.randrange(1, 120), hours=rng.randrange(0, 10)),
            next_follow_up_at=(now + timedelta(days=rng.randrange(1, 30))) if rng.random() < 0.5 else None,
        )
        customers.append(customer)
        targets[customer.pk] = rng.choice(stages)
    ctx.made["customers"] = customers
    ctx.made["customer_lifecycle_targets"] = targets

    # The colleagues' customer the duplicate check finds (张伟 entering 上海恒达贸易有限公司).
    if users.get("rep_sh2") is not None and "上海恒达贸易" not in used:
        customers.append(
            services.customer_create(
                actor=users["rep_sh2"],
                name="上海恒达贸易",
                short_name="恒达",
                industry="retail",
                region="310115",
            )
        )

    # Contacts, with reporting lines: the first is the boss, others report to them or to a manager.
    contacts = []
    for customer in customers:
        people = []
        for i in range(rng.choice((1, 2, 2, 3, 3))):
            title, role, dept = TITLES[0] if i == 0 else rng.choice(TITLES[1:])
            boss = None
            if people:
                boss = people[0] if i == 1 or rng.random() < 0.5 else people[-1]
            contact = services.contact_create(
                actor=customer.owner or admin,
                customer=customer,
                name=_person(rng),
                gender=rng.choice(["male", "female"]),
                title=title,
                department=dept,
                decision_role=role,
                mobile=_mobile(rng),
                email=f"contact{len(contacts) + 1}@example.cn",
                is_primary=i == 0,
                reports_to=boss,
            )
            people.append(contact)
            contacts.append(contact)
    ctx.made["contacts"] = contacts

    tags = {name: tags_by_names([name])[0] for name in ("重点客户", "国企", "外资")}
    for name, color in (("重点客户", "red"), ("国企", "blue"), ("外资", "purple")):
        tags[name].color = color
        tags[name].save(update_fields=["color"])
    key = [c.pk for c in customers if c.is_key_account or c.grade == Grade.A]
    soe = [c.pk for c in customers if rng.random() < 0.12]
    foreign = [c.pk for c in customers if rng.random() < 0.08]
    for name, ids in (("重点客户", key), ("国企", soe), ("外资", foreign)):
        if ids:
            add_tags(actor=admin, model=Customer, ids=ids, tags=[tags[name]])
    ctx.log(f"demo: {len(customers)} customers, {len(contacts)} contacts")


# The moves that lead to each stage, with the reason a rep would give.
PATHS = {
    "prospect": [],
    "new": ["new"],
    "won": ["new", "won"],
    "repeat": ["new", "won", "repeat"],
    "at_risk": ["new", "won", "at_risk"],
    "lost": ["new", "won", "at_risk", "lost"],
}
REASONS = {
    "new": ["首次拜访后确认需求", "客户主动来电咨询", "展会上交换名片后确认意向"],
    "won": ["首单签约", "首批订单已回款", "试点项目验收通过"],
    "repeat": ["二期项目签约", "追加采购", "续签年度服务合同"],
    "at_risk": ["连续 90 天无跟进", "对接人离职，需求搁置", "客户预算冻结"],
    "lost": ["客户转向竞争对手", "客户业务调整，不再采购", "多次联系无回应"],
}


@demo_step(85, "customer lifecycle")
def seed_lifecycle(ctx: DemoContext) -> None:
    """Walk the demo customers from prospect to their stage through the lifecycle service (each move is
    audited and in the timeline), release two customers to the pools and let a colleague claim one, and
    leave 张伟's request to collaborate on 刘洋's 上海恒达贸易 pending."""
    from django.core.exceptions import ValidationError

    from . import collaboration, lifecycle, pools
    from .models import Customer

    rng, users = ctx.rng, ctx.made["users"]
    admin = users["admin"]
    targets = ctx.made.get("customer_lifecycle_targets", {})
    customers = ctx.made.get("customers", [])
    moves = 0
    for customer in customers:
        actor = customer.owner or admin
        for stage in PATHS.get(targets.get(customer.pk, "prospect"), []):
            customer = lifecycle.set_lifecycle(
                actor=actor, customer=customer, stage=stage, reason=rng.choice(REASONS[stage])
            )
            moves += 1

    events = 0
    plan = [
        ("rep_sh1", "rep_sh2", "客户暂无预算，释放到公海"),
        ("rep_gz1", None, "客户已迁往外地，本团队无法跟进"),
    ]
    for releaser, claimer, reason in plan:
        giver = users.get(releaser)
        if giver is None:
            continue
        mine = [c for c in customers if c.owner_id == giver.pk and targets.get(c.pk) == "lost"] or [
            c for c in customers if c.owner_id == giver.pk
        ]
        if not mine:
            continue
        released = pools.release(actor=giver, customer=mine[0], reason=reason)
        events += 1
        taker = users.get(claimer) if claimer else None
        if taker is not None:
            try:
                pools.claim(actor=taker, customer=released)
                events += 1
            except ValidationError:  # a pool rule says no: the customer stays in the pool
                pass

    asker, owner = users.get("rep_sh1"), users.get("rep_sh2")
    if asker is not None and owner is not None:
        hengda = (
            Customer.objects.unscoped(reason="demo data").filter(name="上海恒达贸易", owner=owner).first()
        )
        if hengda is not None:
            collaboration.ask(
                actor=asker, customer=hengda, message="我在跟进恒达的新仓储项目，想一起跟进这个客户。"
            )
    ctx.log(f"demo: {moves} lifecycle moves, {events} pool events")
