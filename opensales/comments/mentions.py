"""@mentions in plain-text comments.

`@` followed by a username or a full name. Chinese names are written without spaces and often glued to
the text around them ("请@张伟看一下"), so a mention is the LONGEST known username or full name that the
text after the `@` starts with. A name ending in a Latin letter or digit must not run on into more
letters ("@rep_sh1x" is nobody). An `@` right after a Latin letter or digit is an e-mail address,
not a mention.

Who is "known": active users. Whether they are told is the service's business: only those who can
view the record (the others are reported back to the author).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

NAME_MAX = 40  # longest name looked for after an "@"
MENTIONS_MAX = 20  # "@"s considered in one comment
_EMAIL_CHAR = re.compile(r"[A-Za-z0-9._%+\-]")
_LATIN_TAIL = re.compile(r"[A-Za-z0-9_]")


def mention_starts(body: str) -> list[int]:
    starts = [
        i for i, ch in enumerate(body) if ch == "@" and not (i > 0 and _EMAIL_CHAR.fullmatch(body[i - 1]))
    ]
    return starts[:MENTIONS_MAX]


def _following(body: str, at: int) -> str:
    return body[at + 1 : at + 1 + NAME_MAX].split("\n", 1)[0]


def candidate_names(body: str) -> set[str]:
    """Every string that could be a name after some "@" (its prefixes): the lookup's IN list."""
    names: set[str] = set()
    for at in mention_starts(body):
        text = _following(body, at)
        names.update(text[:n] for n in range(1, len(text) + 1) if not text[n - 1].isspace())
    return names


def _index(users: Iterable[Any]) -> dict[str, list[Any]]:
    index: dict[str, list[Any]] = {}
    for user in users:
        for name in {user.username, (user.full_name or "").strip()}:
            if name:
                index.setdefault(name, []).append(user)
    return index


def find_mentions(body: str, users: Iterable[Any]) -> list[tuple[int, int, list[Any]]]:
    """(start of "@", end of the name, the users of that name) for each mention of one of `users`."""
    index = _index(users)
    found = []
    for at in mention_starts(body):
        text = _following(body, at)
        for n in range(len(text), 0, -1):
            name = text[:n]
            if name not in index:
                continue
            if _LATIN_TAIL.fullmatch(name[-1]) and n < len(text) and _LATIN_TAIL.fullmatch(text[n]):
                continue
            found.append((at, at + 1 + n, index[name]))
            break
    return found


def mentioned_users(body: str) -> list[Any]:
    """The active users the body mentions, in order of first mention (one query)."""
    names = candidate_names(body)
    if not names:
        return []
    User = get_user_model()
    users = User.objects.filter(Q(username__in=names) | Q(full_name__in=names), is_active=True)
    seen: dict[int, Any] = {}
    for _start, _end, matched in find_mentions(body, users):
        for user in matched:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def render_body(body: str, mentioned: Iterable[Any]) -> SafeString:
    """The comment as HTML: every character escaped, mentions of `mentioned` highlighted, line breaks
    kept. Only our own tags are marked safe; the user's text always goes through escaping."""
    parts: list[str] = []
    pos = 0
    for start, end, _users in find_mentions(body, list(mentioned)):
        parts.append(conditional_escape(body[pos:start]))
        parts.append(
            format_html('<span class="comment-mention text-primary fw-medium">{}</span>', body[start:end])
        )
        pos = end
    parts.append(conditional_escape(body[pos:]))
    html = "".join(str(p) for p in parts).replace("\r\n", "\n").replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - built only from escaped text and format_html
