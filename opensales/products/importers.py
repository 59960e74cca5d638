"""The product importer (产品导入): by code; the category is named by its name or its path ("软件/CRM")."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.core.actions import Action
from opensales.core.scope import has_action
from opensales.imports import parsers
from opensales.imports.registry import Importer, ImportField, RowPlan, register_importer

from . import services
from .models import Product, ProductCategory


def _decimal(value: str) -> Decimal:
    cleaned = (
        value.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace("%", "").strip()
    )
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": value}) from None
    if number < 0:
        raise ValidationError(_("“%(value)s” cannot be negative.") % {"value": value})
    return number


def _boolean(value: str) -> bool:
    folded = parsers.normalized(value)
    if folded in {"1", "true", "yes", "y", "是", "在售", "上架"}:
        return True
    if folded in {"0", "false", "no", "n", "否", "停售", "下架"}:
        return False
    raise ValidationError(_("“%(value)s” is not yes or no.") % {"value": value})


@register_importer
class ProductImporter(Importer):
    key = "products"
    model = Product
    key_fields = ("code",)
    fields = [
        ImportField(
            "code", gettext_lazy("Code"), required=True, aliases=("产品编码", "编号"), parser=parsers.text(40)
        ),
        ImportField(
            "name", gettext_lazy("Name"), required=True, aliases=("产品名称",), parser=parsers.text(200)
        ),
        ImportField("category", gettext_lazy("Category"), aliases=("分类", "产品分类")),
        ImportField("unit", gettext_lazy("Unit"), aliases=("单位",), parser=parsers.text(20)),
        ImportField("list_price", gettext_lazy("List price"), aliases=("价格", "标准价"), parser=_decimal),
        ImportField("cost", gettext_lazy("Cost"), aliases=("成本价",), parser=_decimal),
        ImportField("tax_rate", gettext_lazy("Tax rate (%)"), aliases=("税率",), parser=_decimal),
        ImportField(
            "specification", gettext_lazy("Specification"), aliases=("规格", "型号"), parser=parsers.text(200)
        ),
        ImportField("description", gettext_lazy("Description"), aliases=("描述", "说明")),
        ImportField("is_active", gettext_lazy("On sale"), aliases=("是否在售",), parser=_boolean),
    ]

    def prepare(self, rows: list[RowPlan]) -> None:
        tree = services.category_tree()
        by_pk = {c.pk: c for c in tree}
        self._categories: dict[str, ProductCategory | None] = {}
        for c in tree:
            chain, node = [], c
            while node is not None:
                chain.append(parsers.normalized(node.name))
                node = by_pk.get(node.parent_id)
            path = "/".join(reversed(chain))
            self._categories[path] = c
            name = parsers.normalized(c.name)
            self._categories[name] = (
                None if name in self._categories and self._categories[name] is not c else c
            )
        codes = sorted({r.raw.get("code", "") for r in rows} - {""})
        self._existing = {
            p.code: p for p in Product.objects.visible_to(self.user, Action.VIEW).filter(code__in=codes)
        }
        self._may_change = has_action(self.user, Product, Action.CHANGE)

    def parse_category(self, value: str) -> ProductCategory:
        parts = [parsers.normalized(p) for p in value.replace("／", "/").replace(">", "/").split("/")]
        found = self._categories.get("/".join(p for p in parts if p))
        if found is None:
            raise ValidationError(_("No product category “%(value)s”.") % {"value": value})
        return found

    def find_existing(self, row: RowPlan) -> Any:
        code = row.values.get("code")
        existing = self._existing.get(code)
        if existing is not None and not self._may_change:
            raise ValidationError(_("You may not change products."))
        return existing

    def changes(self, row: RowPlan) -> dict[str, Any]:
        obj = row.existing
        if obj is None:
            return dict(row.values)
        return {k: v for k, v in row.values.items() if getattr(obj, k) != v}

    def display(self, name: str, value: Any) -> str:
        if name == "category":
            return value.name
        if name == "is_active":
            return _("Yes") if value else _("No")
        return super().display(name, value)

    def create(self, actor: Any, row: RowPlan) -> Any:
        values = dict(row.values)
        return services.product_create(
            actor=actor, code=values.pop("code"), name=values.pop("name"), **values
        )

    def update(self, actor: Any, obj: Any, row: RowPlan) -> Any:
        values = {k: v for k, v in self.changes(row).items() if k != "code"}
        if not values:
            return obj
        return services.product_update(actor=actor, product=obj, expected_version=obj.version, **values)
