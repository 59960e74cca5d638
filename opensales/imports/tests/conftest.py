"""Helpers for the import tests: files in every encoding and shape, and a runner that lets the
on-commit task queueing happen inside the test's transaction (tasks run immediately in the tests)."""

from __future__ import annotations

import pytest


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (the task queueing) of the block: `with on_commit(): ...`."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def chinese():
    """The site's default language, whatever an earlier test in this worker left active."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield
