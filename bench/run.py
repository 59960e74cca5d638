"""The benchmark suite (`make bench`; bench/README.md): a production-like server on each database, the
figures of issue #6, one line per figure, all results as JSON in var/bench/.

    .venv/bin/python bench/run.py --size large --db sqlite,postgres        # what `make bench` runs
    .venv/bin/python bench/run.py --size small --db sqlite --parts 1,5     # a quick look

Per database: load the data set once (`manage.py demo --size SIZE`, skipped when its marker exists;
--rebuild reloads), collect the static files, start gunicorn (2 workers, bench.settings: production with
DEBUG off and whitenoise, on 127.0.0.1 and a free port), then the parts:

1 latency   30 sequential requests per page after a warm-up; p50/p95 of the `Server-Timing: app;dur`
            header (time inside Django) and of the client's wall time
2 throughput  4 client processes with keep-alive, a fixed duration per page: requests/s
3 mixed     locust, headless, N users doing a rep's day, a fixed duration (bench/locustfile.py)
4 import    bench/import_bench.py (the importer's own benchmark), its `import.rows_per_s` lines
5 queries   SQL queries per measured page at this size and at the small size: "flat", "fewer" or
            "grows"
6 memory    RSS of each gunicorn worker after the load (/proc)
"""

# ruff: noqa: S603, S607  (runs the project's own tools: manage.py, gunicorn, locust, scripts/)
from __future__ import annotations

import argparse
import datetime
import http.client
import json
import multiprocessing
import os
import platform
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
PY = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "opensales-demo"
# Targets of issue #6 (ms of server time, p95).
PAGE_TARGET, SEARCH_TARGET, API_RPS_TARGET, MIXED_TARGET = 60, 50, 400, 200

RESULTS: dict = {}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def emit(line: str, key: tuple, value: dict) -> None:
    print(line, flush=True)
    node = RESULTS
    for part in key[:-1]:
        node = node.setdefault(part, {})
    node[key[-1]] = value


# --- the database and the server ------------------------------------------------------------------


