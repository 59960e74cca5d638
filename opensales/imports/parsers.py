"""Cell parsers shared by importers: text in, value out, or a ValidationError with a translated message."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

EXCEL_EPOCH = date(1899, 12, 30)  # Excel's 1900 date system, with its leap-year bug folded in
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?")


def text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise ValidationError(
                ngettext(
                    "At most %(limit)d character (this has %(count)d).",
                    "At most %(limit)d characters (this has %(count)d).",
                    max_length,
                )
                % {"limit": max_length, "count": len(value)}
            )
        return value

    return parse


def email(value: str) -> str:
    value = unicodedata.normalize("NFKC", value)
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(_("“%(value)s” is not a valid e-mail address.") % {"value": value}) from None
    return value


def parse_date(value: str) -> date:
    """2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301, an Excel serial day number (45352), or a
    spreadsheet's date-time at midnight."""
    value = unicodedata.normalize("NFKC", value).strip()
    try:
        if re.fullmatch(r"\d{8}", value):
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        match = _DATE.fullmatch(value)
        if match:
            return date(*(int(g) for g in match.groups()))
        if _SERIAL.fullmatch(value) and 1 <= float(value) < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(float(value)))
    except (ValueError, OverflowError):
        pass
    raise ValidationError(
        _("“%(value)s” is not a date. Write it as 2024-03-01 or 2024年3月1日.") % {"value": value}
    )


def normalized(value: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", value).casefold())


def choice(
    options: Callable[[], Iterable[tuple[str, Any]]], aliases: dict[str, str] | None = None
) -> Callable[[str], str]:
    """A value of `options` ((value, lazy label) pairs), given as the value, the label in any language,
    or one of `aliases` (other spellings -> value)."""

    spellings: dict[str, str] = {}

    def parse(value: str) -> str:
        if not spellings:  # both languages' labels, worked out once
            for code, label in options():
                spellings[normalized(code)] = code
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        spellings.setdefault(normalized(str(label)), code)
            for spelling, code in (aliases or {}).items():
                spellings.setdefault(normalized(spelling), code)
        found = spellings.get(normalized(value))
        if found is None:
            allowed = "、".join(str(label) for _code, label in options())
            raise ValidationError(
                _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": allowed}
            )
        return found

    return parse
