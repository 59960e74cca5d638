"""Password rules beyond Django's: the passwords Chinese users pick most often."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_LIST = Path(__file__).with_name("common_passwords_cn.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The list, normalised like the candidate; read once per process. Lines starting with # are notes."""
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(normalise(line) for line in lines if line.strip() and not line.startswith("#"))


def normalise(password: str) -> str:
    # NFKC folds full-width characters (ｗｏａｉｎｉ５２０, typed with a Chinese IME) to ASCII.
    return unicodedata.normalize("NFKC", password).strip().lower()


class ChineseCommonPasswordValidator:
    """Rejects passwords from a list of common Chinese choices (5201314, woaini1314, 拼音+数字…).

    Complements Django's CommonPasswordValidator, whose list comes from English-language leaks.
    """

    def validate(self, password: str, user=None) -> None:
        if normalise(password) in common_passwords():
            raise ValidationError(_("This password is too common."), code="password_too_common")

    def get_help_text(self) -> str:
        return _("Your password can't be a commonly used password.")
