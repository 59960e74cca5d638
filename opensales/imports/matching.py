"""Matching a file's headers to an importer's fields, and remembering what the user chose.

A header matches a field when, normalized, it equals the field's name, its Chinese or English label
(both, whatever the page's language) or one of its aliases. Normalizing folds full-width characters
(NFKC), case, spaces, punctuation and the "*" that marks required columns in the templates:
"手机*", "手机 ", "Ｍｏｂｉｌｅ", "mobile" and "MOBILE:" all become the same key.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from .registry import Importer

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize(header: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", header or "").casefold())


def header_signature(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(normalize(h) for h in headers).encode()).hexdigest()


def field_index(importer: type[Importer]) -> dict[str, str]:
    """normalized spelling -> field name (the first field claiming a spelling keeps it)."""
    index: dict[str, str] = {}
    for f in importer.fields:
        for spelling in (f.name, *f.labels(), *f.aliases):
            index.setdefault(normalize(spelling), f.name)
    return index


def auto_match(
    importer: type[Importer], headers: list[str], memory: dict[str, str] | None = None
) -> dict[str, str]:
    """header -> field name for the headers that match; each field is taken by one header at most.

    `memory` (normalized header -> field name, from the user's earlier imports) wins over the labels."""
    index = field_index(importer)
    names = {f.name for f in importer.fields}
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for header in headers:
        key = normalize(header)
        name = (memory or {}).get(key) or index.get(key)
        if name and name in names and name not in taken:
            mapping[header] = name
            taken.add(name)
    return mapping


def remembered(user: Any, importer: type[Importer], headers: list[str]) -> dict[str, str]:
    """The mapping to offer: the user's choice for exactly these headers if they made one, else the
    auto-match helped by the headers they mapped in their recent imports of this model."""
    from .models import ImportMapping

    names = {f.name for f in importer.fields}
    saved = ImportMapping.objects.filter(user=user, importer=importer.key).order_by("-updated_at")
    exact = saved.filter(header_hash=header_signature(headers)).first()
    if exact is not None:
        return {h: n for h, n in exact.mapping.items() if h in headers and n in names}
    memory: dict[str, str] = {}
    for earlier in saved[:20]:
        for header, name in earlier.mapping.items():
            memory.setdefault(normalize(header), name)
    return auto_match(importer, headers, memory)


def remember(user: Any, importer: type[Importer], headers: list[str], mapping: dict[str, str]) -> None:
    from .models import ImportMapping

    ImportMapping.objects.update_or_create(
        user=user,
        importer=importer.key,
        header_hash=header_signature(headers),
        defaults={"mapping": mapping, "headers": headers},
    )
