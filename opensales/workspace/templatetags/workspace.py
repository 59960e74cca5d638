"""Template helpers of the workspace pages: routes of a model view, cells, and query strings."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import template
from django.db.models import Model
from django.http import QueryDict
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def route(model_view: Any, page: str) -> str:
    """{% url model_view|route:'edit' pk %} → the model's named route, e.g. org:employee_edit."""
    return model_view.route(page)


@register.filter
def record_url(model_view: Any, record: Model) -> str:
    return model_view.record_url(record)


@register.filter
def cell(value: Any) -> str:
    """A value as list and detail pages show it: "—" for nothing, local dates, yes/no."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return date_filter(
            timezone.localtime(value) if timezone.is_aware(value) else value, "SHORT_DATETIME_FORMAT"
        )
    if isinstance(value, datetime.date):
        return date_filter(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal | float):
        return number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value) or "—"
    if hasattr(value, "all") and callable(value.all):
        return ", ".join(str(v) for v in value.all()) or "—"
    return str(value)


def _pairs(query: str) -> list[tuple[str, str]]:
    return [(name, value) for name, values in QueryDict(query).lists() for value in values]


@register.filter
def keep_params(query: str, names: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of `query` whose name is in the comma-separated `names`."""
    wanted = set(names.split(","))
    return [(n, v) for n, v in _pairs(query) if n in wanted]


@register.filter
def drop_params(query: str, names: str) -> list[tuple[str, str]]:
    unwanted = set(names.split(","))
    return [(n, v) for n, v in _pairs(query) if n not in unwanted]


@register.simple_tag
def set_param(query: str, name: str, value: Any) -> str:
    """`query` with `name` set to `value` (and back on the first page)."""
    params = QueryDict(query, mutable=True)
    for paging in ("page", "after", "before"):
        params.pop(paging, None)
    params[name] = str(value)
    return params.urlencode()


@register.simple_tag
def cell_html(column: Any, record: Any, value: Any) -> str:
    """A column's cell as the list shows it (its `render`, its `template` or `cell`)."""
    from ..cells import cell_html

    return cell_html(column, record, value)
