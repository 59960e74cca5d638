"""The request's actor and address, visible to services that record audit events."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any

from opensales.core.net import client_ip


@dataclass(frozen=True)
class RequestContext:
    request: Any
    ip: str | None

    @property
    def user(self) -> Any:
        # Read at record time, not when the request came in: API token authentication sets
        # request.user later, inside the view.
        return getattr(self.request, "user", None)


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "opensales_audit", default=None
)


def current() -> RequestContext | None:
    return _current.get()


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(RequestContext(request=request, ip=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


class DeniedRequestAuditMiddleware:
    """Every request answered 403 is an audit event: who tried what, from where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            from .services import record

            record(
                action="request.denied",
                outcome="denied",
                changes={"method": request.method, "path": request.path[:300]},
            )
        return response
