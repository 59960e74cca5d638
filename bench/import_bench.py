"""Benchmark of the customer import (opensales/imports) on the database of DATABASE_URL.

    .venv/bin/python bench/import_bench.py [--rows 100000]
    bash scripts/with-postgres.sh .venv/bin/python bench/import_bench.py

Never touches the configured database: it creates a test database (SQLite: a file in a temporary
folder), seeds the demo company (small size) and 1% of the rows' customers beforehand (so some rows
update), then generates an XLSX of --rows customers with their primary contact (valid credit codes, a
few duplicates within the file and a few bad cells), and, as the director (built-in managers lack the import action):

1. uploads it and runs the check (the preview: read + validate; the bad rows are reported);
2. uploads the corrected file (the bad rows removed, as a user does with the error report) and runs
   the import: read, validate, write, exactly as the worker does (`services.execute`).

Prints the rows/s of each phase of the run and end to end, one line each; the last lines are
machine-readable: `import.<figure> <vendor> <value>`.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opensales.settings.test")

HEADER = [
    "客户名称",
    "统一社会信用代码",
    "所属行业",
    "地区",
    "电话",
    "负责人",
    "联系人",
    "手机",
    "联系人邮箱",
    "职务",
]
INDUSTRIES = ["制造业", "软件", "金融", "零售", "医疗", "物流"]
REGIONS = ["310115", "310104", "330106", "320102", "320505"]
USER = "director"
TITLES = ["采购经理", "总经理", "IT主管", "财务总监", ""]


def generate(rows: int, owners: list[str], existing: list[tuple[str, str]], rng: random.Random):
    """(data rows, line numbers of the deliberately bad rows)."""
    from opensales.customers.demo import credit_code

    out, bad = [], set()
    for i in range(rows):
        if existing and i % 100 == 0:  # 1%: customers already in the database (updates)
            name, code = existing[i // 100]
        else:
            name, code = f"测试{i:06d}号科技有限公司", credit_code(rng, rng.choice(REGIONS))
        row = [
            name,
            code,
            rng.choice(INDUSTRIES),
            rng.choice(REGIONS),
            f"021-{rng.randrange(10**7, 10**8)}",
            rng.choice(owners),
            f"联系人{i}",
            f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}",
            f"c{i}@example.com",
            rng.choice(TITLES),
        ]
        if i % 5000 == 4999:  # a duplicate of an earlier row of the file
            row[0], row[1] = out[i - 10][0], out[i - 10][1]
            bad.add(i + 2)
        elif i % 10000 == 1234:  # a bad cell
            row[7] = "12"
            bad.add(i + 2)
        out.append(row)
    return out, bad


def xlsx(rows: list[list[str]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "constant_memory": True, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet("客户")
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the run (phase 2) to FILE")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="opensales-import-bench-media-")
    if connection.vendor == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="opensales-import-bench-"))
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(folder / "bench-import.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction

    from opensales.core.actions import Action
    from opensales.core.demo import DemoContext
    from opensales.customers.bulk import create_customers
    from opensales.customers.forms import owner_choices
    from opensales.customers.importers import CustomerImporter
    from opensales.imports import engine, services
    from opensales.org.demo import seed_org

    rng = random.Random(args.seed)
    seed_org(DemoContext(size="small", scale=1, rng=random.Random(args.seed), log=lambda m: None))
    manager = get_user_model().objects.get(username=USER)
    owners = list(owner_choices(manager, Action.ADD).values_list("username", flat=True))
    with transaction.atomic():  # 1% of the rows name customers that exist already
        made = create_customers(
            manager, [({"name": f"已有客户{i}号有限公司"}, {}) for i in range(args.rows // 100 + 1)]
        )
    existing = [(c.name, "") for c in made]
    data_rows, bad = generate(args.rows, owners, existing, rng)
    vendor = connection.vendor
    print(f"{vendor}; {args.rows} rows ({len(bad)} bad); {os.cpu_count()} cpus")

    # A worker process loads the URLconf once (the first notification reverses a URL): load it
    # before timing, as any worker past its first job has.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018
    timings: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **kw):
            started = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    engine.load_table = timed("read", engine.load_table)
    engine.plan = timed("validate", engine.plan)
    engine.write = timed("write", engine.write)

    def job_for(rows):
        upload = SimpleUploadedFile("customers.xlsx", xlsx(rows))
        job = services.job_create(user=manager, importer=CustomerImporter, upload=upload, mode="upsert")
        return services.job_set_mapping(job=job, mapping=job.mapping)

    # 1. The check of the file with its bad rows.
    job = job_for(data_rows)
    job.check_state = job.Check.CHECKING
    job.save(update_fields=["check_state"])
    timings.clear()
    services.execute(job.pk, check_only=True)
    job.refresh_from_db()
    for e in job.errors[:3]:
        print("  row", e["row"], e["messages"])
    print(
        f"check: {job.rejected_count} rows rejected (expected {len(bad)}); read {timings['read']:.1f}s, "
        f"validate {timings['validate']:.1f}s"
    )

    # 2. The corrected file, run for real.
    good = [row for line, row in enumerate(data_rows, start=2) if line not in bad]
    job = job_for(good)
    job.state = job.State.PENDING
    job.save(update_fields=["state"])
    timings.clear()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    state = services.execute(job.pk)
    total = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    job.refresh_from_db()
    n = len(good)
    print(
        f"run: {state}; {job.created_count} created, {job.updated_count} updated, "
        f"{job.unchanged_count} unchanged, failure: {job.failure or '-'}"
    )
    for phase in ("read", "validate", "write"):
        print(f"{phase}: {timings.get(phase, 0):.2f}s, {n / max(timings.get(phase, 0), 1e-9):,.0f} rows/s")
    print(f"end to end: {total:.2f}s, {n / total:,.0f} rows/s")
    for phase in ("read", "validate", "write"):
        print(f"import.{phase}_rows_per_s {vendor} {n / max(timings.get(phase, 0), 1e-9):.0f}")
    print(f"import.rows_per_s {vendor} {n / total:.0f}")


if __name__ == "__main__":
    main()
