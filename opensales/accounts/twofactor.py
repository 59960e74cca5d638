"""The two-factor policy and the half-signed-in state between the password and the code.

After a correct password, a user with a confirmed device is NOT signed in: the session only holds
who passed the password step, for a few minutes. `django.contrib.auth.login` runs when the code is
right, so nothing that checks `request.user` (views, the API, LoginRequiredMiddleware) ever sees a
user who gave only the password.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from . import session_times

PENDING = "opensales_2fa_pending"
# Long enough to open the app and type a code; short enough that an abandoned half sign-in dies.
PENDING_TTL = 5 * 60


def user_requires_2fa(user: Any) -> bool:
    """A role of the user demands two-factor sign-in, and this installation enforces it."""
    if not settings.OPENSALES_ENFORCE_ROLE_2FA or not getattr(user, "is_authenticated", False):
        return False
    return user.roles.filter(requires_2fa=True, is_active=True).exists()


def begin(request, user: Any, *, backend: str, next_url: str) -> None:
    # A new key: whoever planted the session id before the password step cannot carry it on.
    request.session.cycle_key()
    request.session[PENDING] = {
        "user_id": user.pk,
        "backend": backend,
        "at": session_times.now(),
        "next": next_url,
    }


def pending(request) -> tuple[Any, dict[str, Any]] | None:
    """(user, state) of a live half sign-in, or None (absent, expired, or the user was deactivated)."""
    state = request.session.get(PENDING)
    if not state:
        return None
    if session_times.now() - state["at"] > PENDING_TTL:
        clear(request)
        return None
    user = get_user_model().objects.filter(pk=state["user_id"], is_active=True).first()
    if user is None:
        clear(request)
        return None
    return user, state


def clear(request) -> None:
    request.session.pop(PENDING, None)
