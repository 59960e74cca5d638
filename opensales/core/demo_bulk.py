"""The bulk demo generator: a large tenant for the benchmarks (`manage.py demo --size large`).

One module for every app on purpose: the rows depend on each other (a customer's lifecycle decides its
deals, the deals decide `last_deal_at`, the follow-ups decide `last_follow_up_at`/`next_follow_up_at`), and
the order of the load is easier to read in one place. It runs after the story steps (opensales/*/demo.py)
and tops each kind up to the size's total in `opensales.core.demo.COUNTS`.

How it loads:
- No services, no signals, no per-row history, and no Django INSERT compiler: rows go in as plain tuples
  through `opensales.core.fastsql.insert_rows` (one `executemany` per batch on SQLite, `COPY FROM STDIN`
  on PostgreSQL), values converted as Django would (`fastsql.converter`). Customers, contacts,
  opportunities, leads and products are still built as model instances (`insert_objects`: the search
  index reads them); the big tables (stage history, 2,000,000 follow-ups) are built as tuples directly,
  times as epoch seconds converted once per distinct value (`Stamps`). Every derived column is computed
  here exactly as the services/models would (`name_key`, `phone_digits`, the encrypted contact and lead
  phones/e-mails and their blind indexes, the stage probability and forecast category, stage history);
  `created_at` spreads over three years; every other column gets the model's default.
- The search entries are written batch by batch from the objects in memory (`search.index.index_objects`),
  so nothing is read back or decrypted. Follow-ups are not a searchable type, so they are not indexed.
- Follow-ups are streamed (never all in memory); each customer's last done / next planned follow-up and
  each deal's and lead's last done one are kept while streaming and written by `bulk: follow-up times`
  with one executemany UPDATE per batch.
- SQLite: `PRAGMA synchronous=OFF` and a larger page cache for the load; every batch commits on its own.
  The last step (`bulk: analyze`) refreshes the planner statistics (ANALYZE; SQLite with
  `analysis_limit`).
- Audit: the demo is system-generated, so each bulk step writes one summary event (`demo.bulk_load`)
  with its row counts, not one event per row.
"""

from __future__ import annotations

import math
import time as clock
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .demo import DemoContext, demo_step

BATCH = 2000
YEARS = 3
REASON = "demo bulk load"

BRAND_CHARS = (
    "恒达信诚华泰鑫源宏瑞博远嘉禾通汇明德中晟天合永安东方金盛海纳正元立新万佳润丰景和广利兴隆卓越"
    "安捷凯瑞智联云启星辰博雅富康百川远航德润金桥汇丰锦程宏图昌盛鼎新华美长青"
)
TRADES = {
    "manufacturing": ["机械制造", "精密仪器", "汽车零部件", "电子科技", "新材料", "模具"],
    "it": ["信息技术", "软件", "网络科技", "数据服务", "智能科技"],
    "finance": ["投资管理", "融资租赁", "资产管理"],
    "retail": ["贸易", "商贸", "进出口", "供应链管理"],
    "health": ["医疗器械", "生物科技", "医药"],
    "education": ["教育科技", "培训"],
    "construction": ["建设工程", "建材", "装饰工程", "置业"],
    "logistics": ["物流", "国际货运", "仓储"],
    "energy": ["新能源", "环保科技", "电力设备"],
    "services": ["企业管理咨询", "人力资源", "广告传媒"],
}
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司", "有限责任公司"]
LATIN_BRANDS = ["Acme", "Globex", "Initech", "Hengda", "Nordwind", "Sunrise", "Bluepeak", "Vertex", "Orion"]
LATIN_TRADES = ["Trading", "Industrial", "Technology", "Logistics", "Medical", "Automation", "Materials"]
LATIN_CITIES = ["Shanghai", "Suzhou", "Shenzhen", "Beijing", "Hangzhou", "Guangzhou", "Ningbo"]
LATIN_GIVEN = ["David", "Emma", "Michael", "Anna", "Thomas", "Laura", "Peter", "Julia", "Kevin", "Sophie"]
LATIN_FAMILY = ["Smith", "Müller", "Schmidt", "Brown", "Wilson", "Martin", "Weber", "Taylor", "Fischer"]
TITLES = [
    "总经理",
    "采购经理",
    "技术总监",
    "财务经理",
    "IT 主管",
    "行政主管",
    "副总经理",
    "采购专员",
    "工程师",
]
DEPTS = ["采购部", "技术部", "财务部", "总经办", "信息部", "行政部", "生产部"]
STREETS = ["科技", "人民", "中山", "建设", "解放", "南京", "长江", "黄河", "世纪", "创新"]
PROJECTS = ["数字化升级项目", "年度采购", "设备更新", "系统集成项目", "扩产配套", "二期工程", "框架协议"]
LOST_REASONS = ["价格偏高", "选择了竞争对手", "预算取消", "需求变更", "决策延期"]
LEAD_SOURCES = ["website", "exhibition", "referral", "advertising", "cold_call", "partner"]
SUBJECTS = {
    "call": ["电话沟通需求", "电话回访", "确认报价细节"],
    "visit": ["上门拜访", "拜访采购负责人", "现场考察"],
    "meeting": ["方案评审会", "商务谈判", "季度业务回顾"],
    "email": ["发送报价单", "邮件确认合同条款"],
    "wechat": ["微信跟进", "微信发送产品资料"],
    "reception": ["接待客户来访"],
    "proposal": ["提交解决方案"],
    "demo": ["产品演示"],
    "other": ["其他跟进"],
}
KIND_WEIGHTS = {
    "call": 35,
    "wechat": 20,
    "visit": 15,
    "email": 10,
    "meeting": 8,
    "proposal": 4,
    "demo": 4,
    "reception": 2,
    "other": 2,
}
OUTCOMES = [
    "客户有意向，待报价",
    "需求已确认",
    "约定下周再沟通",
    "客户暂无预算",
    "已发送资料",
    "推进到下一阶段",
]
# Region prefixes and their weight: the east and south coast first.
REGION_WEIGHTS = {
    "31": 14,
    "32": 12,
    "33": 12,
    "44": 14,
    "11": 9,
    "12": 3,
    "37": 5,
    "35": 4,
    "42": 4,
    "51": 5,
}
# lifecycle: (share, grade weights A/B/C/D/none, deal weight, follow-up weight, deal outcomes open/won/lost)
LIFECYCLES = {
    "prospect": (30, (1, 3, 8, 5, 8), 0.5, 0.6, (1.0, 0.0, 0.0)),
    "new": (15, (1, 4, 8, 3, 3), 1.2, 1.0, (0.85, 0.0, 0.15)),
    "won": (22, (3, 8, 6, 1, 1), 2.0, 1.3, (0.35, 0.5, 0.15)),
    "repeat": (13, (6, 8, 3, 0, 0), 3.0, 1.6, (0.25, 0.65, 0.10)),
    "at_risk": (8, (1, 4, 6, 3, 1), 1.5, 0.5, (0.2, 0.4, 0.4)),
    "lost": (12, (0, 1, 4, 8, 3), 1.0, 0.3, (0.0, 0.2, 0.8)),
}
POOL_SHARE = 0.07


