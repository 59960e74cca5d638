"""The optimistic lock: every ScopedModel carries a `version`; an edit names the version it started from."""

from __future__ import annotations

from typing import Any


class StaleEdit(Exception):
    """The record changed since the editor loaded it (optimistic lock)."""

    def __init__(self, current: Any):
        super().__init__("stale edit")
        self.current = current


def check_version(record: Any, version: int | None) -> None:
    """Raise StaleEdit unless `record` (freshly read, ideally `select_for_update`) is still at `version`."""
    if version is None or int(version) != record.version:
        raise StaleEdit(record)
