from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opensales.core.forms import StyledFormMixin

from .models import Product, ProductCategory
from .services import category_tree


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ProductCategory) -> str:
        return getattr(obj, "label", obj.name)


def _tree_choices(field: forms.ModelChoiceField, exclude: int | None = None) -> None:
    tree = [c for c in category_tree() if c.pk != exclude]
    field.queryset = ProductCategory.objects.filter(pk__in=[c.pk for c in tree])
    field.widget.choices = [("", field.empty_label or "---------")] + [(c.pk, c.label) for c in tree]


class ProductForm(StyledFormMixin, forms.ModelForm):
    category = CategoryChoiceField(
        label=_("Category"), queryset=ProductCategory.objects.all(), required=False
    )

    class Meta:
        model = Product
        fields = [
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
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _tree_choices(self.fields["category"])

    def validate_unique(self) -> None:
        # Code uniqueness is checked by the service (full_clean) against the whole table.
        pass


class CategoryForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = CategoryChoiceField(
        label=_("Parent category"), queryset=ProductCategory.objects.all(), required=False
    )
    sort_order = forms.IntegerField(label=_("Sort order"), initial=0, required=False)

    def __init__(self, *args: Any, exclude: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].empty_label = _("(top level)")
        _tree_choices(self.fields["parent"], exclude)