def env_for(db: str, size: str) -> dict[str, str]:
    env = {
        **os.environ,
        "OPENSALES_VAR_DIR": str(BENCH_VAR),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONPATH": str(ROOT),
    }
    if db == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{BENCH_VAR / f'sqlite-{size}.sqlite3'}"
    else:
        url = subprocess.run(
            ["bash", "scripts/bench-postgres.sh", "url", f"opensales_{size}"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        env["DATABASE_URL"] = url
    return env


def ensure_data(db: str, size: str, rebuild: bool, counts: list[str]) -> None:
    marker = BENCH_VAR / f"{db}-{size}.loaded"
    if marker.exists() and not rebuild:
        print(f"# data: {db} {size} already loaded ({marker.name}); --rebuild to reload", flush=True)
        # The schema may have moved on since the load (new indexes; their statistics: core/planner.py).
        subprocess.run(
            [PY, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env_for(db, size), check=True
        )
        return
    marker.unlink(missing_ok=True)
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (BENCH_VAR / f"sqlite-{size}.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        subprocess.run(
            ["bash", "scripts/bench-postgres.sh", "drop", f"opensales_{size}"], cwd=ROOT, check=True
        )
    env = env_for(db, size)
    started = time.perf_counter()
    subprocess.run([PY, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    extra = [a for c in counts for a in ("--count", c)]
    subprocess.run([PY, "manage.py", "demo", "--size", size, *extra], cwd=ROOT, env=env, check=True)
    elapsed = time.perf_counter() - started
    marker.write_text(json.dumps({"loaded": datetime.datetime.now().isoformat(), "seconds": elapsed}))
    emit(f"data.load {db} {size} {elapsed:.0f}s", (db, "data_load_s"), {"seconds": elapsed})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    subprocess.run([PY, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    log = open(BENCH_VAR / "gunicorn.log", "a")  # noqa: SIM115 (open for the server's lifetime)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "opensales.wsgi:application",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--keep-alive=30",
            "--access-logfile=-" if os.environ.get("BENCH_ACCESS_LOG") else "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit(f"gunicorn did not answer on port {port}; see {BENCH_VAR / 'gunicorn.log'}")


class Browser:
    """One signed-in user over one keep-alive connection: cookies, CSRF, Server-Timing."""

    def __init__(self, port: int, username: str | None = None, token: str | None = None):
        self.port, self.token = port, token
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        if username:
            self.login(username)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        started = time.perf_counter()
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        wall = (time.perf_counter() - started) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        timing = re.search(r"app;dur=([\d.]+)", response.getheader("Server-Timing") or "")
        return response.status, data, (float(timing.group(1)) if timing else wall), wall

    def csrf(self, path: str) -> str:
        _status, data, _, _ = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        return match.group(1).decode() if match else ""

    def post_form(self, path: str, fields: dict, referer_path: str | None = None):
        token = self.csrf(referer_path or path)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        return self.request(
            "POST",
            path,
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}{referer_path or path}",
            },
        )

    def login(self, username: str) -> None:
        status, _, _, _ = self.post_form("/accounts/login/", {"username": username, "password": PASSWORD})
        if status != 302:
            sys.exit(f"could not sign in as {username} (HTTP {status})")


# --- part 1: latency ------------------------------------------------------------------------------


def deep_page(browser: Browser, path: str, hops: int = 20) -> str:
    """A page far down the list: the last numbered page, or `hops` keyset cursors down."""
    _, data, _, _ = browser.request("GET", path)
    pages = [int(n) for n in re.findall(rb"[?&]page=(\d+)", data)]
    if pages:
        return f"{path}{'&' if '?' in path else '?'}page={max(pages)}"
    current = path
    for _ in range(hops):
        match = re.search(rb'href="(\?[^"]*after=[^"]+)"', data)
        if not match:
            break
        current = path.split("?")[0] + match.group(1).decode().replace("&amp;", "&")
        _, data, _, _ = browser.request("GET", current)
    return current


def measure(browser: Browser, method: str, path, runs: int, warmup: int, body=None) -> dict:
    server, wall, errors = [], [], 0
    for i in range(warmup + runs):
        if callable(path):
            status, _, app, total = path()
        elif body is not None:
            status, _, app, total = browser.request(method, path, *body())
        else:
            status, _, app, total = browser.request(method, path)
        if i >= warmup:
            server.append(app)
            wall.append(total)
            errors += status >= 400
    return {
        "p50": percentile(server, 50),
        "p95": percentile(server, 95),
        "wall_p50": percentile(wall, 50),
        "wall_p95": percentile(wall, 95),
        "errors": errors,
        "n": runs,
    }


def latency_pages(pick: dict) -> list[tuple[str, str, str, str]]:
    """(figure, persona, path, kind) — kind "page", "search" or "api"; the query-count part reuses it."""
    users, terms = pick["users"], pick["terms"]
    pages = []
    for persona in ("rep_top", "manager", "director"):
        pages += [
            ("customers.list", persona, "/customers/", "page"),
            (
                "customers.list.filtered_sorted",
                persona,
                "/customers/?grade=A&sort=-last_follow_up",
                "page",
            ),
            ("customers.list.deep", persona, "DEEP:/customers/", "page"),
            ("opportunities.list", persona, "/deals/opportunities/", "page"),
            ("opportunities.board", persona, "/deals/board/", "page"),
            ("home", persona, "/", "page"),
        ]
    for kind, term in terms.items():
        q = urllib.parse.quote(term)
        for persona in ("rep_top", "director"):
            pages.append((f"search.global.{kind}", persona, f"/search/?q={q}", "search"))
            pages.append((f"search.list.{kind}", persona, f"/customers/?q={q}", "search"))
    pages += [
        ("customer.360", "director", f"/customers/{pick['customer_360']}/", "page"),
        ("follow_ups.calendar_month", "rep_top", "/activities/calendar/?view=month", "page"),
        ("follow_ups.calendar_month", "manager", "/activities/calendar/?view=month", "page"),
        ("api.customers.list50", "rep_top", "/api/v1/customers?limit=50", "api"),
        ("api.customers.list50", "director", "/api/v1/customers?limit=50", "api"),
        ("api.customers.detail", "director", f"/api/v1/customers/{pick['api_customer']}", "api"),
    ]
    del users
    return pages


def part_latency(db: str, port: int, pick: dict, args) -> None:
    browsers = {p: Browser(port, u) for p, u in pick["users"].items() if p != "rep"}
    api = {p: Browser(port, token=t) for p, t in pick["tokens"].items()}
    for figure, persona, path, kind in latency_pages(pick):
        browser = api[persona] if kind == "api" else browsers[persona]
        if path.startswith("DEEP:"):
            path = deep_page(browser, path[5:])
        result = measure(browser, "GET", path, args.runs, args.warmup)
        report_latency(
            db, figure, pick["users"][persona], result, SEARCH_TARGET if kind == "search" else PAGE_TARGET
        )
        result["path"] = path

    # Creating a customer: through the API (JSON) and through the form, a unique name each time.
    rep = pick["users"]["rep_top"]

    def api_body():
        name = f"基准测试客户{uuid.uuid4().hex[:10]}"
        return json.dumps({"name": name}).encode(), {"Content-Type": "application/json"}

    def api_create():
        status, *rest = api["rep_top"].request("POST", "/api/v1/customers", *api_body())
        return (status if status in (200, 201) else max(status, 400), *rest)

    result = measure(api["rep_top"], "POST", api_create, args.runs, args.warmup)
    report_latency(db, "customers.create.api", rep, result, PAGE_TARGET)

    form = browsers["rep_top"]

    def post_form():
        fields = {
            "name": f"基准表单客户{uuid.uuid4().hex[:10]}",
            "kind": "company",
            "confirm_duplicates": "on",
        }
        fields.update(CREATE_DEFAULTS)
        token = CSRF_CACHE.setdefault("t", form.csrf("/customers/new/"))
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        status, *rest = form.request(
            "POST",
            "/customers/new/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{port}/customers/new/",
            },
        )
        # A form answers 200 when it shows errors: only a redirect means a customer was created.
        return (status if status != 200 else 422, *rest)

    result = measure(form, "POST", post_form, args.runs, args.warmup)
    report_latency(db, "customers.create.form", rep, result, PAGE_TARGET)

    # Signing in, each time in a new browser: Argon2 is slow on purpose, so no page target (the mixed
    # load of part 3 starts its figures once its users have signed in).
    def sign_in():
        browser = Browser(port)
        token = browser.csrf("/accounts/login/")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": rep, "password": PASSWORD})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        }
        status, *rest = browser.request("POST", "/accounts/login/", body.encode(), headers)
        browser.conn.close()
        return (status if status != 302 else 200, *rest)

    result = measure(form, "POST", sign_in, args.runs, args.warmup)
    report_latency(db, "accounts.sign_in", rep, result, None)


CSRF_CACHE: dict[str, str] = {}
CREATE_DEFAULTS: dict[str, str] = {}


def report_latency(db: str, figure: str, user: str, r: dict, target: float | None) -> None:
    if target is None:  # reported, no target
        verdict = "MISS" if r["errors"] else "-"
    else:
        verdict = "ok" if r["p95"] <= target and not r["errors"] else "MISS"
    errors = f" errors={r['errors']}" if r["errors"] else ""
    emit(
        f"latency {figure} {user} {db} p50={r['p50']:.1f}ms p95={r['p95']:.1f}ms "
        f"wall_p50={r['wall_p50']:.1f}ms wall_p95={r['wall_p95']:.1f}ms target<={'-' if target is None else target} {verdict}{errors}",
        (db, "latency", f"{figure} {user}"),
        {**r, "target": target, "verdict": verdict},
    )


# --- part 2: throughput ---------------------------------------------------------------------------


def _client(args: tuple) -> tuple[int, int, list[float]]:
    port, path, cookies, token, seconds = args
    browser = Browser(port, token=token)
    browser.cookies = dict(cookies)
    done = errors = 0
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        status, _, app, _ = browser.request("GET", path)
        done += 1
        errors += status >= 400
        times.append(app)
    return done, errors, times


def part_throughput(db: str, port: int, pick: dict, args) -> None:
    director = Browser(port, pick["users"]["director"])
    cases = [
        (
            "api.customers.list50",
            "/api/v1/customers?limit=50",
            {},
            pick["tokens"]["director"],
            API_RPS_TARGET if db == "sqlite" else None,  # the target of issue #6 is SQLite's
        ),
        ("customers.list", "/customers/", director.cookies, None, None),
    ]
    for figure, path, cookies, token, target in cases:
        with multiprocessing.Pool(args.clients) as pool:
            started = time.perf_counter()
            parts = pool.map(_client, [(port, path, cookies, token, args.seconds)] * args.clients)
            elapsed = time.perf_counter() - started
        done = sum(p[0] for p in parts)
        errors = sum(p[1] for p in parts)
        rps = done / elapsed
        times = [t for p in parts for t in p[2]]
        verdict = (
            "" if target is None else f" target>={target} {'ok' if rps >= target and not errors else 'MISS'}"
        )
        emit(
            f"throughput {figure} director {db} clients={args.clients} {rps:.0f}req/s "
            f"p95={percentile(times, 95):.1f}ms errors={errors}{verdict}",
            (db, "throughput", figure),
            {
                "rps": rps,
                "requests": done,
                "errors": errors,
                "seconds": elapsed,
                "clients": args.clients,
                "p95": percentile(times, 95),
                "target": target,
            },
        )


# --- part 3: locust -------------------------------------------------------------------------------


def part_mixed(db: str, port: int, pick_file: Path, args) -> None:
    stats_prefix = BENCH_VAR / f"locust-{db}"
    env = {**os.environ, "BENCH_PICK": str(pick_file)}
    command = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f", str(ROOT / "bench" / "locustfile.py"),
        "--headless", "--host", f"http://127.0.0.1:{port}",
        "-u", str(args.users), "-r", str(max(1, args.users // 10)),
        "--run-time", args.mixed_time, "--csv", str(stats_prefix), "--only-summary", "--loglevel", "WARNING",
        "--stop-timeout", "10",
        # Steady state: the figures start once the 50 users are in (their sign-ins, Argon2 on purpose
        # slow, stall the server for the first ~20 s; part 1 reports sign-in apart: accounts.sign_in).
        "--reset-stats",
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=not args.verbose)
    import csv

    total_errors = 0
    with open(f"{stats_prefix}_stats.csv") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                continue
            if row["Name"].startswith("sign in"):
                # Once per simulated user, with Argon2 on purpose slow: reported, not a rep's action.
                emit(
                    f"mixed.setup {row['Name'].replace(' ', '_')} {db} n={row['Request Count']} "
                    f"p50={float(row['50%']):.0f}ms errors={row['Failure Count']}",
                    (db, "mixed_setup", row["Name"]),
                    {"p50": float(row["50%"]), "errors": int(row["Failure Count"])},
                )
                total_errors += int(row["Failure Count"])
                continue
            errors = int(row["Failure Count"])
            total_errors += errors
            p50, p95 = float(row["50%"]), float(row["95%"])
            verdict = "ok" if p95 <= MIXED_TARGET and not errors else "MISS"
            emit(
                f"mixed {row['Name']} {db} users={args.users} n={row['Request Count']} p50={p50:.0f}ms "
                f"p95={p95:.0f}ms errors={errors} target<={MIXED_TARGET} {verdict}",
                (db, "mixed", row["Name"]),
                {"p50": p50, "p95": p95, "n": int(row["Request Count"]), "errors": errors,
                 "rps": float(row["Requests/s"]), "target": MIXED_TARGET, "verdict": verdict},
            )  # fmt: skip
    emit(
        f"mixed errors {db} {total_errors} {'ok' if not total_errors else 'MISS'}",
        (db, "mixed_errors"),
        {"errors": total_errors},
    )


# --- part 4: import -------------------------------------------------------------------------------


def part_import(db: str, env: dict[str, str], args) -> None:
    script = ROOT / "bench" / "import_bench.py"
    if not script.exists():
        emit(f"import.rows_per_s {db} skipped (no bench/import_bench.py)", (db, "import"), {"skipped": True})
        return
    command = [PY, str(script), *args.import_args.split()]
    # It makes its own test database (opensales.settings.test): on SQLite a temporary file, on
    # PostgreSQL test_<name> in the bench cluster. The bench data set is not touched.
    env = {k: v for k, v in env.items() if k not in ("DJANGO_SETTINGS_MODULE", "OPENSALES_VAR_DIR")}
    if db == "sqlite":
        env.pop("DATABASE_URL", None)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("import.rows_per_s")]
    if done.returncode or not lines:
        print(done.stdout[-2000:], done.stderr[-2000:], sep="\n")
        emit(f"import.rows_per_s {db} FAILED (exit {done.returncode})", (db, "import"), {"failed": True})
        return
    for line in lines:
        parts = line.split()
        rate = float(parts[-1])
        verdict = "ok" if rate >= 10_000 else "MISS"
        emit(
            f"{line} target>=10000 {verdict}",
            (db, "import", parts[1] if len(parts) > 2 else db),
            {"rows_per_s": rate},
        )


# --- part 5: query counts -------------------------------------------------------------------------


def query_counts(env: dict[str, str], pick: dict, out: Path) -> dict:
    pages = []
    for figure, persona, path, kind in latency_pages(pick):
        if path.startswith("DEEP:"):
            continue  # the cursor differs between data sets; page 1 has the same shape
        pages.append(
            {
                "key": f"{figure} {persona}",
                "user": pick["users"][persona],
                "path": path,
                "token": pick["tokens"][persona] if kind == "api" else None,
            }
        )
    pages_file = out.with_suffix(".pages.json")
    pages_file.write_text(json.dumps(pages))
    subprocess.run(
        [PY, "bench/probe.py", "queries", str(pages_file), str(out)], cwd=ROOT, env=env, check=True
    )
    return json.loads(out.read_text())


def part_queries(db: str, env: dict[str, str], pick: dict, args) -> None:
    here = query_counts(env, pick, BENCH_VAR / f"queries-{db}-{args.size}.json")
    base_size = "small" if args.size != "small" else None
    base: dict = {}
    if base_size:
        ensure_data(db, base_size, False, [])
        base_env = env_for(db, base_size)
        base_pick_file = BENCH_VAR / f"pick-{db}-{base_size}.json"
        subprocess.run(
            [PY, "bench/probe.py", "pick", str(base_pick_file)], cwd=ROOT, env=base_env, check=True
        )
        base = query_counts(
            base_env, json.loads(base_pick_file.read_text()), BENCH_VAR / f"queries-{db}-{base_size}.json"
        )
    for key, value in here.items():
        n = value["queries"]
        if base_size and key.split(" ")[0] in {k.split(" ")[0] for k in base}:
            # Personas are roles (rep_top, manager, director): the same key at both sizes.
            small = base.get(key, {}).get("queries")
            # Fewer at the large size is not growth: the API list's count stops at a row past the
            # cap there (one query) where the small list is counted (two).
            verdict = "flat" if small == n else "fewer" if small is not None and n < small else "grows"
            line = f"queries {key} {db} {args.size}={n} small={small} {verdict}"
        else:
            verdict = "flat (one size only)"
            line = f"queries {key} {db} {args.size}={n}"
        emit(
            line,
            (db, "queries", key),
            {
                "queries": n,
                "small": base.get(key, {}).get("queries"),
                "verdict": verdict,
                "status": value["status"],
            },
        )


# --- part 6: memory -------------------------------------------------------------------------------


def part_memory(db: str, server: subprocess.Popen) -> None:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    for n, pid in enumerate(children, 1):
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        emit(f"memory worker{n} {db} rss={rss:.0f}MB", (db, "memory", f"worker{n}"), {"rss_mb": rss})


# --- the machine ----------------------------------------------------------------------------------


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
    release = re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text())
    os_name = release.group(1) if release else platform.platform()
    import sqlite3

    info = {
        "cpu": f"{cpu} ({os.cpu_count()} cpus)",
        "ram_gb": round(mem, 1),
        "os": os_name,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
    }
    return info


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="large", help="demo data set: small, medium, large")
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both (comma)")
    parser.add_argument("--parts", default="1,2,3,4,5,6")
    parser.add_argument("--rebuild", action="store_true", help="reload the data set even when present")
    parser.add_argument("--count", action="append", default=[], help="KIND=N, passed to `demo --count`")
    parser.add_argument("--runs", type=int, default=30, help="part 1: measured requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="part 1: requests before measuring")
    parser.add_argument("--clients", type=int, default=4, help="part 2: concurrent clients")
    parser.add_argument("--seconds", type=int, default=20, help="part 2: seconds per page")
    parser.add_argument("--users", type=int, default=50, help="part 3: locust users")
    parser.add_argument("--mixed-time", default="2m", help="part 3: locust --run-time (e.g. 90s, 3m)")
    parser.add_argument("--import-args", default="", help="part 4: arguments for bench/import_bench.py")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    parts = {int(p) for p in args.parts.split(",")}
    dbs = [d.strip() for d in args.db.replace("both", "sqlite,postgres").split(",") if d.strip()]
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    RESULTS["machine"] = machine()
    RESULTS["size"] = args.size
    if "postgres" in dbs:
        subprocess.run(["bash", "scripts/bench-postgres.sh", "start"], cwd=ROOT, check=True)
        RESULTS["machine"]["postgresql"] = subprocess.run(
            ["bash", "scripts/bench-postgres.sh", "version"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    print("# " + " · ".join(f"{k}: {v}" for k, v in RESULTS["machine"].items()), flush=True)
    started = time.perf_counter()
    for db in dbs:
        ensure_data(db, args.size, args.rebuild, args.count)
        env = env_for(db, args.size)
        pick_file = BENCH_VAR / f"pick-{db}-{args.size}.json"
        subprocess.run([PY, "bench/probe.py", "pick", str(pick_file)], cwd=ROOT, env=env, check=True)
        pick = json.loads(pick_file.read_text())
        RESULTS.setdefault(db, {})["data"] = pick["counts"]
        print(f"# {db} {args.size}: " + ", ".join(f"{k}={v}" for k, v in pick["counts"].items()), flush=True)
        server, port = start_server(env)
        try:
            if 1 in parts:
                part_latency(db, port, pick, args)
            if 2 in parts:
                part_throughput(db, port, pick, args)
            if 3 in parts:
                part_mixed(db, port, pick_file, args)
            if 6 in parts:
                part_memory(db, server)
        finally:
            server.terminate()
            server.wait(30)
        if 4 in parts:
            part_import(db, env, args)
        if 5 in parts:
            part_queries(db, env, pick, args)
    if "postgres" in dbs:
        subprocess.run(["bash", "scripts/bench-postgres.sh", "stop"], cwd=ROOT, check=False)
    RESULTS["seconds"] = time.perf_counter() - started
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = BENCH_VAR / f"results-{args.size}-{stamp}.json"
    out.write_text(json.dumps(RESULTS, ensure_ascii=False, indent=1))
    (BENCH_VAR / "results-latest.json").write_text(json.dumps(RESULTS, ensure_ascii=False, indent=1))
    print(f"# results: {out.relative_to(ROOT)} ({RESULTS['seconds']:.0f}s)")


if __name__ == "__main__":
    main()
