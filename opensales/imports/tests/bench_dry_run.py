"""Throughput of the validation phase (a dry run) on a 10 000-row employee CSV; prints rows/s.

Not part of the suite (the name does not start with test_); run it explicitly:
    .venv/bin/python -m pytest -q -s opensales/imports/tests/bench_dry_run.py
    bash scripts/with-postgres.sh .venv/bin/python -m pytest -q -s opensales/imports/tests/bench_dry_run.py
"""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opensales.imports import engine, matching
from opensales.imports.reading import read_table
from opensales.org.importers import EmployeeImporter

from .files import HEADER, csv_bytes, employee_rows

ROWS = 10_000


@pytest.mark.django_db
def test_dry_run_throughput(cast):
    data = csv_bytes([HEADER, *employee_rows(ROWS)])
    started = time.perf_counter()
    table = read_table(data, "bench.csv")
    read = time.perf_counter()
    mapping = matching.auto_match(EmployeeImporter, table.headers)
    with CaptureQueriesContext(connection) as queries:
        plan = engine.plan(EmployeeImporter(cast["admin"]), table, mapping, "upsert")
    done = time.perf_counter()
    assert not plan.error_rows and plan.created == ROWS
    print(
        f"\n{connection.vendor}: {ROWS} rows, read {read - started:.2f}s, validate {done - read:.2f}s "
        f"({ROWS / (done - read):,.0f} rows/s validation, {ROWS / (done - started):,.0f} rows/s with reading), "
        f"{len(queries.captured_queries)} queries, {len(data) / 1e6:.1f} MB"
    )


WRITE_ROWS = 1_000


@pytest.mark.django_db
def test_write_throughput(cast):
    """The write phase through the per-record services (user, employee, history, audit per row)."""
    from django.db import transaction

    table = read_table(csv_bytes([HEADER, *employee_rows(WRITE_ROWS)]), "bench.csv")
    mapping = matching.auto_match(EmployeeImporter, table.headers)
    importer = EmployeeImporter(cast["admin"])
    plan = engine.plan(importer, table, mapping, "upsert")
    started = time.perf_counter()
    with transaction.atomic():
        engine.write(importer, cast["admin"], plan.rows)
    took = time.perf_counter() - started
    print(
        f"\n{connection.vendor}: wrote {WRITE_ROWS} employees in {took:.2f}s ({WRITE_ROWS / took:,.0f} rows/s)"
    )
