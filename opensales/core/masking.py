"""Masking of personal data for users whose role does not grant `unmask`."""

from __future__ import annotations

MASK = "****"


def mask_phone(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 7:
        return f"{digits[:3]}{MASK}{digits[-4:]}"
    return MASK if value else ""


def mask_email(value: str) -> str:
    if "@" not in value:
        return MASK if value else ""
    name, domain = value.split("@", 1)
    return f"{name[:1]}{MASK}@{domain}"


def mask_generic(value: str) -> str:
    if len(value) <= 4:
        return MASK if value else ""
    return f"{value[:2]}{MASK}{value[-2:]}"


def mask_value(kind: str, value: str | None) -> str:
    value = value or ""
    return {"phone": mask_phone, "email": mask_email}.get(kind, mask_generic)(value)
