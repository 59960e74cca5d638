"""The @mention autocomplete: active users who can view the record, by username, name or pinyin prefix.

Names are matched in Python against the tokens the global search uses for people
(`opensales.search.tokens.person_name_tokens`: 张伟 → 张伟, zhangwei, zw, zhang, wei…), so "zw", "zhang"
and "张" all find 张伟. Only the first `SCAN` matching users are checked against the record's scope
(a few queries each), and at most `LIMIT` are returned.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model

from opensales.core.actions import Action
from opensales.core.scope import can
from opensales.search.tokens import normalise, person_name_tokens

LIMIT = 8
SCAN = 30


@lru_cache(maxsize=4096)
def _keys(username: str, full_name: str) -> frozenset[str]:
    return frozenset({normalise(username), normalise(full_name), *person_name_tokens(full_name)} - {""})


def suggest_users(record: Any, query: str, *, exclude: Any = None) -> list[Any]:
    q = normalise(query).strip().lstrip("@")[:40]
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .only("id", "username", "full_name", "is_active", "is_superuser")
    )
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    matches = []
    for user in users.order_by("username"):
        keys = _keys(user.username, user.full_name or "")
        if not q or any(key.startswith(q) for key in keys):
            exact = q and (normalise(user.username) == q or normalise(user.full_name or "") == q)
            matches.append((0 if exact else 1, user))
    matches.sort(key=lambda pair: pair[0])
    found = []
    for _rank, user in matches[:SCAN]:
        if can(user, Action.VIEW, record):
            found.append(user)
            if len(found) == LIMIT:
                break
    return found
