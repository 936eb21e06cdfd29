"""Benchmark the collector desk on PostgreSQL: queue and case page server time under simultaneous users.

    .venv/bin/python bench/desk_bench.py [--debts 1000000] [--users 20] [--seconds 60] [--keep]

Database (built once; ``--keep`` keeps it and a later ``--keep`` run reuses it when it holds
``--debts`` debts): ``arrears_deskbench`` on ``BENCH_POSTGRES`` (default
postgres://postgres@127.0.0.1:5432), filled by ``bench/cycle_bench.py``'s builder (the demo
generator's cn-consumer + cn-sme portfolios loaded with COPY, see there; imported, not changed).
Then, in a child process: ``--users`` collectors ``deskbench-01`` … with the portfolio granted and
the company and large-balance skills (no language listed: they speak every one), and one daily
cycle for the business date (default 2026-03-31) with ``ARREARS_COLLECTOR_DAILY_CAPACITY`` high, so
every debt gets a case and the cycle itself spreads the open work items evenly over the collectors.
A reused database whose collectors changed gets its open items spread again with one UPDATE.
``VACUUM ANALYZE`` afterwards.

Measuring: each simulated user is its own process (``spawn``; its own interpreter, so no GIL is
shared between users), with ``django.setup()``, a Django test ``Client`` logged in as its collector
(``force_login``) and the real database: no HTTP server, no network. After one unrecorded warm-up
round all users start together (a barrier) and repeat until ``--seconds`` have passed:

  GET /queue/  →  POST /queue/next/ (current = the last case)  →  GET the case it redirects to
  →  GET a case picked at random from the queue page's list

Server time is the wall time of each ``client.get``/``client.post`` call inside the user's process:
the whole Django request (middleware, session, view, queries, template rendering), no network. On
2 cores, 20 busy users queue for the CPU (with PostgreSQL), so that time includes waiting for a
core; the process CPU time of each request is recorded beside it, and the machine's CPU use
(``/proc/stat``), load average and the share of time some task was stalled on I/O
(``/proc/pressure/io``) over the phase are reported. A single user runs first for
comparison (``--single-seconds``). ``--think S`` adds a pause after each request (exponential, mean
S seconds; users then start staggered over 2·S) for a less-than-saturating load. ``--profile`` (or a missed goal) profiles one case page and one
queue page: the queries each makes (``CaptureQueriesContext``), the slowest with ``EXPLAIN
ANALYZE``, and the Python functions (cProfile).

The database is dropped at the end unless ``--keep``. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import cycle_bench  # noqa: E402  (the builder; this script changes nothing in it)

DATABASE = os.environ.get("DESK_BENCH_DATABASE", "arrears_deskbench")  # main() names it by --debts
CODE = cycle_bench.CODE
GOAL_MS = 150.0
PAGES = ("queue", "next", "case")
CASE_LINK = re.compile(r'/cases/(\d+)/\?from=queue"')
HOST = "localhost"


def env() -> dict[str, str]:
    return {
        **cycle_bench.child_env(DATABASE), "DESK_BENCH_DATABASE": DATABASE,
        "ARREARS_COLLECTOR_DAILY_CAPACITY": "100000000",
    }  # fmt: skip


def django_setup() -> None:
    import django

    os.environ.update(env())
    sys.path.insert(0, str(ROOT))
    django.setup()


def usernames(users: int) -> list[str]:
    return [f"deskbench-{number:02d}" for number in range(1, users + 1)]


# --- the database -------------------------------------------------------------------------------


def existing_debts() -> int | None:
    """Return the debts in the kept database, or None when it does not exist (or is not filled)."""
    import psycopg

    try:
        with psycopg.connect(f"{cycle_bench.POSTGRES}/{DATABASE}") as connection:
            row = connection.execute("SELECT COUNT(*) FROM portfolio_debt").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def build(debts: int, seed: int, day: date) -> dict[str, Any]:
    """Build the database with cycle_bench's builder (its base database is ours, under our name)."""
    cycle_bench.BASE_DB = cycle_bench.RUN_DB = DATABASE
    return cycle_bench.build_base(debts, seed, day)


