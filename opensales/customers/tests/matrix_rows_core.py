"""Matrix rows of the customer and contact pages and API (see matrix_rows.py)."""

from __future__ import annotations

from typing import Any

from tests.matrix import Row, Target, only, statuses

from .factories import make_contact, make_customer, make_pool_customer

WORKERS = ("admin", "director", "manager_east", "rep_sh1", "rep_sh2", "rep_gz1")
DELETERS = ("admin", "director", "manager_east")
EXPORTERS = ("admin", "director", "manager_east", "finance", "auditor")


def _customer_of(username: str) -> Target:
    return Target(f"customer of {username}", lambda cast: {"pk": make_customer(cast[username]).pk})


def _contact_of(username: str) -> Target:
    return Target(
        f"contact of {username}'s customer",
        lambda cast: {"pk": make_contact(make_customer(cast[username])).pk},
    )


def _pool_contact(cast) -> dict[str, Any]:
    return {"pk": make_contact(make_pool_customer()).pk}


def _pool_customer(cast) -> dict[str, Any]:
    return {"pk": make_pool_customer().pk}


def _duplicate_of_rep_sh2(cast) -> dict[str, Any]:
    return {"pk": make_customer(cast["rep_sh2"], name="上海恒达贸易").pk}


def _collaboration_request(cast) -> dict[str, Any]:
    """A pending request of rep_sh2 to join a customer of rep_sh1."""
    from opensales.customers.collaboration import ask

    customer = make_customer(cast["rep_sh1"], name="协作请求客户")
    return {"pk": customer.pk, "rid": ask(actor=cast["rep_sh2"], customer=customer).pk}


own = statuses(200, rep_sh2=404, rep_gz1=404)
edit_own = statuses(200, rep_sh2=404, rep_gz1=404, finance=403, auditor=403)
delete_own = only(dict.fromkeys(DELETERS, 200), 403)
workers = only(dict.fromkeys(WORKERS, 200), 403)
exporters = only(dict.fromkeys(EXPORTERS, 200), 403)

UI_ROWS: list[Row] = [
    Row("customers:customer_list", "GET", statuses(200)),
    Row("customers:customer_create", "GET", workers),
    Row(
        "customers:customer_create",
        "POST",
        only(dict.fromkeys(WORKERS, 302), 403),
        data=lambda cast: {
            "name": "矩阵新建客户",
            "kind": "company",
            "lifecycle": "prospect",
            "credit_limit": "0",
            "payment_terms_days": "30",
        },
    ),
    Row("customers:customer_detail", "GET", own, target=_customer_of("rep_sh1")),
    Row(
        "customers:customer_detail",
        "GET",
        statuses(200, rep_gz1=404),
        target=Target("customer in 华东公海", _pool_customer),
        note="pool members see it",
    ),
    Row("customers:customer_edit", "GET", edit_own, target=_customer_of("rep_sh1")),
    Row("customers:customer_delete", "GET", delete_own, target=_customer_of("rep_sh1")),
    Row(
        "customers:customer_delete",
        "GET",
        only({"admin": 200, "director": 200, "manager_east": 404}, 403),
        target=_customer_of("rep_gz1"),
        note="outside the manager's subtree",
    ),
    Row("customers:regions", "GET", statuses(200)),
    Row("customers:customer_duplicates", "GET", workers),
    Row(
        "customers:customer_request_collaboration",
        "POST",
        only(dict.fromkeys(WORKERS, 302), 403),
        target=Target("customer of rep_sh2", _duplicate_of_rep_sh2),
        data=lambda cast: {"name": "上海恒达贸易有限公司"},
    ),
    *[
        Row(
            f"customers:customer_collaboration_{verb}",
            "POST",
            statuses(302, rep_sh2=404, rep_gz1=404, finance=403, auditor=403),
            target=Target("rep_sh2 asks to join a customer of rep_sh1", _collaboration_request),
            data=lambda cast: {"level": "read"},
        )
        for verb in ("accept", "decline")
    ],
    Row(
        "customers:contact_unmask",
        "POST",
        only({"admin": 200, "director": 200, "manager_east": 200}, 403),
        target=_contact_of("rep_sh1"),
        data=lambda cast: {"field": "mobile"},
    ),
    Row("customers:contact_list", "GET", statuses(200)),
    Row("customers:contact_create", "GET", workers),
    Row("customers:contact_detail", "GET", own, target=_contact_of("rep_sh1")),
    Row(
        "customers:contact_detail",
        "GET",
        statuses(404, admin=200, director=200, finance=200, auditor=200),
        target=Target("contact of a pool customer", _pool_contact),
        note="hidden from pool members until claimed",
    ),
    Row("customers:contact_edit", "GET", edit_own, target=_contact_of("rep_sh1")),
    Row("customers:contact_delete", "GET", delete_own, target=_contact_of("rep_sh1")),
    Row(
        "customers:contact_vcard",
        "GET",
        only({"admin": 200, "director": 200, "manager_east": 200, "finance": 200, "auditor": 200}, 403),
        target=_contact_of("rep_sh1"),
    ),
    Row("customers:contact_vcard_list", "GET", exporters),
]


