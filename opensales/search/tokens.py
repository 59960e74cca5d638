"""The `search_tokens` of a record and the terms of a query (docs/search.md).

A record's searchable text becomes a set of short tokens, stored space-separated in
`SearchEntry.tokens` and indexed word by word (SQLite FTS5 unicode61, PostgreSQL tsvector 'simple'):

- Chinese: every two consecutive Han characters (上海团队 → 上海 海团 团队), because neither FTS5's
  trigram tokenizer nor pg_trgm can find a two-character name; the first character of a name on its
  own (张), for one-character (surname) queries; the full pinyin of each run of Han characters from each
  position on (shanghaituandui haituandui tuandui) and its initials (shtd).
- People's names: the surname read as a surname (单 shan, 曾 zeng, 尉迟 yuchi…), then full pinyin
  (zhangwei), initials (zw), each syllable (zhang wei) and the given name (wei).
- Other words: lower-cased, accents removed (José → jose), matched by prefix at query time.
- Phone numbers: never in clear. Each suffix of 4 or more digits becomes "p" + 16 hex digits of an
  HMAC under a key derived from OPENSALES_INDEX_KEY; a query's digits are hashed the same way.

Tokens are letters and digits only (lower case, no accents, no punctuation), so both full-text engines
split the string into exactly these tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from django.conf import settings
from pypinyin import lazy_pinyin

from opensales.core.crypto import hmac_sha256

from .surnames import split_surname

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RUN = re.compile(f"[{HAN}]+")
_NAME_GAP = re.compile(f"(?<=[{HAN}])\\s+(?=[{HAN}])")
_WORD = re.compile(r"[^\W_]+")
_SYLLABLE = re.compile(r"[a-z]+")
_PHONE_QUERY = re.compile(r"[\d\s\-+().]+")

MIN_PHONE_DIGITS = 4
MAX_PHONE_DIGITS = 16
MAX_QUERY_LENGTH = 100
MAX_TERMS = 12


# --- Text ----------------------------------------------------------------------------------------


def normalise(text: str | None) -> str:
    """Full-width forms to ASCII (ＡＢ１ → AB1), lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def han_runs(text: str) -> list[str]:
    return _HAN_RUN.findall(text)


def _word_groups(text: str) -> list[list[str]]:
    """The non-Chinese words, lower case, accents removed, in groups written together: "rep_sh1" and
    "Müller-Lüdenscheidt" are one group of two words each."""
    if text.isascii():  # no Han characters and nothing to decompose: the common case, kept cheap
        rest = text
    else:
        rest = _HAN_RUN.sub(" ", text)
        rest = "".join(c for c in unicodedata.normalize("NFKD", rest) if not unicodedata.combining(c))
    groups = (_WORD.findall(chunk) for chunk in rest.lower().split())
    return [g for g in groups if g]


def words(text: str) -> list[str]:
    """Each word, and each group of words written together as one (rep_sh1 → rep, sh1, repsh1)."""
    out = []
    for group in _word_groups(text):
        out.extend(group)
        if len(group) > 1:
            out.append("".join(group))
    return out


def bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def syllables(run: str) -> list[str]:
    """One pinyin syllable per Han character ("" for a character pypinyin does not know)."""
    return list(_syllables(run))


@lru_cache(maxsize=65536)
def _syllables(run: str) -> tuple[str, ...]:
    # pypinyin reads a run as phrases (重庆 chong qing), so the cache is per run, not per character.
    out = lazy_pinyin(run, errors=lambda chars: [""] * len(chars))
    return tuple(s if _SYLLABLE.fullmatch(s) else "" for s in out)


def _with_u(tokens: Iterable[str]) -> set[str]:
    """pypinyin writes ü as v (吕 lv); people also type u (lu)."""
    out = set()
    for token in tokens:
        if token:
            out.add(token)
            if "v" in token:
                out.add(token.replace("v", "u"))
    return out


def _initials(sylls: list[str]) -> str:
    return "".join(s[0] for s in sylls if s)


def _characters(run: str, *, first: bool) -> set[str]:
    """Every pair of characters; the first character alone when asked (names) or when the run has one."""
    tokens = set(bigrams(run))
    if first or len(run) == 1:
        tokens.add(run[0])
    return tokens


def text_tokens(text: str | None, *, name: bool = False) -> set[str]:
    """Tokens of ordinary text. `name`: the text names the record (its title), so its first Han
    character is also a token of its own, for one-character queries."""
    if not text:
        return set()
    text = normalise(text)
    tokens: set[str] = set()
    for index, run in enumerate(han_runs(text)):
        tokens |= _run_tokens(run, name and index == 0)
    tokens.update(words(text))
    tokens.discard("")
    return tokens