# --- Load helpers ----------------------------------------------------------------------------------


class Timer:
    """Accumulates (rows, seconds) per phase; `ctx.timings` gets them at the end of the step."""

    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.phases: dict[str, list[float]] = {}

    @contextmanager
    def __call__(self, phase: str, rows: int):
        t0 = clock.perf_counter()
        yield
        acc = self.phases.setdefault(phase, [0, 0.0])
        acc[0] += rows
        acc[1] += clock.perf_counter() - t0

    def flush(self) -> None:
        for phase, (rows, seconds) in self.phases.items():
            self.ctx.timings.append((phase, int(rows), seconds))
            rate = rows / seconds if seconds else 0
            self.ctx.log(f"demo:   {phase}: {int(rows):,} rows in {seconds:.1f}s ({rate:,.0f}/s)")


@contextmanager
def fast_load():
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA synchronous")
        before = cur.fetchone()[0]
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-262144")  # 256 MiB
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA synchronous={int(before)}")
            cur.execute("PRAGMA cache_size=-2000")


def summary_audit(step: str, rows: dict[str, int], seconds: float) -> None:
    from opensales.audit.services import record

    with transaction.atomic():
        record(
            action="demo.bulk_load",
            object_type="demo",
            object_repr=step,
            changes={"rows": rows, "seconds": round(seconds, 1)},
        )


def _columns(model: Any, skip: tuple[str, ...] = ()) -> tuple[list[str], list[str], list[Any]]:
    """(attnames, columns, converters) of a model's concrete fields but the pk, in one order."""
    from opensales.core.fastsql import converter

    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip]
    return (
        [f.attname for f in fields],
        [f.column for f in fields],
        [converter(model, f.name) for f in fields],
    )


def insert_objects(model: Any, objs: list[Any]) -> None:
    """INSERT these unsaved instances as plain tuples (one executemany / COPY: Django's bulk_create
    compiler spends most of a bulk insert converting one value at a time) and set their pks. The
    instances keep the timestamps the load gave them (no auto_now)."""
    from opensales.core.fastsql import insert_rows

    if not objs:
        return
    attnames, columns, converters = _columns(model)
    pairs = list(zip(attnames, converters, strict=True))
    rows = [tuple([convert(getattr(obj, name)) for name, convert in pairs]) for obj in objs]
    for obj, pk in zip(objs, insert_rows(model, columns, rows), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


class Stamps:
    """Epoch seconds -> the database form of a DateTimeField value, cached (the follow-ups' times fall
    on quarter hours: a few tens of thousands of distinct values for millions of rows)."""

    def __init__(self, model: Any, field: str):
        from datetime import UTC

        from opensales.core.fastsql import converter

        self.convert = converter(model, field)
        self.utc = UTC
        self.cache: dict[int, Any] = {}

    def __call__(self, ts: int) -> Any:
        value = self.cache.get(ts)
        if value is None:
            value = self.cache[ts] = self.convert(datetime.fromtimestamp(ts, self.utc))
        return value


def update_rows(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE table SET columns… WHERE id = the last value of each row, a transaction per batch: SQLite
    one executemany (fast in-process); PostgreSQL one `UPDATE … FROM (VALUES …)` per batch (an UPDATE
    per row costs a round trip each)."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    if connection.vendor == "postgresql":
        types = [model._meta.get_field(c).db_type(connection) for c in columns]
        row_sql = "(" + ", ".join(f"%s::{t}" for t in [*types, "bigint"]) + ")"
        sets = ", ".join(f"{qn(c)} = v.{qn(c)}" for c in columns)
        names = ", ".join(qn(c) for c in [*columns, "id"])
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            sql = (
                f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v ({names}) "  # noqa: S608
                f"WHERE {table}.id = v.id"
            )
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, [value for row in chunk for value in row])
        return
    sets = ", ".join(f"{qn(c)} = %s" for c in columns)
    sql = f"UPDATE {table} SET {sets} WHERE id = %s"  # noqa: S608 (names from the model's meta)
    for start in range(0, len(rows), BATCH * 5):
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, rows[start : start + BATCH * 5])


