"""The permission-matrix harness: persona × route × method × record scope → status and exact ids.

Every module adds its rows to `ROWS` (in tests/test_permission_matrix.py or a module it imports). A row
names a URL, a method, how to find the record it acts on (a `Target`), and the expected status for
every persona; list rows also give the exact set of row ids each persona must see (list templates mark
rows with `data-row-id`). `test_every_route_is_in_the_matrix` fails when a route has no row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Any

PERSONAS = [
    "anonymous",
    "admin",
    "director",
    "manager_east",
    "rep_sh1",
    "rep_sh2",
    "rep_gz1",
    "finance",
    "auditor",
]
SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]

ROW_ID = re.compile(r'data-row-id="([^"]+)"')


def statuses(default: int, anonymous: int = 302, **overrides: int) -> dict[str, int]:
    """Expected status per persona: `default` for everyone signed in unless overridden."""
    unknown = set(overrides) - set(PERSONAS)
    if unknown:
        raise ValueError(f"unknown personas {unknown}")
    return {"anonymous": anonymous, **dict.fromkeys(SIGNED_IN, default), **overrides}


def only(allowed: dict[str, int], others: int, anonymous: int = 302) -> dict[str, int]:
    """`allowed` personas get their status, every other signed-in persona gets `others`."""
    return statuses(others, anonymous, **allowed)


@dataclass(frozen=True)
class Target:
    """How to find the record a row acts on, from the cast: (description, resolver -> URL kwargs)."""

    description: str
    resolve: Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    expect: dict[str, int]
    target: Target | None = None
    data: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # persona -> () -> the exact set of data-row-id values the list must show.
    ids: dict[str, Callable[[], set[str]]] | None = None
    note: str = ""

    @property
    def id(self) -> str:
        where = f"[{self.target.description}]" if self.target else ""
        return f"{self.method} {self.route}{where}{(' ' + self.note) if self.note else ''}"


def row_ids(html: str) -> set[str]:
    return set(ROW_ID.findall(html))


def check_each_persona(check: Callable[[str], list[str]]) -> None:
    """Run `check(persona)` for every persona, each inside a savepoint that is rolled back, so one
    cast serves the whole row (a write by one persona never leaks into the next). `check` returns the
    problems it found; they are reported together, persona by persona."""
    from django.db import transaction

    problems: list[str] = []
    for persona in PERSONAS:
        with transaction.atomic():
            problems += [f"{persona}: {p}" for p in check(persona)]
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


def app_matrix_modules() -> Iterator[ModuleType]:
    """Each OpenSales app's `tests/matrix_rows.py`, in INSTALLED_APPS order."""
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("opensales."):
            continue
        if module_has_submodule(app_config.module, "tests"):
            tests = import_module(f"{app_config.name}.tests")
            if module_has_submodule(tests, "matrix_rows"):
                yield import_module(f"{app_config.name}.tests.matrix_rows")