def child_prepare(users: int, day: date) -> None:
    """Migrate a kept database, create the collectors, run the cycle once (or spread the open items again)."""
    django_setup()
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from arrears.casework.models import Case, WorkItem, WorkItemStatus
    from arrears.people.roles import Role
    from arrears.portfolio.models import Portfolio
    from arrears.strategy.models import CycleRun, RunStatus
    from arrears.usecases.cycle import run

    call_command("migrate", verbosity=0)  # a database kept from an earlier run follows the code
    portfolio = Portfolio.objects.get(code=CODE)
    model = get_user_model()
    collectors = []
    for name in usernames(users):
        user, _created = model.objects.get_or_create(
            username=name, defaults={"role": Role.COLLECTOR, "skills": ["companies", "large_balances"]}
        )
        user.portfolios.add(portfolio)
        collectors.append(user)
    figures: dict[str, Any] = {}
    completed = CycleRun.objects.filter(portfolio=portfolio, business_date=day, status=RunStatus.COMPLETED)
    if not completed.exists():
        now = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(cycle_bench.ZONE)) + timedelta(
            hours=6
        )
        started = time.perf_counter()
        report = run.run_cycle(portfolio=portfolio, business_date=day, now=now)
        figures["cycle_seconds"] = time.perf_counter() - started
        figures["cycle_report"] = {
            key: report.get(key)
            for key in ("accounts_evaluated", "cases_opened", "work_items_created", "work_items_assigned")
        }
    open_items = WorkItem.objects.filter(portfolio=portfolio, status=WorkItemStatus.OPEN)
    ids = [user.pk for user in collectors]
    held = set(open_items.exclude(assigned_to=None).values_list("assigned_to_id", flat=True).distinct())
    if held != set(ids):  # a reused database with other collectors: spread the items again
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE casework_workitem SET assigned_to_id = (%s::bigint[])[1 + id %% %s] "
                "WHERE portfolio_id = %s AND status = %s",
                [ids, len(ids), portfolio.pk, WorkItemStatus.OPEN],
            )
        figures["spread_again"] = True
    figures["cases"] = Case.objects.filter(portfolio=portfolio).count()
    figures["open_work_items"] = open_items.count()
    per_user = open_items.filter(assigned_to_id__in=ids).values("assigned_to_id").annotate(n=Count("pk"))
    counts = sorted(row["n"] for row in per_user.order_by())
    figures["open_items_per_user"] = [counts[0], counts[-1]] if counts else []
    print(json.dumps(figures))


