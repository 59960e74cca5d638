"""Validation of customer data: the unified social credit code (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character for the first 17 (each must be in CHARSET)."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    value = (value or "").strip().upper()
    if len(value) != 18 or any(c not in CHARSET for c in value):
        return False
    return credit_code_check_char(value[:17]) == value[17]


def validate_credit_code(value: str) -> None:
    """Raise a translated ValidationError unless `value` is a well-formed credit code (check char included)."""
    value = (value or "").strip().upper()
    if len(value) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="credit_code_length")
    if any(c not in CHARSET for c in value):
        raise ValidationError(
            _("A unified social credit code uses only digits and capital letters except I, O, S, V and Z."),
            code="credit_code_charset",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This unified social credit code is not valid (its check character does not match)."),
            code="credit_code_check",
        )
