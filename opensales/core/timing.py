"""`Server-Timing: app;dur=<ms>` on every response: the time spent inside Django for the request.

Installed first in MIDDLEWARE, so the figure covers
the rest of the middleware stack, the view and the template rendering, not the WSGI server or the
network. The benchmark suite (bench/, docs/performance.md) reads its latency figures from it; browsers
show it in their developer tools. It reveals only a duration, nothing about the data.
"""

from __future__ import annotations

import time

HEADER = "Server-Timing"


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        entry = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        # A streaming response's body is produced after this returns: its figure is the time to the
        # first byte, which is what the header can honestly say.
        existing = response.get(HEADER)
        response[HEADER] = f"{existing}, {entry}" if existing else entry
        return response
