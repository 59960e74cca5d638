"""Template filters used across OpenSales: money per locale, masking."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, to_locale

from opensales.core.masking import mask_value

register = template.Library()


def babel_locale() -> str:
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    return {"zh_Hans": "zh_Hans_CN", "en": "en_US"}.get(locale, locale)


@functools.cache
def _parsed_locale(name: str) -> Locale:
    return Locale.parse(name)  # parsed once: a third of format_currency's time per amount


def format_money(value, currency: str | None = None) -> str:
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_currency(
        amount, currency or settings.OPENSALES_CURRENCY, locale=_parsed_locale(babel_locale())
    )


@register.filter
def money(value, currency=None):
    """¥1,234.56 in Chinese, CN¥1,234.56 in English."""
    return format_money(value, currency)


@register.filter
def widget_attrs(attrs: dict) -> str:
    """Django's django/forms/widgets/attrs.html as a filter (same output): ` name="value"`, a bare
    ` name` for True, nothing for False."""
    return mark_safe(  # noqa: S308 (every name and value is escaped by format_html)
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


@register.filter
def masked(value, kind="generic"):
    return mask_value(kind, value)
