"""Rows of the permission matrices for the product catalog (scope-free: the role's grant decides; reps
view/add/change, managers also delete, finance and auditor view/export)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.matrix import Row, Target, only, statuses

EDITORS = {"admin": 200, "director": 200, "manager_east": 200, "rep_sh1": 200, "rep_sh2": 200, "rep_gz1": 200}
DELETERS = {"admin": 200, "director": 200, "manager_east": 200}


def _product(cast) -> dict[str, Any]:
    from opensales.products.models import Product

    return {"pk": Product.objects.create(code="MATRIX-1", name="矩阵产品").pk}


def _category(cast) -> dict[str, Any]:
    from opensales.products.models import ProductCategory

    return {"pk": ProductCategory.objects.create(name="矩阵分类").pk}


PRODUCT = Target("a product", _product)
CATEGORY = Target("an empty category", _category)

UI_ROWS: list[Row] = [
    Row("products:product_list", "GET", statuses(200)),
    Row("products:product_detail", "GET", statuses(200), target=PRODUCT),
    Row("products:product_create", "GET", only(EDITORS, 403)),
    Row("products:product_edit", "GET", only(EDITORS, 403), target=PRODUCT),
    Row("products:product_delete", "GET", only(DELETERS, 403), target=PRODUCT),
    Row("products:categories", "GET", statuses(200)),
    Row("products:category_edit", "GET", only(EDITORS, 403), target=CATEGORY),
    Row(
        "products:category_delete",
        "POST",
        only({"admin": 302, "director": 302, "manager_east": 302}, 403),
        target=CATEGORY,
    ),
]


def api_rows(ApiRow: type, api_statuses: Callable[..., dict], api_only: Callable[..., dict]) -> list:
    from tests.matrix import Target as Target_

    product = Target_("a product", lambda cast: {"id": _product(cast)["pk"]})
    adders = {
        "admin": 201,
        "director": 201,
        "manager_east": 201,
        "rep_sh1": 201,
        "rep_sh2": 201,
        "rep_gz1": 201,
    }
    changers = dict.fromkeys(adders, 200)
    return [
        ApiRow("GET", "/api/v1/products", api_statuses(200)),
        ApiRow("GET", "/api/v1/products/{id}", api_statuses(200), target=product),
        ApiRow(
            "POST",
            "/api/v1/products",
            api_only(adders, 403),
            body=lambda cast, persona: {
                "code": "API-NEW",
                "name": "接口产品",
                "unit": "件",
                "list_price": "10",
                "cost": "0",
                "tax_rate": "13",
            },
        ),
        ApiRow(
            "PATCH",
            "/api/v1/products/{id}",
            api_only(changers, 403),
            target=product,
            body=lambda cast, persona: {"version": 1, "list_price": "20"},
        ),
        ApiRow(
            "DELETE",
            "/api/v1/products/{id}",
            api_only({"admin": 204, "director": 204, "manager_east": 204}, 403),
            target=product,
        ),
    ]
