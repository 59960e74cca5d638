"""The client's address, resistant to spoofed X-Forwarded-For headers."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, unless OPENSALES_TRUSTED_PROXIES says how many proxies of ours stand in front.

    With N trusted proxies, the client is the N-th address from the right of X-Forwarded-For: anything
    further left was written by the client and cannot be trusted, so a forged header changes nothing.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    hops = getattr(settings, "OPENSALES_TRUSTED_PROXY_COUNT", 0)
    if hops <= 0:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if len(forwarded) >= hops:
        return _valid(forwarded[-hops]) or remote
    return remote


def _valid(address: str) -> str | None:
    """A syntactically valid IP address, or None (a garbage header must not break audit writes)."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