def _weighted(rng, items: list, weights: list[float], k: int) -> list:
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    return rng.choices(items, cum_weights=cum, k=k)


# --- People, names, numbers ------------------------------------------------------------------------


def person_name(rng, latin_share: float = 0.06) -> str:
    from opensales.org.demo import GIVEN, SURNAMES

    if rng.random() < latin_share:
        return f"{rng.choice(LATIN_GIVEN)} {rng.choice(LATIN_FAMILY)}"
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng) -> str:
    return rng.choice(["138", "139", "137", "186", "189", "135", "150", "177", "188", "159"]) + (
        f"{rng.randrange(10**8):08d}"
    )


def credit_code(rng, region: str) -> str:
    from opensales.customers.validators import CHARSET, credit_code_check_char

    first17 = "91" + region + "".join(rng.choice(CHARSET) for _ in range(9))
    return first17 + credit_code_check_char(first17)


class Regions:
    def __init__(self, rng):
        from opensales.customers.regions import _tables

        nodes = _tables()[0]
        self.rng = rng
        self.by_prefix: dict[str, list[str]] = defaultdict(list)
        for code in nodes:
            if len(code) == 6 and not code.endswith("00") and code[:2] in REGION_WEIGHTS:
                self.by_prefix[code[:2]].append(code)
        self.prefixes = [p for p in REGION_WEIGHTS if self.by_prefix[p]]
        self.weights = [REGION_WEIGHTS[p] for p in self.prefixes]
        self.names = {code: name for code, (name, _p) in nodes.items()}
        self.city_names = {
            code: nodes.get(code[:4] + "00", nodes.get(code[:2] + "0000", ("", "")))[0] for code in nodes
        }

    def pick(self) -> str:
        prefix = self.rng.choices(self.prefixes, self.weights)[0]
        return self.rng.choice(self.by_prefix[prefix])

    def city(self, code: str) -> str:
        name = self.city_names.get(code, "")
        if name in {"市辖区", "县", ""}:
            name = self.names.get(code[:2] + "0000", "")
        return name.removesuffix("市").removesuffix("省")[:3]


def company_name(rng, city: str, industry: str, used: set[str]) -> tuple[str, str]:
    for attempt in range(20):
        if rng.random() < 0.05:
            brand = rng.choice(LATIN_BRANDS)
            name = f"{brand} {rng.choice(LATIN_TRADES)} ({rng.choice(LATIN_CITIES)}) Co., Ltd."
        else:
            brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
            trade = rng.choice(TRADES.get(industry, TRADES["services"]))
            name = f"{city}{brand}{trade}{rng.choice(SUFFIXES)}"
        if attempt > 10:
            name = name.replace("有限公司", f"第{attempt}分公司", 1)
        if name not in used:
            used.add(name)
            return name, brand
    used.add(name)
    return name, brand


