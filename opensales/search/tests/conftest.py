"""Fixtures of the search tests: the demo cast (reloaded), signed-in clients, and the API's address."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse


@pytest.fixture
def cast(cast):
    """The shared cast, reloaded: the demo step sets passwords with a queryset update, so the objects in
    `cast` carry stale hashes and a session made from them would be refused."""
    for user in cast.values():
        user.refresh_from_db()
    return cast


@pytest.fixture
def as_user(cast, login):
    """as_user("rep_sh1") -> a test client signed in as that demo user."""

    def make(username: str):
        return login(cast[username])

    return make


@pytest.fixture
def search_url():
    """`GET /api/v1/search` (opensales/api/root.py mounts opensales.search.api.router); throttle counts
    start from zero."""
    cache.clear()
    return reverse("api:search_records")