def api_rows(ApiRow, api_statuses, api_only) -> list:
    from tests.matrix import Target as T

    def customer_of(username):
        return T(f"customer of {username}", lambda cast: {"id": make_customer(cast[username]).pk})

    def contact_of(username):
        return T(
            f"contact of {username}'s customer",
            lambda cast: {"id": make_contact(make_customer(cast[username])).pk},
        )

    def new_contact(cast, persona):
        owner = cast.get(persona) if persona in WORKERS else cast["rep_sh1"]
        if persona in ("admin", "director", "manager_east"):
            owner = cast["rep_sh1"]
        return {
            "customer": make_customer(owner, name=f"联系人所属客户{persona}").pk,
            "name": "王芳",
            "mobile": "13900139000",
        }

    api_own = api_statuses(200, rep_sh2=404, rep_gz1=404)
    api_edit = api_statuses(200, rep_sh2=404, rep_gz1=404, finance=403, auditor=403)
    api_delete = api_only(dict.fromkeys(DELETERS, 204), 403)
    api_workers = api_only(dict.fromkeys(WORKERS, 201), 403)
    return [
        ApiRow("GET", "/api/v1/customers", api_statuses(200)),
        ApiRow("GET", "/api/v1/customers/{id}", api_own, target=customer_of("rep_sh1")),
        ApiRow(
            "POST",
            "/api/v1/customers",
            api_workers,
            body=lambda cast, persona: {"name": f"接口新建客户{persona}", "region": "310115"},
        ),
        ApiRow(
            "PATCH",
            "/api/v1/customers/{id}",
            api_edit,
            target=customer_of("rep_sh1"),
            body=lambda cast, persona: {"version": 1, "grade": "A"},
        ),
        ApiRow("DELETE", "/api/v1/customers/{id}", api_delete, target=customer_of("rep_sh1")),
        ApiRow("GET", "/api/v1/contacts", api_statuses(200)),
        ApiRow("GET", "/api/v1/contacts/{id}", api_own, target=contact_of("rep_sh1")),
        ApiRow("POST", "/api/v1/contacts", api_workers, body=new_contact),
        ApiRow(
            "PATCH",
            "/api/v1/contacts/{id}",
            api_edit,
            target=contact_of("rep_sh1"),
            body=lambda cast, persona: {"version": 1, "title": "采购经理"},
        ),
        ApiRow("DELETE", "/api/v1/contacts/{id}", api_delete, target=contact_of("rep_sh1")),
        ApiRow(
            "GET",
            "/api/v1/customers/{id}/collaboration-requests",
            api_edit,
            target=T("customer of rep_sh1", lambda cast: {"id": _collaboration_request(cast)["pk"]}),
        ),
        *[
            ApiRow(
                "POST",
                f"/api/v1/customers/{{id}}/collaboration-requests/{{rid}}/{verb}",
                api_edit,
                target=T(
                    "rep_sh2 asks to join a customer of rep_sh1",
                    lambda cast: {
                        "id": (found := _collaboration_request(cast))["pk"],
                        "rid": found["rid"],
                    },
                ),
                body=lambda cast, persona: {},
            )
            for verb in ("accept", "decline")
        ],
    ]
