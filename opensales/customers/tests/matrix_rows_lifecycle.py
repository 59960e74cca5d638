"""Matrix rows of the pool, release/claim/lifecycle, handover, merge and grading pages and API
(see matrix_rows.py)."""

from __future__ import annotations

from typing import Any

from tests.matrix import Row, Target, only, statuses

MANAGERS = {"admin": 302, "director": 302, "manager_east": 302}
U = "matrix"


def _east_pool() -> Any:
    from opensales.core.scope import system_access
    from opensales.customers.models import CustomerPool
    from opensales.org.models import Department

    pool, created = CustomerPool.objects.get_or_create(name="矩阵华东公海")
    if created:
        with system_access(U):
            pool.departments.set([Department.objects.unscoped(reason=U).get(code="EAST")])
    return pool


def _pool(cast) -> dict[str, Any]:
    return {"pk": _east_pool().pk}


def _pool_customer(cast) -> dict[str, Any]:
    from opensales.customers.models import Customer

    return {"pk": Customer.objects.create(name="矩阵公海客户", pool=_east_pool()).pk}


def _customer_of_rep(cast) -> dict[str, Any]:
    from opensales.customers.models import Customer

    return {"pk": Customer.objects.create(name="矩阵客户", owner=cast["rep_sh1"], pool=_east_pool()).pk}


def _two_customers(cast) -> dict[str, Any]:
    from opensales.customers.models import Customer

    Customer.objects.create(name="矩阵合并甲", owner=cast["rep_sh1"])
    Customer.objects.create(name="矩阵合并乙", owner=cast["rep_sh1"])
    return {}


def _merge_ids() -> tuple[int, int]:
    from opensales.customers.models import Customer

    found = dict(
        Customer.objects.unscoped(reason=U)
        .filter(name__in=["矩阵合并甲", "矩阵合并乙"])
        .values_list("name", "pk")
    )
    return found["矩阵合并甲"], found["矩阵合并乙"]


def _a_merge(cast) -> dict[str, Any]:
    from opensales.customers import merge
    from opensales.customers.models import Customer

    a = Customer.objects.create(name="矩阵已合并甲", owner=cast["rep_sh1"])
    b = Customer.objects.create(name="矩阵已合并乙", owner=cast["rep_sh1"])
    return {"pk": merge.merge(actor=cast["director"], survivor=a, others=[b], field_choices={}).pk}


def _merge_form(cast) -> dict[str, Any]:
    a, b = _merge_ids()
    return {"ids": f"{a},{b}", "survivor": a, "field_name": b}


def _handover_form(cast) -> dict[str, Any]:
    return {"from_user": cast["rep_sh1"].pk, "to_user": cast["rep_sh2"].pk}


def _grading_form(cast) -> dict[str, Any]:
    data = {}
    for grade, amount in zip("ABCD", ["1000000", "200000", "1", "0"], strict=True):
        data.update(
            {f"{grade}-window_days": 365, f"{grade}-min_won_amount": amount, f"{grade}-min_activities": 1}
        )
    return data


CHANGE_REP1 = statuses(404, admin=302, director=302, manager_east=302, rep_sh1=302)
ASSIGNERS_PAGE = only({"admin": 200, "director": 200, "manager_east": 200}, 403)

UI_ROWS: list[Row] = [
    Row("customers:pool_list", "GET", statuses(200)),
    Row("customers:pool", "GET", statuses(200, rep_gz1=404), target=Target("华东 pool", _pool)),
    Row(
        "customers:claim",
        "POST",
        statuses(302, rep_gz1=404, finance=403, auditor=403),
        target=Target("customer in the 华东 pool", _pool_customer),
    ),
    Row(
        "customers:release",
        "POST",
        CHANGE_REP1,
        target=Target("customer of rep_sh1", _customer_of_rep),
        data=lambda cast: {"reason": "矩阵"},
    ),
    Row(
        "customers:lifecycle",
        "POST",
        CHANGE_REP1,
        target=Target("customer of rep_sh1", _customer_of_rep),
        data=lambda cast: {"stage": "new"},
    ),
    Row("customers:handover", "GET", ASSIGNERS_PAGE),
    Row(
        "customers:handover",
        "POST",
        only(MANAGERS, 403),
        target=Target("customers of rep_sh1", lambda cast: (_customer_of_rep(cast), {})[1]),
        data=_handover_form,
    ),
    Row("customers:merge", "GET", ASSIGNERS_PAGE, note="without a selection"),
    Row(
        "customers:merge",
        "POST",
        only(MANAGERS, 403),
        target=Target("two customers of rep_sh1", _two_customers),
        data=_merge_form,
    ),
    Row("customers:merges", "GET", ASSIGNERS_PAGE),
    Row("customers:merge_undo", "POST", only(MANAGERS, 403), target=Target("a merge", _a_merge)),
    Row("customers:grading", "GET", only({"admin": 200}, 403)),
    Row("customers:grading", "POST", only({"admin": 302}, 403), data=_grading_form),
    Row("customers:grade_run", "POST", only({"admin": 302}, 403)),
]


def api_rows(ApiRow, api_statuses, api_only) -> list:
    from tests.matrix import Target as T

    def by_id(make):
        return lambda cast: {"id": make(cast)["pk"]}

    managers = {"admin": 200, "director": 200, "manager_east": 200}
    change_rep1 = api_statuses(404, admin=200, director=200, manager_east=200, rep_sh1=200)

    def merge_body(cast, persona):
        a, b = _merge_ids()
        return {"survivor": a, "others": [b], "field_choices": {"name": b}}

    return [
        ApiRow(
            "POST",
            "/api/v1/customers/{id}/claim",
            api_statuses(200, rep_gz1=404, finance=403, auditor=403),
            target=T("customer in the 华东 pool", by_id(_pool_customer)),
        ),
        ApiRow(
            "POST",
            "/api/v1/customers/{id}/release",
            change_rep1,
            target=T("customer of rep_sh1", by_id(_customer_of_rep)),
            body=lambda cast, persona: {"reason": "矩阵"},
        ),
        ApiRow(
            "POST",
            "/api/v1/customers/{id}/lifecycle",
            change_rep1,
            target=T("customer of rep_sh1", by_id(_customer_of_rep)),
            body=lambda cast, persona: {"stage": "new"},
        ),
        ApiRow(
            "POST",
            "/api/v1/customers/handover",
            api_only(managers, 403),
            target=T("customers of rep_sh1", lambda cast: (_customer_of_rep(cast), {})[1]),
            body=lambda cast, persona: {"from_user": cast["rep_sh1"].pk, "to_user": cast["rep_sh2"].pk},
        ),
        ApiRow(
            "POST",
            "/api/v1/customers/merge",
            api_only({"admin": 201, "director": 201, "manager_east": 201}, 403),
            target=T("two customers of rep_sh1", _two_customers),
            body=merge_body,
        ),
        ApiRow(
            "POST",
            "/api/v1/customer-merges/{id}/undo",
            api_only(managers, 403),
            target=T("a merge", by_id(_a_merge)),
        ),
        ApiRow("POST", "/api/v1/customers/grade", api_only({"admin": 200}, 403)),
    ]
