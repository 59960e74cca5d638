"""Shared fixtures: the named demo cast used by permission tests across every app."""

from __future__ import annotations

import random

import pytest
from django.test import Client

# The browser-test harness (Playwright + Chromium fixtures), shared by the browser tests of every app.
pytest_plugins = ["tests.browser.harness"]


@pytest.fixture
def cast(db):
    """The demo company (departments, ~20 employees, the named logins) as a dict of users by username."""
    from opensales.core.demo import DemoContext
    from opensales.org.demo import seed_org

    ctx = DemoContext(size="small", scale=1, rng=random.Random(7), log=lambda m: None)
    seed_org(ctx)
    return ctx.made["users"]


@pytest.fixture
def departments(cast):
    from opensales.org.models import Department

    return {d.code: d for d in Department.objects.unscoped(reason="test")}


@pytest.fixture
def login():
    """login(user) -> a test client signed in as that user (no password round trip)."""

    def make(user) -> Client:
        client = Client(HTTP_HOST="localhost")
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the database is rebuilt with the same ids, so a value a
    previous test cached (dashboard figures, rate-limit counters) would otherwise leak into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request in English (a cookie, a header)
    leaves English active in the test's thread, and a later test on the same worker then read its
    services' messages in English (found by an order of tests, not by either test)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
