"""Password rules beyond Django's: the passwords Chinese users pick most often."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_LIST = Path(__file__).with_name("common_passwords_cn.txt")


class ChineseCommonPasswordValidator:
    """Rejects passwords from a list of common Chinese choices (5201314, woaini1314, 拼音+数字…)."""

    def __init__(self) -> None:
        self.passwords = {
            line.strip().lower() for line in _LIST.read_text(encoding="utf-8").splitlines() if line.strip()
        }

    def validate(self, password: str, user=None) -> None:
        if password.lower().strip() in self.passwords:
            raise ValidationError(_("This password is too common."), code="password_too_common")

    def get_help_text(self) -> str:
        return _("Your password can't be a commonly used password.")
