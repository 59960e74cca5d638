"""Demo step: 示例科技有限公司 — its departments, about 20 employees and the demo logins."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from opensales.core.demo import DEMO_PASSWORD, DemoContext, demo_step

from . import services
from .models import Department, Employee, Role

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建文斌宇浩凯健俊帆帅旭宁琳晨晶欣雪慧颖倩婷雯佳"

# (username, full name, department key, title, roles, head of department)
CAST = [
    ("admin", "系统管理员", "hq", "IT 管理员", ["administrator"], False),
    ("director", "李建国", "hq", "销售总监", ["sales_director"], True),
    ("finance", "赵丽华", "hq", "财务经理", ["finance"], False),
    ("auditor", "钱文静", "hq", "内审专员", ["auditor"], False),
    ("manager_east", "王海涛", "east", "华东大区经理", ["sales_manager"], True),
    ("rep_sh1", "张伟", "sh", "销售代表", ["sales_rep"], False),
    ("rep_sh2", "刘洋", "sh", "销售代表", ["sales_rep"], False),
    ("lead_sh", "陈静", "sh", "上海团队主管", ["sales_manager"], True),
    ("lead_hz", "杨帆", "hz", "杭州团队主管", ["sales_manager"], True),
    ("rep_hz1", "黄敏", "hz", "销售代表", ["sales_rep"], False),
    ("rep_hz2", "周杰", "hz", "销售代表", ["sales_rep"], False),
    ("manager_south", "吴志强", "south", "华南大区经理", ["sales_manager"], True),
    ("rep_gz1", "徐丽", "gz", "销售代表", ["sales_rep"], False),
    ("rep_gz2", "孙鹏", "gz", "销售代表", ["sales_rep"], False),
    ("rep_sz1", "马超", "sz", "销售代表", ["sales_rep"], False),
    ("rep_sz2", "朱婷", "sz", "销售代表", ["sales_rep"], False),
    ("manager_north", "胡军", "north", "华北大区经理", ["sales_manager"], True),
    ("rep_bj1", "郭晨", "bj", "销售代表", ["sales_rep"], False),
    ("rep_bj2", "何雪", "bj", "销售代表", ["sales_rep"], False),
    ("rep_bj3", "高宇", "bj", "销售代表", ["sales_rep"], False),
]

TREE = [
    ("hq", "总部", None, "HQ"),
    ("east", "华东大区", "hq", "EAST"),
    ("sh", "上海团队", "east", "SH"),
    ("hz", "杭州团队", "east", "HZ"),
    ("south", "华南大区", "hq", "SOUTH"),
    ("gz", "广州团队", "south", "GZ"),
    ("sz", "深圳团队", "south", "SZ"),
    ("north", "华北大区", "hq", "NORTH"),
    ("bj", "北京团队", "north", "BJ"),
]

# Extra regions and cities for larger sizes (the benchmarks' 40 departments, 500 employees).
CITIES = [
    "南京",
    "苏州",
    "宁波",
    "合肥",
    "福州",
    "厦门",
    "东莞",
    "佛山",
    "长沙",
    "武汉",
    "成都",
    "重庆",
    "西安",
    "天津",
    "济南",
    "青岛",
    "郑州",
    "沈阳",
    "大连",
    "哈尔滨",
    "昆明",
    "南宁",
    "南昌",
    "石家庄",
    "太原",
    "贵阳",
    "兰州",
    "乌鲁木齐",
    "海口",
    "无锡",
    "温州",
]


def random_name(ctx: DemoContext) -> str:
    given = ctx.rng.choice(GIVEN) + (ctx.rng.choice(GIVEN) if ctx.rng.random() < 0.7 else "")
    return ctx.rng.choice(SURNAMES) + given


def random_mobile(ctx: DemoContext) -> str:
    return f"1{ctx.rng.choice('3578')}{ctx.rng.randrange(10**9):09d}"


@demo_step(10, "organization")
def seed_org(ctx: DemoContext) -> None:
    User = get_user_model()
    roles = {r.code: r for r in Role.objects.all()}
    depts: dict[str, Department] = {}
    for key, name, parent, code in TREE:
        depts[key] = services.department_create(actor=None, name=name, parent=depts.get(parent), code=code)
    password_hash = make_password(DEMO_PASSWORD)
    users = {}
    for i, (username, full_name, dept, title, role_codes, is_head) in enumerate(CAST):
        employee = services.employee_create(
            actor=None,
            username=username,
            full_name=full_name,
            email=f"{username}@example.com",
            department=depts[dept],
            title=title,
            mobile=random_mobile(ctx),
            employee_no=f"E{1001 + i}",
            hire_date=date(2019, 3, 1) + timedelta(days=ctx.rng.randrange(2000)),
            roles=[roles[c] for c in role_codes],
        )
        User.objects.filter(pk=employee.user_id).update(password=password_hash)
        employee.user.password = password_hash  # keep the object in step (its session hash uses it)
        users[username] = employee.user
        if is_head:
            Department.objects.unscoped(reason="demo").filter(pk=depts[dept].pk).update(head=employee.user)
    # Direct managers follow the department heads up the tree.
    heads = {key: users[u] for u, _n, key, _t, _r, h in CAST if h for u in [u]}
    parents = {key: parent for key, _n, parent, _c in TREE}
    for username, _n, dept, _t, _r, is_head in CAST:
        key = parents[dept] if is_head else dept
        while key and (key not in heads or heads[key] == users[username]):
            key = parents[key]
        if key:
            Employee.objects.unscoped(reason="demo").filter(user=users[username]).update(manager=heads[key])
    if ctx.count("departments") > len(TREE) or ctx.count("employees") > len(CAST):
        _grow(ctx, depts, roles, password_hash)
    ctx.made["departments"] = depts
    ctx.made["users"] = users


def _grow(ctx: DemoContext, depts, roles, password_hash) -> None:
    """Larger sizes: city teams and reps up to the size's `departments` and `employees` totals (large: 40
    and 500); the bulk customers step skews ownership among them (opensales/core/demo_bulk.py)."""
    User = get_user_model()
    regions = [depts["east"], depts["south"], depts["north"]]
    n_teams = max(1, min(len(CITIES), ctx.count("departments") - len(TREE)))
    n_reps = max(0, ctx.count("employees") - len(CAST))
    teams = []
    for city in CITIES[:n_teams]:
        teams.append(
            services.department_create(actor=None, name=f"{city}团队", parent=ctx.rng.choice(regions))
        )
    for i in range(n_reps):
        employee = services.employee_create(
            actor=None,
            username=f"rep{i + 1:04d}",
            full_name=random_name(ctx),
            department=ctx.rng.choice(teams),
            title="销售代表",
            mobile=random_mobile(ctx),
            employee_no=f"E{3001 + i}",
            roles=[roles["sales_rep"]],
        )
        User.objects.filter(pk=employee.user_id).update(password=password_hash)