@lru_cache(maxsize=65536)
def _run_tokens(run: str, first: bool) -> frozenset[str]:
    """The tokens of one run of Han characters in ordinary text. Memoized: the same runs come back
    again and again in a bulk import (有限公司, 科技, 联系人…), and building them (pinyin) is the costly part."""
    tokens = _characters(run, first=first)
    sylls = syllables(run)
    # Full pinyin from each position on (shanghaituandui, haituandui, tuandui), so a word inside
    # a longer name is found by prefix; initials of the whole run (shtd).
    last = max(len(sylls) - 1, 1)
    tokens |= _with_u("".join(sylls[i:]) for i in range(last))
    if len(run) > 1:
        tokens.add(_initials(sylls))
    return frozenset(tokens)


def person_name_tokens(text: str | None) -> set[str]:
    """Tokens of a person's name, the surname read as a surname (曾 zeng, never ceng): the characters
    (pairs, and the first alone), full pinyin, initials, each syllable and the given name's pinyin."""
    if not text:
        return set()
    text = _NAME_GAP.sub("", normalise(text))
    tokens: set[str] = set()
    for run in han_runs(text):
        tokens |= _name_run_tokens(run)
    tokens.update(words(text))
    tokens.discard("")
    return tokens


@lru_cache(maxsize=65536)
def _name_run_tokens(run: str) -> frozenset[str]:
    """The tokens of one run of Han characters in a person's name (memoized, as `_run_tokens`)."""
    tokens = _characters(run, first=True)
    surname, surname_sylls = split_surname(run)
    given = run[len(surname) :]
    sylls = (surname_sylls or syllables(surname)) + (syllables(given) if given else [])
    tokens |= _with_u(["".join(sylls), *sylls])
    if given:
        tokens |= _with_u(["".join(sylls[len(surname) :])])
    tokens.add(_initials(sylls))
    return frozenset(tokens)


# --- Phone numbers ---------------------------------------------------------------------------------


def phone_digits(value: str | None) -> str:
    """The digits of a phone number; +86 / 0086 in front of a mainland mobile number is dropped."""
    digits = re.sub(r"\D", "", normalise(value))
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


@cache
def _phone_hash(index_key: str) -> Callable[[bytes], bytes]:
    # A key of its own (derived), so search tokens cannot be compared with the blind index.
    key = hmac_sha256(index_key.encode())(b"opensales.search.phone-suffix")
    return hmac_sha256(key)


def phone_token(digits: str) -> str:
    return "p" + _phone_hash(settings.OPENSALES_INDEX_KEY)(digits.encode())[:8].hex()


def phone_tokens(value: str | None) -> set[str]:
    """One keyed hash per suffix of 4 to 16 digits: 13800138000 → hash(8000), hash(38000), …"""
    if not value:
        return set()
    digits = phone_digits(value)[-MAX_PHONE_DIGITS:]
    if len(digits) < MIN_PHONE_DIGITS:
        return set()
    digest = _phone_hash(settings.OPENSALES_INDEX_KEY)
    return {
        "p" + digest(digits[-n:].encode())[:8].hex()  # = .hex()[:16], hexing less
        for n in range(MIN_PHONE_DIGITS, len(digits) + 1)
    }


# --- Queries ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternative:
    token: str
    prefix: bool = False
    phone: bool = False  # a hashed phone suffix


@dataclass(frozen=True)
class Term:
    """One thing the query asks for: any of its alternatives must match. `phone_digits` is the number
    of digits of a phone-number alternative (0 when there is none)."""

    alternatives: tuple[Alternative, ...]
    phone_digits: int = 0

    def without_phone(self) -> Term | None:
        kept = tuple(a for a in self.alternatives if not a.phone)
        return Term(kept) if kept else None


def _digits_term(digits: str) -> Term:
    digits = phone_digits(digits)
    clear = Alternative(digits, prefix=True)
    if len(digits) < MIN_PHONE_DIGITS:
        return Term((clear,))
    hashed = Alternative(phone_token(digits[-MAX_PHONE_DIGITS:]), phone=True)
    return Term((hashed, clear), phone_digits=min(len(digits), MAX_PHONE_DIGITS))


def parse_query(query: str | None) -> list[Term]:
    """The terms a record must all match. Chinese: every pair of characters exactly (one character: the
    first character of a name); words and pinyin: by prefix; four digits or more: a phone suffix, or a
    number by prefix."""
    text = normalise(query).strip()[:MAX_QUERY_LENGTH]
    if not text:
        return []
    if _PHONE_QUERY.fullmatch(text) and len(re.sub(r"\D", "", text)) >= MIN_PHONE_DIGITS:
        return [_digits_term(text)]
    terms: list[Term] = []
    for run in han_runs(text):
        pairs = bigrams(run) or [run]
        terms.extend(Term((Alternative(pair),)) for pair in pairs)
    for group in _word_groups(text):
        # Words written together are searched together: rep_sh → the prefix "repsh".
        word = "".join(group)
        terms.append(_digits_term(word) if word.isdigit() else Term((Alternative(word, prefix=True),)))
    unique = list(dict.fromkeys(terms))
    return unique[:MAX_TERMS]
