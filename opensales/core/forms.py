"""Form helpers shared by every app."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


class StyledFormMixin:
    """Gives every widget Tabler's classes, so templates render fields with one include."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


# --- Record pickers fed by the server -----------------------------------------------------------------
#
# A <select> over a queryset renders one <option> per row: 500 people for a director's owner filter,
# 100,000 customers for a "parent company" field. Tom Select loads the options from a scoped JSON
# endpoint as the user types (workspace.js), so the page needs only the chosen values: these widgets ask
# the database for those rows alone, and the field's own validation still checks any posted value against
# the full queryset.


class _ChosenOnly:
    def optgroups(self, name, value, attrs=None):
        choices = self.choices
        field = getattr(choices, "field", None)
        if field is None:  # plain choices: nothing to save
            return super().optgroups(name, value, attrs)
        wanted = [v for v in value if v not in (None, "")]
        options = []
        if not self.allow_multiple_selected and field.empty_label is not None:
            options.append(self.create_option(name, "", field.empty_label, not wanted, 0, attrs=attrs))
        if wanted:
            key = field.to_field_name or "pk"
            try:
                rows = list(field.queryset.filter(**{f"{key}__in": wanted}))
            except (ValueError, TypeError, ValidationError):
                rows = []  # a value that is not even a key: shown as nothing chosen
            for row in rows:
                option_value, label = choices.choice(row)
                options.append(self.create_option(name, option_value, label, True, len(options), attrs=attrs))
        return [(None, [option], option["index"]) for option in options]


class RemoteSelect(_ChosenOnly, forms.Select):
    pass


class RemoteSelectMultiple(_ChosenOnly, forms.SelectMultiple):
    pass


def remote_picker(field: forms.Field, url: str, picker: str = "1") -> forms.Field:
    """Make `field` (a model choice field) a Tom Select picker over `url` that renders only the chosen
    options. Keeps the widget's attributes (classes, placeholders)."""
    widget_class = RemoteSelectMultiple if isinstance(field, forms.ModelMultipleChoiceField) else RemoteSelect
    if not isinstance(field.widget, widget_class):
        widget = widget_class(attrs=dict(field.widget.attrs))
        widget.is_required = field.widget.is_required
        field.widget = widget
        field.widget.choices = field.choices
    field.widget.attrs.update({"data-picker": picker, "data-url": url})
    return field
