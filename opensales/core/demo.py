"""The demo data generator: a realistic company, grown by each module's own step.

`generate(size=...)` runs the registered steps in order inside one transaction. Each step receives the
`DemoContext` (a seeded random generator, the size, and what earlier steps made) so later modules can
build on the cast: the CRM step gives the reps their customers, order-to-cash gives them orders, and the
benchmarks ask for `size="large"`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

DEMO_PASSWORD = "opensales-demo"
SIZES = {"small": 1, "medium": 10, "large": 100}


@dataclass
class DemoContext:
    size: str
    scale: int
    rng: random.Random
    made: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = print


_steps: list[tuple[int, str, Callable[[DemoContext], None]]] = []


def demo_step(order: int, name: str):
    def register(func: Callable[[DemoContext], None]):
        _steps.append((order, name, func))
        _steps.sort(key=lambda s: s[0])
        return func

    return register


def generate(size: str = "small", seed: int = 20261122, log: Callable[[str], None] = print) -> DemoContext:
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}")
    ctx = DemoContext(size=size, scale=SIZES[size], rng=random.Random(seed), log=log)
    with transaction.atomic():
        for _, name, func in _steps:
            log(f"demo: {name}")
            func(ctx)
    return ctx
