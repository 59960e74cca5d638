"""Fixtures of the notification tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture
def cast(cast):
    """The shared cast, reloaded (the demo step rewrote password hashes after the objects were made)."""
    for user in cast.values():
        user.refresh_from_db()
    return cast


@pytest.fixture(autouse=True)
def fresh_throttles():
    """The API's throttle counts live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()