def sales_reps(ctx: DemoContext) -> tuple[list[Any], list[float]]:
    """The reps with their ownership weights: rep_sh1 (张伟) and about 1% of the reps own thousands of
    customers at the large size, most own a few hundred (log-normal)."""
    from opensales.org.models import Employee

    reps = [
        e.user
        for e in Employee.objects.unscoped(reason=REASON)
        .filter(user__username__startswith="rep", user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    ]
    rng = ctx.rng
    big = {r.pk for r in rng.sample(reps, max(1, len(reps) // 100))}
    big |= {r.pk for r in reps if r.username == "rep_sh1"}
    weights = [(14.0 * rng.uniform(0.7, 1.3)) if r.pk in big else rng.lognormvariate(0, 0.55) for r in reps]
    return reps, weights


def _missing(ctx: DemoContext, kind: str, model: Any) -> int:
    have = model.objects.unscoped(reason=REASON).with_deleted().count()
    return max(0, ctx.count(kind) - have)


# --- Steps -----------------------------------------------------------------------------------------


@demo_step(200, "bulk: products", bulk=True)
def bulk_products(ctx: DemoContext) -> None:
    from opensales.products.models import Product, ProductCategory
    from opensales.search.index import index_objects

    n = _missing(ctx, "products", Product)
    if not n:
        return
    rng, timer, t0 = ctx.rng, Timer(ctx), clock.perf_counter()
    categories = list(ProductCategory.objects.all())
    if not categories:
        categories = [ProductCategory.objects.create(name=name) for name in ("硬件", "软件", "服务", "耗材")]
    kinds = [
        "工业网关",
        "传感器",
        "控制柜",
        "软件许可",
        "实施服务",
        "年度维保",
        "培训课程",
        "备件包",
        "显示终端",
    ]
    series = ["S", "X", "Pro", "Lite", "Max", "H", "E"]
    now = timezone.now()
    rows = []
    for i in range(n):
        price = Decimal(round(rng.lognormvariate(8, 1.2), -1) or 10)
        rows.append(
            Product(
                code=f"BK-{i + 1:06d}",
                name=f"{rng.choice(kinds)} {rng.choice(series)}{rng.randint(100, 9999)}",
                category=rng.choice(categories),
                unit=rng.choice(["件", "台", "套", "年", "人天"]),
                list_price=price,
                cost=(price * Decimal(rng.uniform(0.4, 0.8))).quantize(Decimal("0.01")),
                tax_rate=Decimal(rng.choice(["13", "13", "6", "9"])),
                is_active=rng.random() < 0.92,
                created_at=now - timedelta(days=rng.randint(30, 365 * YEARS)),
                updated_at=now,
            )
        )
    with fast_load():
        for start in range(0, n, BATCH):
            chunk = rows[start : start + BATCH]
            with transaction.atomic():
                with timer("products insert", len(chunk)):
                    insert_objects(Product, chunk)
                with timer("products search index", len(chunk)):
                    index_objects(chunk)
    timer.flush()
    summary_audit("products", {"products": n}, clock.perf_counter() - t0)


@demo_step(210, "bulk: customers, contacts, opportunities", bulk=True)
def bulk_customers(ctx: DemoContext) -> None:
    """Customers with their contacts and opportunities (and stage history), chunk by chunk: a chunk's
    customers get their lifecycle first, their deals follow from it, and `last_deal_at` from the deals."""
    from opensales.core.crypto import blind_index
    from opensales.core.fastsql import insert_rows
    from opensales.customers.dedupe import normalize_name, phone_digits
    from opensales.customers.models import Contact, Customer, CustomerPool
    from opensales.deals.models import Opportunity, Pipeline, StageHistory
    from opensales.deals.services import ensure_default_pipelines
    from opensales.search.index import index_objects

    n_customers = _missing(ctx, "customers", Customer)
    n_contacts = _missing(ctx, "contacts", Contact)
    n_deals = _missing(ctx, "opportunities", Opportunity)
    if not (n_customers or n_contacts or n_deals):
        return
    rng, timer, t0 = ctx.rng, Timer(ctx), clock.perf_counter()
    reps, weights = sales_reps(ctx)
    if not reps:
        raise RuntimeError("demo: the bulk load needs sales reps (run the organization step)")
    pools = list(CustomerPool.objects.all())
    if not pools:
        pools = [CustomerPool.objects.create(name="全国公海", is_default=True)]
    ensure_default_pipelines()
    pipelines = list(Pipeline.objects.filter(is_active=True).order_by("sort_order"))
    stages_of = {p.pk: list(p.stages.order_by("sort_order")) for p in pipelines}
    regions = Regions(rng)
    used = set(Customer.objects.unscoped(reason=REASON).with_deleted().values_list("name", flat=True))
    now = timezone.now()
    start = now - timedelta(days=365 * YEARS)
    lifecycles = list(LIFECYCLES)
    life_shares = [LIFECYCLES[k][0] for k in lifecycles]
    industries = list(TRADES)
    # Compact facts for the later steps.
    facts = ctx.made.setdefault("bulk", {})
    cust_ids: list[int] = facts.setdefault("customer_ids", [])
    cust_owner: list[int] = facts.setdefault("customer_owner", [])
    cust_created: list[float] = facts.setdefault("customer_created", [])
    cust_weight: list[float] = facts.setdefault("customer_weight", [])
    contacts_of: dict[int, list[int]] = facts.setdefault("contacts_of", {})
    deals_of: dict[int, list[int]] = facts.setdefault("deals_of", {})
    by_owner: dict[int, list[int]] = facts.setdefault("customers_by_owner", defaultdict(list))
    rep_ids = [r.pk for r in reps]
    # Stage history: (deal, its row) pairs; the row is converted once the deal has its pk.
    history_names = ["stage_id", "amount", "probability", "expected_close", "changed_by_id", "changed_at"]
    history_columns = [StageHistory._meta.get_field(n).column for n in ["opportunity_id", *history_names]]
    from opensales.core.fastsql import converter

    history_converters = [converter(StageHistory, n) for n in history_names]

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple([c(v) for c, v in zip(history_converters, row, strict=True)])

    done_c = done_p = done_d = 0
    chunks = max(1, math.ceil(n_customers / BATCH))
    with fast_load():
        for chunk_no in range(chunks):
            size = min(BATCH, n_customers - chunk_no * BATCH) if n_customers else 0
            customers: list[Customer] = []
            lifes: list[str] = []
            owners = _weighted(rng, reps, weights, size)
            with timer("customers build", size):
                for i in range(size):
                    life = rng.choices(lifecycles, life_shares)[0]
                    _share, grade_w, _dw, _fw, _out = LIFECYCLES[life]
                    region = regions.pick()
                    industry = rng.choice(industries)
                    person = rng.random() < 0.05
                    if person:
                        name, brand = person_name(rng), ""
                    else:
                        name, brand = company_name(rng, regions.city(region), industry, used)
                    created = start + timedelta(seconds=(now - start).total_seconds() * rng.random() ** 0.8)
                    in_pool = rng.random() < POOL_SHARE
                    owner = None if in_pool else owners[i]
                    phone = (
                        mobile(rng)
                        if person or rng.random() < 0.3
                        else f"0{rng.choice(['21', '571', '755', '10', '20', '512'])}-{rng.randrange(10**7, 10**8)}"
                    )
                    c = Customer(
                        kind="person" if person else "company",
                        name=name,
                        short_name=brand,
                        credit_code="" if person or rng.random() > 0.85 else credit_code(rng, region),
                        industry=industry,
                        scale=rng.choice(["micro", "small", "small", "medium", "medium", "large", "huge"]),
                        source=rng.choice(["referral", "website", "exhibition", "cold_call", "partner"]),
                        region=region,
                        address=f"{rng.choice(STREETS)}路{rng.randint(1, 999)}号",
                        phone=phone,
                        email=f"info{rng.randrange(10**6)}@example.cn" if rng.random() < 0.4 else "",
                        grade=rng.choices(["A", "B", "C", "D", ""], grade_w)[0],
                        lifecycle=life,
                        is_key_account=rng.random() < 0.03,
                        owner=owner,
                        pool=rng.choice(pools) if in_pool else None,
                        credit_limit=Decimal(rng.choice([0, 0, 50_000, 100_000, 200_000, 500_000])),
                        payment_terms_days=rng.choice([30, 30, 45, 60, 90]),
                        owned_since=None if in_pool else created + timedelta(days=rng.randint(0, 200)),
                        created_at=created,
                        updated_at=created,
                    )
                    c.credit_code = c.credit_code.upper()
                    c.name_key = normalize_name(c.name)
                    c.phone_digits = phone_digits(c.phone)
                    if c.owned_since and c.owned_since > now:
                        c.owned_since = created
                    customers.append(c)
                    lifes.append(life)
            # Contacts and deals of this chunk: exact totals across chunks.
            done_c += size
            share = done_c / n_customers if n_customers else 1
            want_p = round(n_contacts * share) - done_p
            want_d = round(n_deals * share) - done_d
            contacts: list[Contact] = []
            deals: list[Opportunity] = []
            history: list[tuple[Opportunity, tuple[Any, ...]]] = []
            with timer("contacts build", want_p):
                targets = list(customers) if want_p >= size else []
                targets += _weighted(rng, customers, [1.0] * size, max(0, want_p - len(targets)))
                seen: set[int] = set()
                for c in targets:
                    first = id(c) not in seen
                    seen.add(id(c))
                    m = mobile(rng)
                    mail = f"{m[-6:]}{rng.randrange(100)}@example.com" if rng.random() < 0.6 else ""
                    contacts.append(
                        Contact(
                            customer=c,
                            name=person_name(rng),
                            gender=rng.choice(["male", "female", ""]),
                            title=rng.choice(TITLES),
                            department=rng.choice(DEPTS),
                            decision_role=rng.choice(
                                ["decision_maker", "influencer", "user", "gatekeeper", ""]
                            ),
                            mobile=m,
                            mobile_index=blind_index(m),
                            email=mail,
                            email_index=blind_index(mail.strip().lower()),
                            is_primary=first,
                            created_at=c.created_at + timedelta(hours=rng.randint(0, 240)),
                            updated_at=now,
                        )
                    )
            with timer("opportunities build", want_d):
                owned = [(c, life) for c, life in zip(customers, lifes, strict=True) if c.owner is not None]
                if owned and want_d > 0:
                    picks = _weighted(rng, owned, [LIFECYCLES[life][2] for _c, life in owned], want_d)
                    contacts_by_cust: dict[int, list[Contact]] = defaultdict(list)
                    for p in contacts:
                        contacts_by_cust[id(p.customer)].append(p)
                    for c, life in picks:
                        deal, rows = _deal(rng, c, life, pipelines, stages_of, now, contacts_by_cust[id(c)])
                        deals.append(deal)
                        history.extend((deal, row) for row in rows)
                        if deal.stage.is_won:
                            won_at = timezone.make_aware(datetime.combine(deal.closed_at, time(12)))
                            if c.last_deal_at is None or won_at > c.last_deal_at:
                                c.last_deal_at = won_at
            done_p += len(contacts)
            done_d += len(deals)
            with transaction.atomic():
                with timer("customers insert", size):
                    insert_objects(Customer, customers)
                with timer("customers search index", size):
                    index_objects(customers)
                with timer("contacts insert (encrypts)", len(contacts)):
                    for p in contacts:  # the customer's pk, keeping the cached customer (the index reads it)
                        p.customer = p.customer
                    insert_objects(Contact, contacts)
                with timer("contacts search index", len(contacts)):
                    index_objects(contacts)
                with timer("opportunities insert", len(deals)):
                    for d in deals:
                        d.customer = d.customer
                        d.contact = d.contact
                    insert_objects(Opportunity, deals)
                with timer("stage history insert", len(history)):
                    insert_rows(
                        StageHistory,
                        history_columns,
                        [(deal.pk, *convert(row)) for deal, row in history],
                    )
                with timer("opportunities search index", len(deals)):
                    index_objects(deals)
            fallback = rng.choice(rep_ids)
            for c, life in zip(customers, lifes, strict=True):
                cust_ids.append(c.pk)
                cust_owner.append(c.owner_id or fallback)
                cust_created.append(c.created_at.timestamp())
                cust_weight.append(LIFECYCLES[life][3])
                if c.owner_id:
                    by_owner[c.owner_id].append(c.pk)
            for p in contacts:
                contacts_of.setdefault(p.customer_id, []).append(p.pk)
            for d in deals:
                deals_of.setdefault(d.customer_id, []).append(d.pk)
            facts["stage_history"] = facts.get("stage_history", 0) + len(history)
            if chunk_no % 10 == 9:
                ctx.log(f"demo:   {done_c:,} customers…")
    timer.flush()
    summary_audit(
        "customers",
        {
            "customers": done_c,
            "contacts": done_p,
            "opportunities": done_d,
            "stage_history": facts.get("stage_history", 0),
        },
        clock.perf_counter() - t0,
    )


def _deal(rng, customer, life, pipelines, stages_of, now, contacts):
    from opensales.deals.models import ForecastCategory, Opportunity

    pipeline = pipelines[0] if len(pipelines) == 1 or rng.random() < 0.7 else rng.choice(pipelines[1:])
    stages = stages_of[pipeline.pk]
    open_stages = [s for s in stages if not s.is_won and not s.is_lost]
    won = next((s for s in stages if s.is_won), None)
    lost = next((s for s in stages if s.is_lost), None)
    outcome = rng.choices(["open", "won", "lost"], LIFECYCLES[life][4])[0]
    created = customer.created_at + timedelta(
        seconds=(now - customer.created_at).total_seconds() * rng.random() * 0.9
    )
    if outcome == "won" and won:
        path, stage = open_stages, won
    elif outcome == "lost" and lost:
        path = open_stages[: rng.randint(1, len(open_stages))]
        stage = lost
    else:
        # Early stages are the crowded ones.
        k = min(len(open_stages), 1 + int(rng.random() ** 1.6 * len(open_stages)))
        path, stage = open_stages[: k - 1], open_stages[k - 1]
    amount = Decimal(round(rng.lognormvariate(11.5, 1.1), -2) or 1000)
    expected = (created + timedelta(days=rng.randint(30, 180))).date()
    closed_at = None
    if stage.is_won or stage.is_lost:
        end = min(now, created + timedelta(days=rng.randint(14, 240)))
        closed_at = timezone.localdate(end)
    if stage.is_won:
        forecast, reason = ForecastCategory.CLOSED, "签约"
    elif stage.is_lost:
        forecast, reason = ForecastCategory.OMITTED, rng.choice(LOST_REASONS)
    else:
        forecast = (
            ForecastCategory.COMMIT
            if stage.probability >= 70
            else ForecastCategory.BEST_CASE
            if stage.probability >= 40
            else ForecastCategory.PIPELINE
        )
        reason = ""
    deal = Opportunity(
        customer=customer,
        name=f"{customer.short_name or customer.name[:6]}{rng.choice(PROJECTS)}",
        amount=amount,
        expected_close=expected,
        pipeline=pipeline,
        stage=stage,
        probability=stage.probability,
        forecast_category=forecast,
        owner_id=customer.owner_id,
        source=customer.source,
        contact=rng.choice(contacts) if contacts else None,
        closed_at=closed_at,
        close_reason=reason,
        created_at=created,
        updated_at=created,
    )
    steps = [*path, stage] if stage not in path else path
    end = (
        timezone.make_aware(datetime.combine(closed_at, time(17)))
        if closed_at
        else min(now, created + timedelta(days=rng.randint(1, 200)))
    )
    span = max((end - created).total_seconds(), 60)
    rows = []
    for n, s in enumerate(steps):
        at = created + timedelta(seconds=span * n / max(1, len(steps) - 1)) if n else created
        # StageHistory's (stage_id, amount, probability, expected_close, changed_by_id, changed_at).
        rows.append((s.pk, amount, s.probability, expected, customer.owner_id, at))
    deal.updated_at = rows[-1][-1]
    return deal, rows


@demo_step(220, "bulk: leads", bulk=True)
def bulk_leads(ctx: DemoContext) -> None:
    from opensales.core.crypto import blind_index
    from opensales.leads.models import Lead
    from opensales.search.index import index_objects
    from opensales.search.tokens import phone_digits

    n = _missing(ctx, "leads", Lead)
    if not n:
        return
    rng, timer, t0 = ctx.rng, Timer(ctx), clock.perf_counter()
    reps, weights = sales_reps(ctx)
    facts = ctx.made.setdefault("bulk", {})
    by_owner = facts.get("customers_by_owner", {})
    regions = Regions(rng)
    now = timezone.now()
    start = now - timedelta(days=365 * YEARS)
    statuses, shares = ["new", "working", "converted", "invalid"], [15, 35, 30, 20]
    lead_ids: list[int] = facts.setdefault("lead_ids", [])
    lead_owner: list[int] = facts.setdefault("lead_owner", [])
    lead_created: list[float] = facts.setdefault("lead_created", [])
    with fast_load():
        for first in range(0, n, BATCH):
            size = min(BATCH, n - first)
            owners = _weighted(rng, reps, weights, size)
            rows = []
            with timer("leads build", size):
                for i in range(size):
                    created = start + timedelta(seconds=(now - start).total_seconds() * rng.random() ** 0.7)
                    status = rng.choices(statuses, shares)[0]
                    owner = owners[i] if rng.random() < 0.92 or status == "converted" else None
                    if owner is None and status == "working":
                        status = "new"
                    region = regions.pick()
                    industry = rng.choice(list(TRADES))
                    phone = mobile(rng)
                    mail = f"{phone[-5:]}{rng.randrange(1000)}@example.net" if rng.random() < 0.4 else ""
                    company = company_name(rng, regions.city(region), industry, set())[0]
                    lead = Lead(
                        source=rng.choice(LEAD_SOURCES),
                        company=company if rng.random() < 0.9 else "",
                        contact_name=person_name(rng),
                        title=rng.choice(TITLES),
                        phone=phone,
                        phone_index=blind_index(phone_digits(phone)),
                        email=mail,
                        email_index=blind_index(mail),
                        region=region,
                        industry=industry,
                        status=status,
                        invalid_reason=rng.choice(["空号", "重复线索", "无需求"])
                        if status == "invalid"
                        else "",
                        owner=owner,
                        score=rng.randint(0, 100),
                        created_at=created,
                        updated_at=created,
                    )
                    if status == "converted":
                        mine = by_owner.get(owner.pk)
                        lead.converted_customer_id = rng.choice(mine) if mine else None
                        lead.converted_at = min(now, created + timedelta(days=rng.randint(1, 90)))
                    rows.append(lead)
            with transaction.atomic():
                with timer("leads insert (encrypts)", size):
                    insert_objects(Lead, rows)
                with timer("leads search index", size):
                    index_objects(rows)
            for lead in rows:
                if lead.owner_id and lead.status in ("new", "working", "converted"):
                    lead_ids.append(lead.pk)
                    lead_owner.append(lead.owner_id)
                    lead_created.append(lead.created_at.timestamp())
    timer.flush()
    summary_audit("leads", {"leads": n}, clock.perf_counter() - t0)


@demo_step(230, "bulk: follow-ups", bulk=True)
def bulk_follow_ups(ctx: DemoContext) -> None:
    """Streamed in batches: 94% about customers (weighted by lifecycle: a repeat buyer is called more
    often than a lost one), the rest about leads; 3% planned (some overdue), 1% cancelled.

    The rows are built as tuples in database form (no model instances: 2,000,000 of them at the large
    size), times as epoch seconds on quarter hours of the local working day, converted once per value."""
    from opensales.activities.models import FollowUp
    from opensales.core.fastsql import insert_rows

    n = _missing(ctx, "follow_ups", FollowUp)
    facts = ctx.made.get("bulk", {})
    cust_ids = facts.get("customer_ids", [])
    if not n or not cust_ids:
        return
    rng, timer, t0 = ctx.rng, Timer(ctx), clock.perf_counter()
    owner_of, created_of = facts["customer_owner"], facts["customer_created"]
    contacts_of, deals_of = facts["contacts_of"], facts["deals_of"]
    lead_ids, lead_owner, lead_created = (
        facts.get("lead_ids", []),
        facts.get("lead_owner", []),
        facts.get("lead_created", []),
    )
    cum, total = [], 0.0
    for w in facts["customer_weight"]:
        total += w
        cum.append(total)
    idx = range(len(cust_ids))
    kinds = list(KIND_WEIGHTS)
    kind_cum = [sum(list(KIND_WEIGHTS.values())[: k + 1]) for k in range(len(kinds))]
    now = timezone.now()
    now_ts = int(now.timestamp())
    floor = now_ts - 365 * YEARS * 86400
    # Local midnights from before the floor to past the planned horizon: day d starts at midnight[d].
    tz = timezone.get_current_timezone()
    day0 = datetime.fromtimestamp(floor, tz).date() - timedelta(days=2)
    midnight = [
        int(datetime.combine(day0 + timedelta(days=d), time(0), tzinfo=tz).timestamp())
        for d in range(365 * YEARS + 50)
    ]
    base = midnight[0]
    stamp = Stamps(FollowUp, "at")
    attnames, columns, _converters = _columns(FollowUp)
    fixed = dict.fromkeys(attnames)  # NULL unless set below; the model's defaults for the rest
    fixed.update(version=1, subject="", content="", outcome="", checkin_address="")
    slot = {name: i for i, name in enumerate(attnames)}
    template = [fixed[name] for name in attnames]
    pos = [
        slot[name]
        for name in (
            "created_at",
            "updated_at",
            "kind",
            "status",
            "subject",
            "content",
            "at",
            "duration_minutes",
            "customer_id",
            "contact_id",
            "opportunity_id",
            "lead_id",
            "owner_id",
            "outcome",
        )
    ]
    durations = (15, 30, 30, 45, 60, 90)
    quarters = (0, 900, 1800, 2700)
    # Each customer's (deal's, lead's) latest done and each customer's earliest planned-ahead follow-up.
    last: dict[int, int] = {}
    ahead: dict[int, int] = {}
    deal_last: dict[int, int] = {}
    lead_last: dict[int, int] = {}
    random, randrange, choice = rng.random, rng.randrange, rng.choice
    n_leads = len(lead_ids)
    step = BATCH * 10
    with fast_load():
        for first in range(0, n, step):
            size = min(step, n - first)
            picks = rng.choices(idx, cum_weights=cum, k=size)
            kinds_of = rng.choices(kinds, cum_weights=kind_cum, k=size)
            rows = []
            with timer("follow-ups build", size):
                for i, kind in zip(picks, kinds_of, strict=True):
                    about_lead = n_leads and random() < 0.06
                    if about_lead:
                        j = randrange(n_leads)
                        owner_id, since = lead_owner[j], lead_created[j]
                    else:
                        owner_id, since = owner_of[i], created_of[i]
                    r = random()
                    status = "planned" if r < 0.03 else "cancelled" if r < 0.04 else "done"
                    if status == "planned":
                        ts = now_ts + (random() * 40 - 10) * 86400
                    else:
                        lo = max(since, floor)
                        ts = lo + (now_ts - 3600 - lo) * (random() ** 0.6)
                    # The same local day, at a quarter hour between 8:00 and 18:45.
                    day = midnight[int((ts - base) // 86400)]
                    at = day + randrange(8, 19) * 3600 + choice(quarters)
                    if status == "done" and at > now_ts:
                        at -= 86400
                    created = at if status != "planned" else at - randrange(1, 15) * 86400
                    row = template[:]
                    at_db = stamp(at)
                    values = [stamp(created), at_db, kind, status, choice(SUBJECTS[kind]), "", at_db]
                    values.append(choice(durations))
                    contact_id = deal_id = None
                    if about_lead:
                        lead_id = lead_ids[j]
                        cid = None
                        if status == "done" and at > lead_last.get(lead_id, 0):
                            lead_last[lead_id] = at
                    else:
                        lead_id = None
                        cid = cust_ids[i]
                        people = contacts_of.get(cid)
                        if people and random() < 0.7:
                            contact_id = choice(people)
                        deals = deals_of.get(cid)
                        if deals and random() < 0.4:
                            deal_id = choice(deals)
                        if status == "done":
                            if at > last.get(cid, 0):
                                last[cid] = at
                            if deal_id and at > deal_last.get(deal_id, 0):
                                deal_last[deal_id] = at
                        elif status == "planned" and at > now_ts and at < ahead.get(cid, at + 1):
                            ahead[cid] = at
                    values += [cid, contact_id, deal_id, lead_id, owner_id, ""]
                    if status == "done":
                        values[5] = choice(OUTCOMES)
                        values[13] = choice(OUTCOMES)
                    for p, v in zip(pos, values, strict=True):
                        row[p] = v
                    rows.append(tuple(row))
            with transaction.atomic(), timer("follow-ups insert", size):
                insert_rows(FollowUp, columns, rows)
            if (first // step) % 10 == 9:
                ctx.log(f"demo:   {first + size:,} follow-ups…")
    facts.update(last_done=last, next_planned=ahead, deal_last_done=deal_last, lead_last_done=lead_last)
    timer.flush()
    summary_audit("follow-ups", {"follow_ups": n}, clock.perf_counter() - t0)


@demo_step(240, "bulk: follow-up times", bulk=True)
def bulk_derived(ctx: DemoContext) -> None:
    """`last_follow_up_at`/`next_follow_up_at` of the bulk customers and `last_follow_up_at` of the bulk
    deals and leads (the rule of the services: last = latest done, next = earliest planned still
    ahead), from what the follow-ups step kept while streaming; one executemany UPDATE per batch."""
    from opensales.customers.models import Customer
    from opensales.deals.models import Opportunity
    from opensales.leads.models import Lead

    facts = ctx.made.get("bulk", {})
    if "last_done" not in facts:
        return
    timer = Timer(ctx)
    stamp = Stamps(Customer, "last_follow_up_at")

    def at(ts: int | None) -> Any:
        return None if ts is None else stamp(ts)

    with fast_load():
        ids = facts.get("customer_ids", [])
        last, ahead = facts["last_done"], facts["next_planned"]
        with timer("customers follow-up times", len(ids)):
            rows = [(at(last.get(pk)), at(ahead.get(pk)), pk) for pk in ids if pk in last or pk in ahead]
            update_rows(Customer, ["last_follow_up_at", "next_follow_up_at"], rows)
        deal_last = facts["deal_last_done"]
        with timer("opportunities follow-up times", len(deal_last)):
            update_rows(Opportunity, ["last_follow_up_at"], [(at(ts), pk) for pk, ts in deal_last.items()])
        lead_last = facts["lead_last_done"]
        with timer("leads follow-up times", len(lead_last)):
            update_rows(Lead, ["last_follow_up_at"], [(at(ts), pk) for pk, ts in lead_last.items()])
    timer.flush()


@demo_step(250, "bulk: analyze", bulk=True)
def bulk_analyze(ctx: DemoContext) -> None:
    """Fresh planner statistics after the load (the benchmarks need them): ANALYZE on PostgreSQL;
    SQLite: ANALYZE with a sampling limit (seconds, not minutes, on a gigabyte file)."""
    if not ctx.made.get("bulk"):
        return
    timer = Timer(ctx)
    with timer("analyze", 0), connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA analysis_limit=1000")
            cur.execute("ANALYZE")
        else:
            cur.execute("ANALYZE")
    timer.flush()
