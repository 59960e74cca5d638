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


_PROBE = Decimal("1234567.89")


@functools.cache
def _money_affixes(locale_name: str, currency: str) -> tuple[str, str, str, str] | None:
    """(prefix, suffix, negative prefix, negative suffix) when babel writes this locale's amounts in
    this currency as <prefix>1,234,567.89<suffix> (two decimals, "," groups of three): then Python's
    own formatting writes the digits, with the same rounding (half to even). A board formats some 200
    amounts; babel's format_currency costs ~27 µs each. None: the locale needs babel every time."""
    locale = _parsed_locale(locale_name)
    affixes: list[str] = []
    for probe in (_PROBE, -_PROBE):
        before, found, after = format_currency(probe, currency, locale=locale).partition(f"{_PROBE:,.2f}")
        if not found:
            return None
        affixes += [before, after]
    return affixes[0], affixes[1], affixes[2], affixes[3]


def format_money(value, currency: str | None = None) -> str:
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    currency = currency or settings.OPENSALES_CURRENCY
    locale_name = babel_locale()
    affixes = _money_affixes(locale_name, currency) if amount.is_finite() else None
    if affixes is None:
        return format_currency(amount, currency, locale=_parsed_locale(locale_name))
    prefix, suffix, negative_prefix, negative_suffix = affixes
    if amount.is_signed():
        return f"{negative_prefix}{-amount:,.2f}{negative_suffix}"
    return f"{prefix}{amount:,.2f}{suffix}"


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
