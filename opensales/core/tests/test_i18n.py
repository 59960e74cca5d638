from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency
from django.conf import settings
from django.utils import translation

from opensales.core.templatetags.opensales import babel_locale, masked, money


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "¥1,234,567.50"), ("en", "CN¥1,234,567.50")],
)
def test_money_is_formatted_per_locale(language, expected):
    with translation.override(language):
        assert money(Decimal("1234567.5")) == expected


def test_money_handles_empty_and_negative():
    with translation.override("zh-hans"):
        assert money(None) == ""
        assert money("-12.3") == "-¥12.30"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("currency", ["CNY", "USD", "JPY"])
def test_money_fast_path_writes_what_babel_writes(language, currency):
    # format_money formats the digits itself once babel's affixes are known; babel stays the reference
    # (rounding half to even, negative zero, exponents, currencies with other decimals such as JPY).
    values = ["0", "-0", "0.005", "0.015", "-0.004", "12.5", "999.995", "-1234567.885", "1E+3", "5E-3"]
    with translation.override(language):
        locale = Locale.parse(babel_locale())
        for raw in values:
            assert money(raw, currency) == format_currency(Decimal(raw), currency, locale=locale), raw


def test_defaults_are_chinese_and_shanghai():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_masking_filters():
    assert masked("13812345678", "phone") == "138****5678"
    assert masked("zhang.wei@example.com", "email") == "z****@example.com"
    assert masked("", "phone") == ""


@pytest.mark.django_db
def test_browser_language_is_used_then_the_switch_wins(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "en"
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"
    client.post(
        "/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.headers["Content-Language"] == "en"
