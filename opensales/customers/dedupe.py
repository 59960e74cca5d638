"""Duplicate detection for customers: a normalized name, the credit code, phone digits and e-mail.

`find_duplicates` is unscoped on purpose: callers decide what to reveal (a duplicate owned by someone
the user may not see is shown by name and owner only).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db.models import Q

# Longest first: "股份有限公司" before "有限公司".
COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "集团",
    "公司",
    "(中国)",
    "（中国）",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd",
    "co., ltd.",
    "limited",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "corporation",
    "corp.",
    "group",
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def _fold(value: str) -> str:
    # NFKC folds full-width letters, digits and brackets to half-width.
    return unicodedata.normalize("NFKC", value or "").casefold()


_FOLDED_SUFFIXES = tuple(sorted({_PUNCT.sub("", _fold(s)) for s in COMPANY_SUFFIXES}, key=len, reverse=True))


def normalize_name(name: str) -> str:
    """The name without company suffixes, "(中国)", spaces and punctuation, half-width and case-folded:
    "上海恒达贸易有限公司" and "上海恒达贸易" give the same key."""
    key = _fold(name)
    key = key.replace("(中国)", "").replace("(china)", "")
    key = _PUNCT.sub("", key)
    changed = True
    while changed and key:
        changed = False
        for suffix in _FOLDED_SUFFIXES:
            if suffix and key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                changed = True
                break
    return key


def phone_digits(phone: str) -> str:
    """The digits of a phone number without a leading +86/0086 country code (max 20)."""
    digits = re.sub(r"\D", "", _fold(phone))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 8:
            digits = digits[len(prefix) :]
            break
    # The trunk prefix of a landline (021-…) is dropped too, so "+86 21 …" and "021 …" agree.
    return digits.lstrip("0")[:20]


def normalize_partial(name: str) -> str:
    """`normalize_name` of a name still being typed: a half-typed suffix ("…有限", "…股份有") is dropped."""
    key = normalize_name(name)
    best = 0
    for suffix in _FOLDED_SUFFIXES:
        for cut in range(len(suffix) - 1, best, -1):
            if key.endswith(suffix[:cut]) and len(key) > cut:
                best = cut
                break
    return key[:-best] if best else key


def find_duplicates(
    *,
    name: str = "",
    credit_code: str = "",
    phone: str = "",
    email: str = "",
    exclude_pk: Any = None,
    limit: int = 10,
    partial_name: bool = False,
) -> list:
    """Customers (not in the recycle bin) that are likely the same company. Unscoped. `partial_name`:
    the name is still being typed (the live hint), a half-typed company suffix is ignored."""
    from .models import Customer

    q = Q()
    key = normalize_name(name)
    if key:
        q |= Q(name_key=key)
        partial = normalize_partial(name) if partial_name else key
        if partial != key:
            q |= Q(name_key=partial)
    code = (credit_code or "").strip().upper()
    if code:
        q |= Q(credit_code=code)
    digits = phone_digits(phone)
    if len(digits) >= 7:
        q |= Q(phone_digits=digits)
    mail = (email or "").strip()
    if mail:
        q |= Q(email__iexact=mail)
    if not q:
        return []
    qs = Customer.objects.unscoped(reason="duplicate check").filter(q).select_related("owner")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.order_by("-created_at", "-pk")[:limit])


def match_reasons(
    customer: Any, *, name: str = "", credit_code: str = "", phone: str = "", email: str = ""
) -> list[str]:
    """Which of the inputs matched (keys: name, credit_code, phone, email)."""
    reasons = []
    if name and customer.name_key == normalize_name(name):
        reasons.append("name")
    if credit_code and customer.credit_code == credit_code.strip().upper():
        reasons.append("credit_code")
    if phone and customer.phone_digits and customer.phone_digits == phone_digits(phone):
        reasons.append("phone")
    if email and customer.email and customer.email.lower() == email.strip().lower():
        reasons.append("email")
    return reasons
