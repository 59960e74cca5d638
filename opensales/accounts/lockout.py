"""Lock a (username, client address) pair after repeated failed sign-ins.

Keyed by the address from `client_ip`, which ignores a client-written X-Forwarded-For, so neither
switching usernames from one address nor forging headers resets the count.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opensales.core.net import client_ip

from .models import LoginFailure


def _key(username: str, request) -> tuple[str, str]:
    return username.strip().lower()[:150], client_ip(request) or "0.0.0.0"  # noqa: S104 (an address value, not a bind)


def is_locked(username: str, request) -> bool:
    name, ip = _key(username, request)
    row = LoginFailure.objects.filter(username=name, ip_address=ip).first()
    return bool(row and row.locked_until and row.locked_until > timezone.now())


@transaction.atomic
def register_failure(username: str, request) -> LoginFailure:
    name, ip = _key(username, request)
    now = timezone.now()
    row, _ = LoginFailure.objects.select_for_update().get_or_create(
        username=name, ip_address=ip, defaults={"first_failure_at": now}
    )
    if now - row.first_failure_at > timedelta(seconds=settings.OPENSALES_LOCKOUT_WINDOW) and not (
        row.locked_until and row.locked_until > now
    ):
        row.failures = 0
        row.first_failure_at = now
        row.locked_until = None
    row.failures += 1
    if row.failures >= settings.OPENSALES_LOCKOUT_FAILURES:
        row.locked_until = now + timedelta(seconds=settings.OPENSALES_LOCKOUT_PERIOD)
    row.save()
    return row


def clear(username: str, request) -> None:
    name, ip = _key(username, request)
    LoginFailure.objects.filter(username=name, ip_address=ip).delete()
