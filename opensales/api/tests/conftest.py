"""Fixtures of the API tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counts live in the cache, which outlives a test: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cast(cast):
    """The shared cast, reloaded (see opensales/accounts/tests/conftest.py: stale password hashes)."""
    for user in cast.values():
        user.refresh_from_db()
    return cast
