"""Fixtures for the sign-in tests: a controllable session clock and TOTP helpers."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from opensales.accounts import session_times
from opensales.audit.models import AuditEvent

PASSWORD = "opensales-demo"


@pytest.fixture
def cast(cast):
    """The shared cast, reloaded: seed_org sets the demo password with a queryset update, so the user
    objects it returns still hold the old password hash. `force_login` would store a session hash
    built from that stale value, which (rightly) no longer matches the database on the next request."""
    for user in cast.values():
        user.refresh_from_db()
    return cast


@pytest.fixture
def clock(monkeypatch):
    """clock.now is what the session code sees as the time; move it with clock.advance(seconds)."""

    class Clock:
        now = 1_900_000_000.0

        def advance(self, seconds: float) -> None:
            self.now += seconds

    c = Clock()
    monkeypatch.setattr(session_times, "now", lambda: c.now)
    return c


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.drift += steps_ahead
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def make_device(user, **kwargs) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True, **kwargs)


def auth_events() -> list[tuple[str, str, str, str]]:
    """(action, outcome, actor, object_repr) of every auth.* event, oldest first."""
    return list(
        AuditEvent.objects.filter(action__startswith="auth.")
        .order_by("id")
        .values_list("action", "outcome", "actor_username", "object_repr")
    )


def password_login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)
