"""Pure rules: credit codes, name normalization, regions, vCard escaping."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from opensales.customers import regions
from opensales.customers.dedupe import normalize_name, phone_digits
from opensales.customers.validators import credit_code_check_char, is_valid_credit_code, validate_credit_code

VALID = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T"]


@pytest.mark.parametrize("code", VALID)
def test_valid_credit_codes(code):
    validate_credit_code(code)
    assert is_valid_credit_code(code.lower()) is True


@pytest.mark.parametrize(
    "code,message",
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100YI3", "capital letters"),
        ("", "18 characters"),
    ],
)
def test_invalid_credit_codes(code, message):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    with pytest.MonkeyPatch.context():
        from django.utils import translation

        with translation.override("en"):
            with pytest.raises(ValidationError) as exc:
                validate_credit_code(code)
            assert message in exc.value.messages[0]


def test_check_character_is_computed_from_the_weights():
    assert credit_code_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "name,key",
    [
        ("上海恒达贸易有限公司", "上海恒达贸易"),
        ("上海恒达贸易", "上海恒达贸易"),
        ("上海恒达贸易股份有限公司", "上海恒达贸易"),
        ("上海恒达贸易有限责任公司", "上海恒达贸易"),
        ("恒达集团", "恒达"),
        ("恒达（中国）投资有限公司", "恒达投资"),
        ("恒达(中国)投资有限公司", "恒达投资"),
        ("ＡＢＣ 科技 有限公司", "abc科技"),
        ("Acme Co., Ltd.", "acme"),
        ("  上海 恒达·贸易  ", "上海恒达贸易"),
    ],
)
def test_normalize_name(name, key):
    assert normalize_name(name) == key


def test_partial_names_while_typing():
    from opensales.customers.dedupe import normalize_partial

    assert normalize_partial("上海恒达贸易有限") == "上海恒达贸易"
    assert normalize_partial("上海恒达贸易股份有") == "上海恒达贸易"
    assert normalize_partial("上海恒达贸易") == "上海恒达贸易"


def test_a_bare_suffix_is_kept():
    assert normalize_name("有限公司") != ""


def test_phone_digits():
    assert phone_digits("+86 138-0013-8000") == "13800138000"
    assert phone_digits("021-6888 1234") == "2168881234"
    assert phone_digits("+86 21 6888 1234") == "2168881234"
    assert phone_digits("０２１－６８８８１２３４") == "2168881234"


def test_regions():
    assert regions.region_name("310115") == "上海市 浦东新区"
    assert regions.region_name("440305") == "广东省 深圳市 南山区"
    assert regions.region_name("310000") == "上海市"
    assert regions.region_name("999999") == ""
    assert regions.parts("310115") == ("310000", "310100", "310115")
    assert regions.find_region("上海市 浦东新区") == "310115"
    assert regions.find_region("上海市浦东新区") == "310115"
    assert regions.find_region("31") == "310000"
    assert regions.find_region("火星") == ""
    assert ("310115", "浦东新区") in regions.children("310100")
    assert len(regions.children("")) == 31
    regions.validate_region("310115")
    regions.validate_region("")
    with pytest.raises(ValidationError):
        regions.validate_region("310199")


def test_vcard_escaping():
    from opensales.customers.models import Contact, Customer
    from opensales.customers.vcard import escape, vcard

    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    contact = Contact(
        name="张伟",
        title="总经理, 兼 CTO",
        mobile="13800138000",
        email="zw@example.cn",
        notes="第一行\n第二行",
    )
    contact.customer = Customer(name="上海恒达贸易有限公司")
    assert "TEL;TYPE=CELL:138****8000\r\n" in vcard(contact)  # masked unless the caller may unmask
    card = vcard(contact, unmasked=True)
    assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:张伟\r\nN:张;伟;;;\r\n")
    assert "TITLE:总经理\\, 兼 CTO\r\n" in card
    assert "TEL;TYPE=CELL:13800138000\r\n" in card
    assert "NOTE:第一行\\n第二行\r\n" in card
    assert card.endswith("END:VCARD\r\n")
    assert all(len(line.encode()) <= 75 for line in card.split("\r\n"))
