"""Rate limits of the API, on Ninja's throttle interface.

Rates come from `settings.NINJA_DEFAULT_THROTTLE_RATES` ("10/min", "600/m", "5/s", "1000/day"), read on
every request so a change of settings (or `override_settings` in a test) applies at once. Counts live in
Django's default cache: the per-process memory cache unless CACHES names a shared one (see docs/api.md).
Clients are told apart by `checked_client_ip`, which honours OPENSALES_TRUSTED_PROXY_COUNT and ignores a
forged X-Forwarded-For, unlike Ninja's own `get_ident`.
"""

from __future__ import annotations

import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from opensales.accounts.lockout import checked_client_ip

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/min" -> (10, 60)."""
    count, _, period = rate.partition("/")
    unit = period.lstrip("0123456789")
    multiple = int(period[: len(period) - len(unit)] or 1)
    if unit not in PERIODS:
        raise ValueError(f"unknown throttle period in {rate!r}")
    return int(count), multiple * PERIODS[unit]


class RateThrottle(BaseThrottle):
    """A sliding window of request times per key. State of the current request is thread-local, so one
    instance (Ninja keeps one per operation) serves concurrent requests correctly."""

    scope = ""
    cache_format = "opensales_throttle_%(scope)s_%(ident)s"

    def __init__(self) -> None:
        self._local = threading.local()

    def rate(self) -> tuple[int, int] | None:
        value = getattr(settings, "NINJA_DEFAULT_THROTTLE_RATES", {}).get(self.scope)
        return parse_rate(value) if value else None

    def ident(self, request: HttpRequest) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: HttpRequest) -> bool:
        self._local.wait = None
        rate = self.rate()
        ident = self.ident(request)
        if rate is None or ident is None:
            return True
        limit, duration = rate
        key = self.cache_format % {"scope": self.scope, "ident": ident}
        now = time.time()
        history = [t for t in cache.get(key, []) if t > now - duration]  # newest first
        if len(history) >= limit:
            self._local.wait = max(1, math.ceil(history[-1] + duration - now))
            return False
        history.insert(0, now)
        cache.set(key, history, duration)
        return True

    def wait(self) -> int | None:
        return getattr(self._local, "wait", None)


class UserRateThrottle(RateThrottle):
    """Per signed-in user, whether by session or token (scope "auth"); anonymous calls are not counted."""

    scope = "auth"

    def ident(self, request: HttpRequest) -> str | None:
        user = getattr(request, "auth", None)
        return str(user.pk) if getattr(user, "pk", None) else None


class AddressRateThrottle(RateThrottle):
    """Per client address, for the anonymous token endpoint (scope "token_create")."""

    scope = "token_create"

    def ident(self, request: HttpRequest) -> str | None:
        return checked_client_ip(request)


class BadTokenThrottle(AddressRateThrottle):
    """Counts refused tokens per address (scope "bad_token"): past the rate, a client gets 429 and the
    audit log is spared a flood of identical failures."""

    scope = "bad_token"
