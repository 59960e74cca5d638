"""The hot HTML of a list page, rendered in Python: the table rows and the filter form's widgets.

A page of 25 records with 7 columns was 175 template includes (`workspace/_cell.html`, then the
column's template): most of the list's template time. Here each column's renderer is picked once per
page and the rows are joined as strings; the HTML is the templates' (less the newline each include
left before </td>). A column
renders with its `render` (Python, fastest), else its `template` (rendered with `record` and
`value`), else the value as `cell` shows it.

Likewise the filter form's selects and inputs: a widget template costs ten times what its context
does; `FastWidgetRenderer` writes the same HTML as core's widget templates (tests compare them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.forms.renderers import TemplatesSetting
from django.template.loader import get_template
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from opensales.core.idurls import id_url
from opensales.core.templatetags.opensales import format_money, widget_attrs

from .registry import Column, ModelView
from .templatetags.workspace import cell

Renderer = Callable[[Any, Any], str]


def renderer_for(column: Column) -> Renderer:
    """(record, value) -> the cell's HTML (escaped)."""
    if column.render is not None:
        return column.render
    if column.template:
        template = get_template(column.template)
        return lambda record, value: template.render({"record": record, "value": value})
    return lambda record, value: conditional_escape(cell(value))


def money_cell(record: Any, value: Any) -> str:
    """A `render` for amounts: ¥1,234.56 (deals/cells/money.html in Python)."""
    return "—" if value is None else escape(format_money(value))


def cell_html(column: Column, record: Any, value: Any) -> SafeString:
    return mark_safe(renderer_for(column)(record, value))  # noqa: S308 (renderers escape)


def render_rows(
    model_view: type[ModelView], columns: Sequence[Column], records: Sequence[Any], *, bulk: bool
) -> SafeString:
    """The <tr> of each record, laid out as workspace/list.html's loop wrote them."""
    if not records:
        return mark_safe("")
    record_url = _record_url(model_view)
    # Per column once: its <td> opening tag and its renderer.
    plan = [
        (
            f'\n          <td class="{escape(c.css)}" data-label="{escape(c.label)}">',
            renderer_for(c),
            c.reader,
        )
        for c in columns
    ]
    select = escape(_("Select"))
    parts = []
    for record in records:
        pk = record.pk
        parts.append(f'\n        <tr data-row-id="{pk}" data-testid="row">\n          ')
        if bulk:
            parts.append(
                '<td><input class="form-check-input m-0 align-middle" type="checkbox" name="ids" '
                f'value="{pk}" form="bulk-form" aria-label="{select} {conditional_escape(record)}"></td>'
            )
        parts.append("\n          ")
        for index, (opening, render, read) in enumerate(plan):
            content = render(record, read(record))
            if index == 0:
                url = escape(record_url(record))
                content = f'<a href="{url}" class="fw-medium" data-testid="open">{content}</a>'
            parts.append(f"{opening}{content}</td>\n          ")
        parts.append("\n        </tr>\n      ")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def _record_url(model_view: type[ModelView]) -> Callable[[Any], str]:
    """`model_view.record_url`, the detail route reversed once per page (`id_url`) rather than once per
    row. A model view that redefines its URLs keeps its own methods."""
    if (
        model_view.record_url.__func__ is not ModelView.record_url.__func__
        or model_view.detail_url.__func__ is not ModelView.detail_url.__func__
    ):
        return model_view.record_url
    url = id_url(model_view.route("detail" if model_view.has_detail else "edit"))
    return lambda record: url(record.pk)


# --- the filter form's widgets ----------------------------------------------------------------------

_OPTION = "django/forms/widgets/select_option.html"
# Django's input widgets whose template is only an include of input.html (core's slim version).
_INPUTS = {
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "search", "number", "email", "url", "tel", "date", "datetime", "time")
}


def _text(value: Any) -> str:
    """`{{ value }}` in a template: localized, escaped."""
    return conditional_escape(value if isinstance(value, str) else localize(value))


def _stringformat(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: the widget templates' values."""
    return conditional_escape("%s" % (value,))  # noqa: UP031 (the filter's own formatting)


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_stringformat(value)}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}{widget_attrs(widget["attrs"])}>'


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{_text(widget["name"])}"{widget_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION:
                return None  # a custom option template: the template renders the whole select
            value = _stringformat(option["value"])
            parts.append(
                f'\n  <option value="{value}"{widget_attrs(option["attrs"])}>{_text(option["label"])}</option>'
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FastWidgetRenderer(TemplatesSetting):
    """The project's form renderer, with selects and inputs written in Python (same HTML)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        html = None
        if template_name in _INPUTS:
            html = _input(context["widget"])
        elif template_name == "django/forms/widgets/select.html":
            html = _select(context["widget"])
        return html if html is not None else super().render(template_name, context, request)


fast_widgets = FastWidgetRenderer()
