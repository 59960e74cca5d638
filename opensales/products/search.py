"""Products in the global search."""

from __future__ import annotations

from opensales.search.registry import register_search

from .models import Product
from .scope import register as register_scope

register_scope()

register_search(
    Product,
    key="products",
    title="name",
    subtitle=lambda p: " · ".join(x for x in (p.code, p.category.name if p.category_id else "") if x),
    fields=["code", "specification"],
    url="products:product_detail",
    select_related=["category"],
    icon="ti-package",
    order=400,
)
