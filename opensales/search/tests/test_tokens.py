"""The search tokens of a record and the terms of a query: exact sets, no database."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pypinyin import lazy_pinyin

from opensales.search.tokens import (
    Alternative,
    Term,
    parse_query,
    person_name_tokens,
    phone_digits,
    phone_tokens,
    text_tokens,
)

INDEX_KEY = "test-index-key-0123456789"


def expected_phone_token(digits: str) -> str:
    """The phone token computed independently of the code under test."""
    key = hmac.new(INDEX_KEY.encode(), b"opensales.search.phone-suffix", hashlib.sha256).digest()
    return "p" + hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()[:16]


@pytest.fixture
def index_key(settings):
    settings.OPENSALES_INDEX_KEY = INDEX_KEY


# --- Chinese text ----------------------------------------------------------------------------------


def test_bigrams_pinyin_suffixes_and_initials_of_text():
    assert text_tokens("上海团队") == {
        "上海",
        "海团",
        "团队",
        "shanghaituandui",
        "haituandui",
        "tuandui",
        "shtd",
    }


def test_a_title_also_has_its_first_character():
    assert text_tokens("上海团队", name=True) == text_tokens("上海团队") | {"上"}


def test_mixed_text_keeps_words_and_each_chinese_run():
    assert text_tokens("IT 管理员") == {"it", "管理", "理员", "guanliyuan", "liyuan", "gly"}


def test_a_single_character_run_is_its_own_token():
    assert text_tokens("A座") == {"a", "座", "zuo"}


# --- People's names --------------------------------------------------------------------------------


def test_person_name_tokens_of_zhang_wei():
    assert person_name_tokens("张伟") == {"张伟", "张", "zhangwei", "zw", "zhang", "wei"}


def test_a_three_character_name_has_the_given_name_pinyin():
    assert person_name_tokens("王海涛") == {
        "王海",
        "海涛",
        "王",
        "wanghaitao",
        "wht",
        "wang",
        "hai",
        "tao",
        "haitao",
    }


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("单雄信", "shanxiongxin", "sxx"),
        ("曾国藩", "zengguofan", "zgf"),
        ("解缙", "xiejin", "xj"),
        ("朴槿惠", "piaojinhui", "pjh"),
        ("区志明", "ouzhiming", "ozm"),
        ("仇英", "qiuying", "qy"),
        ("查良镛", "zhaliangyong", "zly"),
        ("翟天临", "zhaitianlin", "ztl"),
        ("盖聂", "genie", "gn"),
        ("乐嘉", "yuejia", "yj"),
        ("覃宇", "qinyu", "qy"),
        ("缪斯", "miaosi", "ms"),
        ("召忽", "shaohu", "sh"),
        ("种师道", "chongshidao", "csd"),
        ("员半千", "yunbanqian", "ybq"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("万俟卨", "moqixie", "mqx"),
    ],
)
def test_surnames_are_read_as_surnames(name, full, initials):
    tokens = person_name_tokens(name)
    assert {full, initials} <= tokens
    # The everyday reading (单 dan, 曾 ceng, 解 jie…) is not indexed for a person's name (pypinyin
    # itself knows 尉迟 and 万俟 as words).
    everyday = "".join(lazy_pinyin(name))
    assert everyday not in tokens or everyday == full


def test_the_six_surnames_exactly():
    assert person_name_tokens("单田芳") == {
        "单田",
        "田芳",
        "单",
        "shantianfang",
        "stf",
        "shan",
        "tian",
        "fang",
        "tianfang",
    }
    assert person_name_tokens("曾伟") == {"曾伟", "曾", "zengwei", "zw", "zeng", "wei"}
    assert person_name_tokens("解放") == {"解放", "解", "xiefang", "xf", "xie", "fang"}
    assert person_name_tokens("朴敏") == {"朴敏", "朴", "piaomin", "pm", "piao", "min"}
    assert person_name_tokens("区华") == {"区华", "区", "ouhua", "oh", "ou", "hua"}
    assert person_name_tokens("仇军") == {"仇军", "仇", "qiujun", "qj", "qiu", "jun"}


def test_the_surname_reading_is_for_the_first_character_only():
    # 单 at the start of a name is shan; in ordinary text (简单) it keeps its everyday reading.
    assert "shan" in person_name_tokens("单单")
    assert text_tokens("简单") == {"简单", "jiandan", "jd"}


def test_a_compound_surname_needs_a_given_name():
    # 单于 alone is surname 单 + given name 于 (shan yu), not the compound 单于 (chan yu).
    assert person_name_tokens("单于") == {"单于", "单", "shanyu", "sy", "shan", "yu"}
    assert "chanyuhong" in person_name_tokens("单于洪")


def test_u_umlaut_is_indexed_as_v_and_u():
    assert person_name_tokens("吕布") == {"吕布", "吕", "lvbu", "lubu", "lb", "lv", "lu", "bu"}


def test_spaces_inside_a_chinese_name_are_ignored():
    assert person_name_tokens("张 伟") == person_name_tokens("张伟")


# --- Latin words -----------------------------------------------------------------------------------


def test_latin_words_are_lower_cased_without_accents_and_full_width_folded():
    assert text_tokens("José Müller-Lüdenscheidt rep_sh1 ＡＢＣ１２３") == {
        "jose",
        "muller",
        "ludenscheidt",
        "mullerludenscheidt",
        "rep",
        "sh1",
        "repsh1",
        "abc123",
    }


def test_latin_names_are_words():
    assert person_name_tokens("Zhang Wei") == {"zhang", "wei"}


# --- Phone numbers ---------------------------------------------------------------------------------


def test_phone_suffixes_are_keyed_hashes(index_key):
    tokens = phone_tokens("138-0013-8000")
    assert tokens == {expected_phone_token("13800138000"[-n:]) for n in range(4, 12)}
    assert len(tokens) == 8


def test_no_clear_digits_in_phone_tokens(index_key):
    tokens = phone_tokens("13800138000")
    assert all(t.startswith("p") and len(t) == 17 and int(t[1:], 16) >= 0 for t in tokens)
    joined = " ".join(tokens)
    for n in range(4, 12):
        assert "13800138000"[-n:] not in tokens
    assert "138001" not in joined and "0138000" not in joined


def test_the_phone_key_is_not_the_blind_index(index_key, settings):
    from opensales.core.crypto import blind_index

    assert blind_index("13800138000")[:16] != expected_phone_token("13800138000")[1:]


def test_another_index_key_gives_other_tokens(index_key, settings):
    before = phone_tokens("13800138000")
    settings.OPENSALES_INDEX_KEY = "another-key"
    assert phone_tokens("13800138000").isdisjoint(before)


def test_phone_digits_drop_the_country_code():
    assert phone_digits("+86 138 0013 8000") == "13800138000"
    assert phone_digits("0086-13800138000") == "13800138000"
    assert phone_digits("021-6234 5678") == "02162345678"
    assert phone_tokens("123") == set()


# --- Queries ---------------------------------------------------------------------------------------


def exact(token: str) -> Term:
    return Term((Alternative(token),))


def prefix(token: str) -> Term:
    return Term((Alternative(token, prefix=True),))


def test_query_of_two_characters_is_one_exact_bigram():
    assert parse_query("张伟") == [exact("张伟")]


def test_query_of_one_character_is_the_first_character_of_a_name():
    assert parse_query("张") == [exact("张")]


def test_query_of_four_characters_needs_every_pair():
    assert parse_query("上海团队") == [exact("上海"), exact("海团"), exact("团队")]


def test_query_words_match_by_prefix():
    assert parse_query("Zhang W") == [prefix("zhang"), prefix("w")]
    assert parse_query("上海 zw") == [exact("上海"), prefix("zw")]


def test_query_digits_are_a_phone_suffix_or_a_number(index_key):
    assert parse_query("138 0013 8000") == [
        Term(
            (
                Alternative(expected_phone_token("13800138000"), phone=True),
                Alternative("13800138000", prefix=True),
            ),
            phone_digits=11,
        )
    ]
    assert parse_query("+86 138-0013-8000") == parse_query("13800138000")
    assert parse_query("8000") == [
        Term(
            (Alternative(expected_phone_token("8000"), phone=True), Alternative("8000", prefix=True)),
            phone_digits=4,
        )
    ]
    assert parse_query("800") == [prefix("800")]


def test_empty_and_punctuation_queries_have_no_terms():
    assert parse_query("") == []
    assert parse_query("  ") == []
    assert parse_query("“”*():") == []


def test_query_syntax_cannot_be_injected():
    assert parse_query('zw" OR "a') == [prefix("zw"), prefix("or"), prefix("a")]
    assert parse_query("a & b | !c:*") == [prefix("a"), prefix("b"), prefix("c")]


def test_words_written_together_are_one_prefix():
    assert parse_query("rep_sh") == [prefix("repsh")]
    assert parse_query("Müller-Lü") == [prefix("mullerlu")]
