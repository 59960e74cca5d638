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


class ChoicesInOneQuery(django_filters.fields.ModelChoiceIterator):
    """A filter's choices (tags, people, departments: tens to hundreds of rows) read by one plain query,
    in django-filters' order (empty, null, the records). Django reads them with `.iterator()`, which on
    PostgreSQL is a server-side cursor held over the transaction (DECLARE … WITH HOLD, FETCH, CLOSE):
    three round trips for each select on every list page."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset:
            yield self.choice(obj)


RANGE_TEMPLATE = "workspace/widgets/range.html"


def style_range(widget: django_filters.widgets.RangeWidget) -> None:
    """Any range filter's two inputs: side by side (min – max) from the small breakpoint up, stacked
    full width below it (375 px phones), each labelled for screen readers."""
    widget.template_name = RANGE_TEMPLATE
    is_date = isinstance(widget, django_filters.widgets.DateRangeWidget)
    labels = (_("From"), _("To")) if is_date else (_("Min"), _("Max"))
    for sub, label in zip(widget.widgets, labels, strict=False):
        css = sub.attrs.get("class", "")
        if "form-control" not in css.split():
            sub.attrs["class"] = f"{css} form-control".strip()
        sub.attrs["aria-label"] = label
        if not is_date:
            sub.attrs.setdefault("type", "number")
            sub.attrs.setdefault("inputmode", "decimal")
            sub.attrs.setdefault("step", "any")
            sub.attrs["placeholder"] = label


class DateRangeWidget(django_filters.widgets.DateRangeWidget):
    """Two date inputs side by side (from – to), stacked on phones."""

    template_name = RANGE_TEMPLATE

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"type": "date", "class": "form-control", **(attrs or {})})


class DateRangeFilter(django_filters.DateFromToRangeFilter):
    """A from/to date pair (`<name>_after`, `<name>_before`) rendered as two date inputs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DateRangeWidget())
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

    def __init__(
        self, data=None, queryset=None, *, user: Any = None, view: Any = None, **kwargs: Any
    ) -> None:
        self.user = user
        self.view = view
        super().__init__(data, queryset=queryset, **kwargs)
        if view is not None and view.tags:
            from .models import Tag

            self.filters["tags"].queryset = Tag.objects.all()
        else:
            self.filters.pop("tags", None)
        self.limit_choices()

    def get_form_class(self):
        # Every list's filter form gets Tabler's widget classes, whatever Meta the subclass declares.
        form_class = super().get_form_class()
        if issubclass(form_class, StyledFormMixin):
            return form_class
        return type(form_class.__name__, (StyledFormMixin, form_class), {})

    @classmethod
    def for_model(cls, model: type) -> type[WorkspaceFilterSet]:
        meta = type("Meta", (), {"model": model, "fields": [], "form": FilterForm})
        return type(f"{model.__name__}FilterSet", (cls,), {"Meta": meta})

    def limit_choices(self) -> None:
        """Narrow the choices of record pickers to what `self.user` may see (override)."""

    @property
    def form(self):
        form = super().form
        if getattr(form, "_workspace_ready", False):
            return form
        form._workspace_ready = True
        if "tags" in form.fields:
            form.fields["tags"].widget.attrs.setdefault("data-picker", "tags")
        if "q" in form.fields:
            form.fields["q"].widget.attrs.setdefault("type", "search")
        for field in form.fields.values():
            if isinstance(field, forms.ModelChoiceField):  # ModelMultipleChoiceField too
                field.iterator = ChoicesInOneQuery
                field.widget.choices = ChoicesInOneQuery(field)  # the widget took its own with the queryset
            # "All" rather than "---------" or "Unknown" for a filter left open.
            if isinstance(field.widget, django_filters.widgets.RangeWidget):
                style_range(field.widget)
            elif isinstance(field.widget, forms.NullBooleanSelect):
                field.widget.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]
            elif isinstance(field, forms.ModelChoiceField) and not isinstance(
                field, forms.ModelMultipleChoiceField
            ):
                field.empty_label = field.empty_label if field.empty_label != "---------" else _("All")
            elif isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.MultipleChoiceField | forms.ModelChoiceField
            ):  # (a model field's choices are a query: never read them just to relabel)
                choices = list(field.choices)
                if choices and choices[0][0] == "" and choices[0][1] == "---------":
                    field.choices = [("", _("All")), *choices[1:]]
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
        return sum(
            1 for name in self.filters if self.form.data.get(name) or self.form.data.get(f"{name}_after")
        )
