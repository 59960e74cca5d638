"""Product catalog services: the only write path for products and their categories."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from opensales.audit.services import diff, record
from opensales.core.history import stamp
from opensales.core.versioning import StaleEdit

from .models import Product, ProductCategory

PRODUCT_FIELDS = (
    "code",
    "name",
    "category",
    "unit",
    "list_price",
    "cost",
    "tax_rate",
    "specification",
    "description",
    "is_active",
)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (str(v) if v is not None and not isinstance(v, bool | int | str) else v) for k, v in values.items()
    }


@transaction.atomic
def product_create(*, actor: Any, code: str, name: str, **fields: Any) -> Product:
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValueError(f"product_create cannot set {sorted(unknown)}")
    values = {k: v for k, v in fields.items() if v is not None}
    product = Product(code=(code or "").strip(), name=(name or "").strip(), **values)
    if not product.unit:
        product.unit = "件"
    product.full_clean()
    stamp(product, actor)
    product.save()
    record(
        action="product.create",
        actor=actor,
        obj=product,
        changes=_plain({"code": product.code, "name": product.name, "list_price": product.list_price}),
    )
    return product


@transaction.atomic
def product_update(*, actor: Any, product: Product, expected_version: int | None, **fields: Any) -> Product:
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValueError(f"product_update cannot change {sorted(unknown)}")
    current = Product.objects.unscoped(reason="service write").select_for_update().get(pk=product.pk)
    if expected_version is None or int(expected_version) != current.version:
        raise StaleEdit(current)
    before = _plain({k: getattr(current, k) for k in fields})
    for name, value in fields.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    current.full_clean()
    current.version = F("version") + 1
    stamp(current, actor)
    current.save()
    current.refresh_from_db()
    record(
        action="product.update",
        actor=actor,
        obj=current,
        changes=diff(before, _plain({k: getattr(current, k) for k in fields})),
    )
    return current


@transaction.atomic
def category_save(
    *,
    actor: Any,
    name: str,
    parent: ProductCategory | None = None,
    category: ProductCategory | None = None,
    sort_order: int = 0,
) -> ProductCategory:
    creating = category is None
    category = category or ProductCategory()
    if parent is not None and category.pk is not None:
        node = parent
        while node is not None:
            if node.pk == category.pk:
                raise ValidationError({"parent": _("A category cannot be inside itself.")})
            node = node.parent
    category.name, category.parent, category.sort_order = (name or "").strip(), parent, sort_order
    category.full_clean()
    category.save()
    record(
        action="product_category.create" if creating else "product_category.update",
        actor=actor,
        obj=category,
        changes={"name": category.name, "parent": parent.name if parent else None},
    )
    return category


@transaction.atomic
def category_delete(*, actor: Any, category: ProductCategory) -> None:
    if (
        category.children.exists()
        or Product.objects.unscoped(reason="category in use").filter(category=category).exists()
    ):
        raise ValidationError(_("Only an empty category without sub-categories can be deleted."))
    record(action="product_category.delete", actor=actor, obj=category, changes={"name": category.name})
    category.delete()


def category_tree() -> list[ProductCategory]:
    """Every category, parents before their children, each with `depth` and `label` (indented)."""
    categories = list(ProductCategory.objects.all())
    children: dict[int | None, list[ProductCategory]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)
    out: list[ProductCategory] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for c in sorted(children.get(parent_id, []), key=lambda c: (c.sort_order, c.name)):
            c.depth = depth
            c.label = "\u3000" * depth + c.name
            out.append(c)
            walk(c.pk, depth + 1)

    walk(None, 0)
    return out


def descendant_ids(category: ProductCategory) -> list[int]:
    tree = category_tree()
    by_parent: dict[int | None, list[int]] = {}
    for c in tree:
        by_parent.setdefault(c.parent_id, []).append(c.pk)
    out, todo = [], [category.pk]
    while todo:
        pk = todo.pop()
        out.append(pk)
        todo.extend(by_parent.get(pk, []))
    return out
