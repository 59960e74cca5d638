"""Audit records of sign-in events, in one place so every path writes the same shape.

The attempted username goes into `object_repr` for failures; the password never goes anywhere.
The address is passed explicitly: on the login page the audit context holds the anonymous user,
and the session-timeout middleware runs before the audit context exists.
"""

from __future__ import annotations

from typing import Any

from opensales.audit.models import AuditEvent
from opensales.audit.services import record

from .lockout import checked_client_ip

LOGIN = "auth.login"
LOGIN_FAILED = "auth.login_failed"
LOCKED_OUT = "auth.locked_out"
LOGOUT = "auth.logout"
PASSWORD_CHANGE = "auth.password_change"
TOTP_ENABLED = "auth.totp_enabled"
TOTP_DISABLED = "auth.totp_disabled"
TOTP_RESET = "auth.totp_reset"
TOTP_VERIFIED = "auth.totp_verified"
LANGUAGE_CHANGE = "auth.language_change"

USER_TYPE = "accounts.user"


def login(request, user: Any, *, factors: list[str]) -> None:
    record(action=LOGIN, actor=user, obj=user, changes={"factors": factors}, ip=checked_client_ip(request))


def login_failed(request, username: str, *, factor: str) -> None:
    record(
        action=LOGIN_FAILED,
        object_type=USER_TYPE,
        object_repr=username[:200],
        changes={"factor": factor},
        outcome=AuditEvent.Outcome.FAILURE,
        ip=checked_client_ip(request),
    )


def locked_out(request, username: str) -> None:
    record(
        action=LOCKED_OUT,
        object_type=USER_TYPE,
        object_repr=username[:200],
        outcome=AuditEvent.Outcome.DENIED,
        ip=checked_client_ip(request),
    )


def logout(request, user: Any, *, reason: str = "user") -> None:
    record(action=LOGOUT, actor=user, obj=user, changes={"reason": reason}, ip=checked_client_ip(request))


def totp_verified(request, user: Any) -> None:
    """A signed-in but unverified session gave its code (a role started requiring two-factor)."""
    record(action=TOTP_VERIFIED, actor=user, obj=user, ip=checked_client_ip(request))