def prepare(users: int, day: date) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, __file__, "--child", "prepare", "--users", str(users), "--date", day.isoformat()],
        cwd=ROOT, env=env(), check=True, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(f"{cycle_bench.POSTGRES}/{DATABASE}", autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        # The cycle's and the spreading's writes reach the disk before the desk is measured, as a
        # team's day starts hours after the nightly run; otherwise the checkpoint that follows them
        # stalls the first minutes of the measurement on this machine's disk.
        connection.execute("CHECKPOINT")
    os.sync()
    figures["vacuum_analyze_checkpoint"] = time.perf_counter() - started
    return figures


# --- the simulated users (one process each) -----------------------------------------------------


class User:
    """One collector's browser: a logged-in test client and the requests it times."""

    def __init__(self, username: str, seed: int, think: float = 0.0) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        self.client = Client(HTTP_HOST=HOST)
        self.client.force_login(get_user_model().objects.get(username=username))
        self.random = random.Random(seed)
        self.current = ""
        self.samples: list[tuple[str, float, float, int, float]] = []
        self.recording = False
        self.origin = 0.0
        self.think = think

    def timed(self, page: str, method: str, path: str, **data: Any) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        response = getattr(self.client, method)(path, data or None)
        wall, cpu_used = time.perf_counter() - started, time.process_time() - cpu
        if self.think:
            time.sleep(self.random.expovariate(1 / self.think))
        if self.recording:
            self.samples.append(
                (page, wall * 1000, cpu_used * 1000, response.status_code, started - self.origin)
            )
        return response

    def round(self) -> None:
        queue = self.timed("queue", "get", "/queue/")
        cases = CASE_LINK.findall(queue.content.decode())
        taken = self.timed("next", "post", "/queue/next/", current=self.current)
        location = taken.headers.get("Location", "")
        if taken.status_code == 302 and "/cases/" in location:
            self.timed("case", "get", location)
            self.current = location.split("/cases/")[1].split("/")[0]
        if cases:
            self.timed("case", "get", f"/cases/{self.random.choice(cases)}/?from=queue")


def user_process(username: str, seed: int, seconds: float, think: float, barrier: Any, results: Any) -> None:
    django_setup()
    user = User(username, seed)
    user.round()  # warm-up: imports, templates, connection; not recorded
    user.think = think
    barrier.wait()
    if think:  # users with think time start staggered, as they would arrive, not all at the same instant
        time.sleep(user.random.uniform(0, 2 * think))
    user.recording, user.origin = True, time.perf_counter()
    deadline = user.origin + seconds
    while time.perf_counter() < deadline:
        user.round()
    results.put((username, user.samples))


def io_stall_seconds() -> float:
    """Return the machine's total time with some task stalled on I/O (``/proc/pressure/io``), 0 when unknown."""
    try:
        first = Path("/proc/pressure/io").read_text().split("\n", 1)[0]
    except OSError:
        return 0.0
    return int(first.rsplit("total=", 1)[1]) / 1e6


def cpu_ticks() -> tuple[int, int]:
    """Return (busy, total) jiffies of all CPUs from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def run_phase(users: int, seconds: float, seed: int, think: float = 0.0) -> dict[str, Any]:
    """Run ``users`` simulated users for ``seconds``; return the samples and the machine's CPU use."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(users + 1)
    results = context.Queue()
    processes = [
        context.Process(target=user_process, args=(name, seed + number, seconds, think, barrier, results))
        for number, name in enumerate(usernames(users))
    ]
    for process in processes:
        process.start()
    barrier.wait(timeout=600)
    load_before, ticks_before, started = os.getloadavg()[0], cpu_ticks(), time.perf_counter()
    stalled_before = io_stall_seconds()
    samples: list[tuple[str, float, float, int, float]] = []
    for _ in processes:
        samples.extend(results.get(timeout=seconds + 600)[1])
    elapsed, ticks_after = time.perf_counter() - started, cpu_ticks()
    for process in processes:
        process.join()
    busy = (ticks_after[0] - ticks_before[0]) / max(1, ticks_after[1] - ticks_before[1])
    return {
        "users": users, "think": think, "seconds": elapsed, "samples": samples, "cpu_busy": busy,
        "load_average": [load_before, os.getloadavg()[0]],
        "io_stalled": (io_stall_seconds() - stalled_before) / elapsed,
    }  # fmt: skip


def summarise(phase: dict[str, Any]) -> dict[str, Any]:
    pages: dict[str, Any] = {}
    for page in PAGES:
        rows = [sample for sample in phase["samples"] if sample[0] == page]
        if not rows:
            continue
        wall = sorted(row[1] for row in rows)
        cuts = statistics.quantiles(wall, n=100, method="inclusive") if len(wall) > 1 else [wall[0]] * 99
        pages[page] = {
            "count": len(wall), "errors": sum(1 for row in rows if row[3] >= 400),
            "median_ms": statistics.median(wall), "p95_ms": cuts[94], "p99_ms": cuts[98], "max_ms": wall[-1],
            "cpu_median_ms": statistics.median(row[2] for row in rows),
            "per_second": len(wall) / phase["seconds"],
        }  # fmt: skip
    return {
        "users": phase["users"], "think_seconds": phase["think"], "seconds": round(phase["seconds"], 1), "cpu_busy": round(phase["cpu_busy"], 3),
        "load_average": [round(value, 2) for value in phase["load_average"]], "pages": pages,
        "io_stalled": round(phase["io_stalled"], 3),
    }  # fmt: skip


# --- profile: one case page and one queue page ---------------------------------------------------


def child_profile() -> None:
    """Print the queries (and the slowest ones' plans) and the Python hot spots of one case and one queue page."""
    django_setup()
    import cProfile
    import io
    import pstats
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = User(usernames(1)[0], 0)
    user.round()  # warm-up
    queue = user.client.get("/queue/")
    case_id = CASE_LINK.findall(queue.content.decode())[0]
    result: dict[str, Any] = {}
    for page, path in (("case", f"/cases/{case_id}/?from=queue"), ("queue", "/queue/")):
        user.client.get(path)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            user.client.get(path)
            wall = time.perf_counter() - started
        queries = [(float(query["time"]) * 1000, query["sql"]) for query in captured.captured_queries]
        profiler = cProfile.Profile()
        profiler.enable()
        user.client.get(path)
        profiler.disable()
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(25)
        plans = []
        for elapsed, sql in sorted(queries, reverse=True)[:4]:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plans.append({"ms": elapsed, "sql": sql, "plan": [row[0] for row in cursor.fetchall()]})
        shapes = Counter(re.sub(r"'[^']*'|\b\d+\b", "?", sql)[:150] for _elapsed, sql in queries)
        result[page] = {
            "path": path, "wall_ms": wall * 1000, "queries": len(queries),
            "repeated": [[count, shape] for shape, count in shapes.most_common() if count > 1],
            "query_ms": sum(elapsed for elapsed, _sql in queries),
            "slowest": [{"ms": elapsed, "sql": sql[:600]} for elapsed, sql in sorted(queries, reverse=True)[:8]],
            "plans": plans, "cprofile": stream.getvalue().splitlines()[:60],
        }  # fmt: skip
    print(json.dumps(result))


def profile() -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, __file__, "--child", "profile"], cwd=ROOT, env=env(), check=True,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    return json.loads(child.stdout.strip().splitlines()[-1])


