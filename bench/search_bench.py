"""Benchmark of the global search (opensales/search) on the database of DATABASE_URL.

    .venv/bin/python bench/search_bench.py                      # SQLite, 100,000 entries
    bash scripts/with-postgres.sh .venv/bin/python bench/search_bench.py

Never touches the configured database: it creates a test database (SQLite: a file in a temporary
folder, or var/bench-search.sqlite3 with --keepdb to reuse the data between runs), then

- the demo company at its large size: 9 + 31 departments, about 500 employees with their roles;
- N records of an owner-scoped business model standing in for customers (tests/scopeapp `Account`,
  registered with the search here: a Chinese person's name read with surname readings, and a mobile
  number indexed as keyed suffix hashes), owned by the sales reps, 5% in the public pool; inserted in
  bulk (no signals), then `reindex()`, timed: the bulk-load path.

Then each kind of query runs --runs times (a new random value each time) as the director (scope: all),
manager_east (his region: about a third of the records) and rep_sh1 (his own records and the pool), and
it prints p50/p95 of the wall time of `search()` (the SQL and building the results; no HTTP). Figures go
to docs/search.md; they are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opensales.settings.test")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def phone_of(pk: int) -> str:
    """A mobile number per record, derived from its id (the stand-in model has no phone field)."""
    digits = int.from_bytes(hashlib.sha256(str(pk).encode()).digest()[:8], "big")
    return f"1{'3578'[digits % 4]}{digits % 10**9:09d}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=100_000, help="customer-like records to create")
    parser.add_argument("--runs", type=int, default=100, help="queries per kind and persona")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keepdb", action="store_true", help="keep the database and reuse its data next time"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if "tests.scopeapp" not in settings.INSTALLED_APPS:
        sys.exit("run with DJANGO_SETTINGS_MODULE=opensales.settings.test (it installs tests.scopeapp)")
    if connection.vendor == "sqlite":
        # A file, as in production, rather than the test runner's in-memory database.
        folder = settings.VAR_DIR if args.keepdb else Path(tempfile.mkdtemp(prefix="opensales-search-bench-"))
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(folder / "bench-search.sqlite3")
    old_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=not args.keepdb, keepdb=args.keepdb
    )
    try:
        run(args)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from opensales.core.demo import DemoContext
    from opensales.org.demo import GIVEN, SURNAMES, seed_org
    from opensales.search.index import reindex
    from opensales.search.models import SearchEntry
    from opensales.search.registry import register_search
    from tests.scopeapp.models import Account

    register_search(
        Account,
        key="accounts",
        title="name",
        person_name_fields=["name"],
        phone_fields=[lambda account: phone_of(account.pk)],
        url=lambda entry: f"/accounts/{entry.object_id}/",
        order=10,
    )
    rng = random.Random(args.seed)
    User = get_user_model()
    n = args.entries
    version = connection.Database.sqlite_version if connection.vendor == "sqlite" else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    print(f"{connection.vendor} {version}; python {platform.python_version()}; {os.cpu_count()} cpus")

    if Account.objects.unscoped(reason="bench").count() < n:
        started = time.perf_counter()
        seed_org(DemoContext(size="large", scale=100, rng=random.Random(args.seed), log=lambda m: None))
        print(f"demo company: {User.objects.count()} users in {time.perf_counter() - started:.1f}s")
        reps = list(User.objects.filter(roles__code="sales_rep"))
        started = time.perf_counter()
        with transaction.atomic():
            Account.objects.bulk_create(
                (
                    Account(
                        name=_name(rng, SURNAMES, GIVEN),
                        owner=rng.choice(reps),
                        in_pool=rng.random() < 0.05,
                    )
                    for _ in range(n)
                ),
                batch_size=5_000,
            )
        print(f"created {n} records in {time.perf_counter() - started:.1f}s (bulk, no signals)")
        started = time.perf_counter()
        counts = reindex()
        elapsed = time.perf_counter() - started
        total = sum(counts.values())
        print(f"reindex: {total} entries in {elapsed:.1f}s ({total / elapsed:.0f} entries/s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE") if connection.get_autocommit() else cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
    tokens = SearchEntry.objects.values_list("tokens", flat=True)
    print(f"tokens per entry: {statistics.mean(len(t.split()) for t in tokens.iterator()):.1f} on average")
    names = dict(Account.objects.unscoped(reason="bench").values_list("pk", "name"))
    measure(args, rng, names)


def measure(args: argparse.Namespace, rng: random.Random, names: dict[int, str]) -> None:
    from django.contrib.auth import get_user_model

    from opensales.core.scope import grants_for
    from opensales.search.selectors import search
    from opensales.search.surnames import split_surname
    from opensales.search.tokens import person_name_tokens, syllables

    ids = list(names)

    def a_name() -> str:
        return names[rng.choice(ids)]

    def initials() -> str:
        name = a_name()
        surname, surname_syllables = split_surname(name)
        return "".join(
            s[0] for s in (surname_syllables or syllables(surname)) + syllables(name[len(surname) :])
        )

    def full_pinyin() -> str:
        return max((t for t in person_name_tokens(a_name()) if t.isascii()), key=len)

    kinds = {
        "2-char name (张伟)": lambda: a_name()[:2],
        "1 char (张)": lambda: a_name()[0],
        "initials (zw)": initials,
        "full pinyin (zhangwei)": full_pinyin,
        "pinyin prefix (zhangw)": lambda: full_pinyin()[:6],
        "phone, last 4 digits": lambda: phone_of(rng.choice(ids))[-4:],
        "phone, whole number": lambda: phone_of(rng.choice(ids)),
        "2 letters (zh), broad": lambda: rng.choice(["zh", "li", "wa", "ch", "ya", "hu"]),
    }
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["director", "manager_east", "rep_sh1"])
    }
    personas = {
        "director (all)": users["director"],
        "manager_east (region)": users["manager_east"],
        "rep_sh1 (own + pool)": users["rep_sh1"],
    }
    for user in personas.values():
        grants_for(user)
        search(user, "warm up")
    print()
    print(f"{'query':26} {'persona':24} {'p50 ms':>7} {'p95 ms':>7} {'hits p50':>9}")
    for kind, make in kinds.items():
        for persona, user in personas.items():
            timings, hits = [], []
            for _ in range(args.runs):
                query = make()
                started = time.perf_counter()
                result = search(user, query, limit=5)
                timings.append((time.perf_counter() - started) * 1000)
                hits.append(result.total)
            print(
                f"{kind:26} {persona:24} {percentile(timings, 50):7.1f} {percentile(timings, 95):7.1f} "
                f"{percentile(hits, 50):9.0f}"
            )


def _name(rng: random.Random, surnames: str, given: str) -> str:
    return rng.choice(surnames) + rng.choice(given) + (rng.choice(given) if rng.random() < 0.7 else "")


if __name__ == "__main__":
    main()
