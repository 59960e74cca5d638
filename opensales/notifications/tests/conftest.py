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


@pytest.fixture(autouse=True)
def only_builtin_kinds(monkeypatch):
    """These tests pin the built-in kinds; other apps register their own (imports, bulk jobs…)."""
    from opensales.notifications import kinds

    builtin = {code: info for code, info in kinds._kinds.items() if code in kinds.Kind.values}
    monkeypatch.setattr(kinds, "_kinds", builtin)
