"""FilterSets for workspace lists: one per model serves the list page, the export and the API.

`WorkspaceFilterSet` adds what every list has: a text box (`q`, matched through the global search
index when the model is searchable, so "zw" and "张伟" work in lists too, else `icontains` over
`search_fields`) and, for models with tags, a tag filter. Choices that name other records (owners,
departments, tags) only ever offer what the user may see.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any, ClassVar

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opensales.core.forms import StyledFormMixin


class FilterForm(StyledFormMixin, forms.Form):
    pass


class DateRangeFilter(django_filters.DateFromToRangeFilter):
    """A from/to date pair (`<name>_after`, `<name>_before`) rendered as two date inputs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", django_filters.widgets.DateRangeWidget(attrs={"type": "date", "class": "form-control"})
        )
        super().__init__(*args, **kwargs)


class WorkspaceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")
    tags = django_filters.ModelMultipleChoiceFilter(
        label=_("Tags"), queryset=None, method="filter_tags", conjoined=False
    )

    # Fields `q` looks in when the model is not in the global search.
    search_fields: ClassVar[tuple[str, ...]] = ()

    class Meta:
        form = FilterForm
        fields: ClassVar[list[str]] = []

    def __init__(self, data=None, queryset=None, *, user: Any = None, view: Any = None, **kwargs: Any) -> None:
        self.user = user
        self.view = view
        super().__init__(data, queryset=queryset, **kwargs)
        if view is not None and view.tags:
            from .models import Tag

            self.filters["tags"].queryset = Tag.objects.all()
        else:
            self.filters.pop("tags", None)
        self.limit_choices()

    @classmethod
    def for_model(cls, model: type) -> type[WorkspaceFilterSet]:
        meta = type("Meta", (), {"model": model, "fields": [], "form": FilterForm})
        return type(f"{model.__name__}FilterSet", (cls,), {"Meta": meta})

    def limit_choices(self) -> None:
        """Narrow the choices of record pickers to what `self.user` may see (override)."""

    @property
    def form(self):
        form = super().form
        if "tags" in form.fields:
            form.fields["tags"].widget.attrs.setdefault("data-picker", "tags")
        return form

    def filter_text(self, queryset, name: str, value: str):
        value = (value or "").strip()
        if not value:
            return queryset
        from opensales.search.selectors import matching_ids

        ids = matching_ids(self.user, queryset.model, value)
        if ids is not None:
            return queryset.filter(pk__in=ids)
        if not self.search_fields:
            return queryset
        return queryset.filter(reduce(or_, (Q(**{f"{f}__icontains": value}) for f in self.search_fields)))

    def filter_tags(self, queryset, name: str, value):
        if not value:
            return queryset
        from .tags import tagged_ids

        return queryset.filter(pk__in=tagged_ids(queryset.model, value))

    def active_count(self) -> int:
        """How many filters have a value (shown on the phone's filter button)."""
        if not self.is_bound:
            return 0
        return sum(1 for name in self.filters if self.form.data.get(name) or self.form.data.get(f"{name}_after"))