def print_profile(figures: dict[str, Any]) -> None:
    for page, item in figures.items():
        print(f"\nprofile: {page} page {item['path']}: {item['wall_ms']:.0f} ms, {item['queries']} queries, "
              f"{item['query_ms']:.0f} ms in the database (client-side timing)")  # fmt: skip
        for count, shape in item["repeated"]:
            print(f"  repeated {count}×: {shape}")
        for query in item["slowest"]:
            print(f"  {query['ms']:8.1f} ms  {query['sql'][:220]}")
        for plan in item["plans"]:
            print(f"  EXPLAIN ANALYZE of the {plan['ms']:.1f} ms query:")
            for line in plan["plan"]:
                print(f"      {line}")
        print("  cProfile (own time):")
        for line in item["cprofile"]:
            if line.strip():
                print(f"    {line}")


# --- main ----------------------------------------------------------------------------------------


def print_table(label: str, summary: dict[str, Any]) -> None:
    think = f", mean think time {summary['think_seconds']} s" if summary["think_seconds"] else ""
    print(f"\n{label}: {summary['users']} user(s){think}, {summary['seconds']} s, machine CPU busy "
          f"{100 * summary['cpu_busy']:.0f} %, load average {summary['load_average'][0]} → {summary['load_average'][1]}, "
          f"some task stalled on I/O {100 * summary['io_stalled']:.0f} % of the time")  # fmt: skip
    print(
        "| page | requests | /s | median ms | p95 ms | p99 ms | max ms | CPU median ms (user process) | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for page, item in summary["pages"].items():
        print(f"| {page} | {item['count']} | {item['per_second']:.1f} | {item['median_ms']:.0f} | {item['p95_ms']:.0f} "
              f"| {item['p99_ms']:.0f} | {item['max_ms']:.0f} | {item['cpu_median_ms']:.0f} | {item['errors']} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--debts", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--single-seconds", type=float, default=20, help="the single-user run (0: none)")
    parser.add_argument(
        "--think", type=float, default=0.0,
        help="mean pause after each request in the concurrent run, seconds (exponential; 0: none)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--date", type=date.fromisoformat, default=date(2026, 3, 31), help="business date")
    parser.add_argument("--keep", action="store_true", help="keep the database; reuse it when it fits")
    parser.add_argument("--profile", action="store_true", help="profile even when the goal is met")
    parser.add_argument("--child", choices=["prepare", "profile"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "prepare":
        child_prepare(args.users, args.date)
        return
    if args.child == "profile":
        child_profile()
        return

    global DATABASE
    DATABASE = f"arrears_deskbench_{args.debts}"
    print(cycle_bench.machine())
    summary: dict[str, Any] = {
        "bench": "desk",
        "debts": args.debts,
        "users": args.users,
        "goal_p95_ms": GOAL_MS,
    }
    try:
        found = existing_debts() if args.keep else None
        if found == args.debts:
            print(f"reusing {DATABASE}: {found:,} debts")
        else:
            started = time.perf_counter()
            summary["build"] = build(args.debts, args.seed, args.date)
            print(f"build ({time.perf_counter() - started:.0f} s): {json.dumps(summary['build'])}")
        started = time.perf_counter()
        summary["prepare"] = prepare(args.users, args.date)
        print(f"prepare ({time.perf_counter() - started:.0f} s): {json.dumps(summary['prepare'])}")
        os.environ.update(env())  # the user processes inherit it
        phases = []
        if args.single_seconds > 0:
            phases.append(("single user", summarise(run_phase(1, args.single_seconds, args.seed))))
        phases.append(
            (f"{args.users} users", summarise(run_phase(args.users, args.seconds, args.seed, args.think)))
        )
        for label, result in phases:
            print_table(label, result)
        summary["single"] = phases[0][1] if len(phases) > 1 else None
        summary["concurrent"] = phases[-1][1]
        pages = summary["concurrent"]["pages"]
        summary["goal_met"] = all(
            pages[page]["p95_ms"] < GOAL_MS for page in ("queue", "case") if page in pages
        )
        print(f"\ngoal (queue and case p95 < {GOAL_MS:.0f} ms with {args.users} users): "
              f"{'met' if summary['goal_met'] else 'MISSED'}")  # fmt: skip
        if args.profile or not summary["goal_met"]:
            summary["profile"] = profile()
            print_profile(summary["profile"])
    finally:
        if not args.keep:
            cycle_bench.admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    compact = {key: value for key, value in summary.items() if key != "profile"}
    if "profile" in summary:
        compact["profile"] = {
            page: {key: item[key] for key in ("wall_ms", "queries", "query_ms")}
            for page, item in summary["profile"].items()
        }
    print(json.dumps(compact))


if __name__ == "__main__":
    main()
