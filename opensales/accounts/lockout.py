"""Lock a (username, client address) pair after repeated failed sign-ins.

Keyed by the address from `client_ip`, which ignores a client-written X-Forwarded-For, so neither
switching usernames from one address nor forging headers resets the count. A lock refuses even the
right password (see backends.py), so guessing on during a lock gains nothing.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opensales.core.net import client_ip

from .models import LoginFailure

UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 (an address value, not a bind)


def checked_client_ip(request) -> str:
    """`client_ip`, or UNKNOWN_ADDRESS when it is missing or not an address.

    A malformed forwarded address (only possible behind a misconfigured proxy) must not break
    sign-in or fail an inet column on PostgreSQL; such requests share one bucket.
    """
    try:
        return str(ipaddress.ip_address(client_ip(request) or UNKNOWN_ADDRESS))
    except ValueError:
        return UNKNOWN_ADDRESS


def _key(username: str, request) -> tuple[str, str]:
    return username.strip().lower()[:150], checked_client_ip(request)


def locked_until(username: str, request):
    """The end of the current lock of this pair, or None when it is not locked."""
    name, ip = _key(username, request)
    row = LoginFailure.objects.filter(username=name, ip_address=ip).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until
    return None


def is_locked(username: str, request) -> bool:
    return locked_until(username, request) is not None


def minutes_left(username: str, request) -> int:
    """Whole minutes until the lock ends, rounded up (at least 1), for the message to the user."""
    until = locked_until(username, request)
    if until is None:
        return 0
    seconds = (until - timezone.now()).total_seconds()
    return max(1, math.ceil(seconds / 60))


@transaction.atomic
def register_failure(username: str, request) -> bool:
    """Count one failure; True when this failure started a lock."""
    name, ip = _key(username, request)
    now = timezone.now()
    row, _ = LoginFailure.objects.select_for_update().get_or_create(
        username=name, ip_address=ip, defaults={"first_failure_at": now}
    )
    lock_over = row.locked_until is not None and row.locked_until <= now
    window_over = now - row.first_failure_at > timedelta(seconds=settings.OPENSALES_LOCKOUT_WINDOW)
    if lock_over or (window_over and row.locked_until is None):
        # A fresh count after an expired lock or an old, unlocked streak: one failure after a lock
        # ended must not lock again at once.
        row.failures = 0
        row.first_failure_at = now
        row.locked_until = None
    row.failures += 1
    just_locked = row.locked_until is None and row.failures >= settings.OPENSALES_LOCKOUT_FAILURES
    if just_locked:
        row.locked_until = now + timedelta(seconds=settings.OPENSALES_LOCKOUT_PERIOD)
    row.save()
    return just_locked


def clear(username: str, request) -> None:
    name, ip = _key(username, request)
    LoginFailure.objects.filter(username=name, ip_address=ip).delete()
