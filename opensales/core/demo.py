"""The demo data generator: a realistic company, grown by each module's own step.

Two kinds of steps, both registered with `@demo_step(order, name)` from `<app>/demo.py`:

- The *story* steps (the cast, its customers, deals, follow-ups…) are hand-made through the services and
  are the same at every size. They run in order inside one transaction.
- The *bulk* steps (`@demo_step(order, name, bulk=True)`, opensales/core/demo_bulk.py) add volume for the
  benchmarks with bulk inserts. They run after the story, only when the size asks for counts, and commit
  batch by batch (a load of millions of rows must not be one SQLite transaction).

`COUNTS` is the one table of sizes: each size names how many rows of each kind the tenant has in total
(story included). `generate(size="large", counts={"customers": 20_000})` overrides single counts; a
later issue adds its own kinds (orders, invoices, stock) to the table and a bulk step that reads them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

DEMO_PASSWORD = "opensales-demo"

# Totals per size (story rows count towards them). "small" is the story alone: `make run`.
LARGE = {
    "departments": 40,
    "employees": 500,
    "products": 1_000,
    "customers": 100_000,
    "contacts": 200_000,
    "leads": 100_000,
    "opportunities": 200_000,
    "follow_ups": 2_000_000,
}
COUNTS: dict[str, dict[str, int]] = {
    "small": {},
    "medium": {
        "departments": 15,
        "employees": 80,
        **{k: v // 10 for k, v in LARGE.items() if k not in {"departments", "employees"}},
    },
    "large": LARGE,
}
SIZES = {"small": 1, "medium": 10, "large": 100}  # kept for callers that read a size's scale


@dataclass
class DemoContext:
    size: str
    # The story's scale: 1 at every size (volume comes from the bulk steps and `counts`).
    scale: int
    rng: random.Random
    made: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = print
    counts: dict[str, int] = field(default_factory=dict)
    # (step or phase, rows, seconds) for the per-step report.
    timings: list[tuple[str, int, float]] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return int(self.counts.get(kind, 0))


_steps: list[tuple[int, str, Callable[[DemoContext], None]]] = []
_bulk_steps: set[str] = set()


def demo_step(order: int, name: str, *, bulk: bool = False):
    def register(func: Callable[[DemoContext], None]):
        if not any(s[1] == name and s[2].__qualname__ == func.__qualname__ for s in _steps):
            _steps.append((order, name, func))
            _steps.sort(key=lambda s: s[0])
        if bulk:
            _bulk_steps.add(name)
        return func

    return register


def resolve_counts(size: str, overrides: dict[str, int] | None = None) -> dict[str, int]:
    if size not in COUNTS:
        raise ValueError(f"size must be one of {sorted(COUNTS)}")
    counts = dict(COUNTS[size])
    for kind, value in (overrides or {}).items():
        if value < 0:
            raise ValueError(f"count of {kind} must not be negative")
        counts[kind] = int(value)
    return counts


def generate(
    size: str = "small",
    seed: int = 20261122,
    log: Callable[[str], None] = print,
    counts: dict[str, int] | None = None,
    only: set[str] | None = None,
) -> DemoContext:
    """Run the story steps (one transaction), then the bulk steps when there are counts. `only`: the
    names of the steps to run (tests: the organization and the bulk steps, without the story)."""
    from django.utils.module_loading import autodiscover_modules

    from . import demo_bulk  # noqa: F401  (registers the bulk steps)

    autodiscover_modules("demo")

    ctx = DemoContext(
        size=size, scale=1, rng=random.Random(seed), log=log, counts=resolve_counts(size, counts)
    )
    wanted = [s for s in _steps if only is None or s[1] in only]
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        for _, name, func in wanted:
            if name not in _bulk_steps:
                _run(ctx, name, func)
    if ctx.counts:
        for _, name, func in wanted:
            if name in _bulk_steps:
                _run(ctx, name, func)
    log(
        f"demo: total {time.perf_counter() - started:.1f}s (this process's CPU {time.process_time() - cpu:.1f}s)"
    )
    return ctx


def _run(ctx: DemoContext, name: str, func: Callable[[DemoContext], None]) -> None:
    ctx.log(f"demo: {name}")
    t0 = time.perf_counter()
    func(ctx)
    seconds = time.perf_counter() - t0
    ctx.timings.append((name, 0, seconds))
    ctx.log(f"demo: {name} done in {seconds:.1f}s")
