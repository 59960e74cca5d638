"""The product catalog on the generic workspace pages (key "products")."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from opensales.bulk.actions import DELETE
from opensales.workspace.cells import money_cell
from opensales.workspace.filters import WorkspaceFilterSet
from opensales.workspace.registry import Column, ModelView, register

from . import services
from .forms import ProductForm
from .models import Product, ProductCategory

FIELDS = [
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
]


class ProductFilter(WorkspaceFilterSet):
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=ProductCategory.objects.all(), method="filter_category"
    )
    is_active = django_filters.BooleanFilter(label=_("On sale"))
    list_price = django_filters.RangeFilter(label=_("List price"))

    search_fields = ("code", "name", "specification")

    class Meta(WorkspaceFilterSet.Meta):
        model = Product
        fields: list[str] = []

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_tree_ready", False):
            form._tree_ready = True
            tree = [(c.pk, c.label) for c in services.category_tree()]
            form.fields["category"].widget.choices = [("", _("All")), *tree]
        return form

    def filter_category(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(category__in=services.descendant_ids(value))


@register
class ProductView(ModelView):
    model = Product
    key = "products"
    namespace, name = "products", "product"
    icon = "ti-package"
    filterset_class = ProductFilter
    select_related = ("category",)
    default_sort = "code"
    tags = True
    bulk_actions = (DELETE,)
    form_class = ProductForm
    columns = (
        Column("code", _("Code"), sort="code", css="text-nowrap"),
        Column("name", _("Name"), sort="name", required=True),
        Column("category", _("Category"), sort="category__name", css="d-none d-md-table-cell"),
        Column("unit", _("Unit"), css="d-none d-md-table-cell"),
        Column(
            "list_price",
            _("List price"),
            sort="list_price",
            render=money_cell,
            css="text-end text-nowrap",
        ),
        Column("tax_rate", _("Tax rate (%)"), sort="tax_rate", css="text-end d-none d-lg-table-cell"),
        Column("cost", _("Cost"), sort="cost", render=money_cell, default=False),
        Column("specification", _("Specification"), default=False),
        Column("is_active", _("On sale"), sort="is_active"),
    )

    @classmethod
    def create(cls, actor: Any, data: dict[str, Any]) -> Product:
        return services.product_create(actor=actor, **{k: data[k] for k in FIELDS})

    @classmethod
    def update(cls, actor: Any, record: Product, data: dict[str, Any], version: int | None) -> Product:
        return services.product_update(
            actor=actor, product=record, expected_version=version, **{k: data[k] for k in FIELDS}
        )
