"""When a session signed in and was last used: the data the idle and absolute timeouts work from.

Kept apart from the middleware so the sign-in signal, the middleware and the tests share one clock
(`now`), which tests replace to travel in time without touching the global `time.time`.
"""

from __future__ import annotations

import time

from django.conf import settings

LOGIN_AT = "opensales_login_at"
LAST_SEEN = "opensales_last_seen"
EXPIRED_FLAG = "opensales_session_expired"
# Writing the session on every request would cost a write per page; a minute of slack is harmless.
LAST_SEEN_GRANULARITY = 60

IDLE = "idle_timeout"
ABSOLUTE = "absolute_timeout"


def now() -> float:
    return time.time()


def stamp_login(session) -> None:
    """Start both clocks; called for every sign-in (see signals.py)."""
    at = now()
    session[LOGIN_AT] = at
    session[LAST_SEEN] = at


def expiry_reason(session, at: float) -> str | None:
    """IDLE or ABSOLUTE when the session has outlived a limit, else None."""
    # A session signed in before these stamps existed starts its clocks at its first request.
    login_at = session.setdefault(LOGIN_AT, at)
    last_seen = session.setdefault(LAST_SEEN, at)
    if at - login_at > settings.OPENSALES_ABSOLUTE_TIMEOUT:
        return ABSOLUTE
    if at - last_seen > settings.OPENSALES_IDLE_TIMEOUT:
        return IDLE
    return None


def touch(session, at: float) -> None:
    if at - session.get(LAST_SEEN, 0) >= LAST_SEEN_GRANULARITY:
        session[LAST_SEEN] = at
