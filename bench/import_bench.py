"""Benchmark the debts import end to end (read + validate + encrypt + load) on SQLite and PostgreSQL.

    .venv/bin/python bench/import_bench.py [--rows 1000000] [--runs 3] [--backends sqlite,postgres]

The file is generated once and cached under var/bench/. Each run imports it into a fresh,
migrated database (SQLite: var/bench/bench.sqlite3; PostgreSQL: ``arrears_import_bench`` (``BENCH_DATABASE``) on
``BENCH_POSTGRES`` (default postgres://postgres@127.0.0.1:5432), dropped and recreated), in a child
process so each backend gets its own settings. Prints rows/s per run and the median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = os.environ.get("BENCH_DATABASE", "arrears_import_bench")

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "重庆", "西安"]
REGIONS = ["CN-11", "CN-31", "CN-44", "CN-44", "CN-33", "CN-51", "CN-42", "CN-32", "CN-50", "CN-61"]
PRODUCTS = ["credit_card", "credit_card", "credit_card", "consumer_loan", "consumer_loan", "auto_loan",
            "mortgage", "telecom", "utility", "sme_loan"]  # fmt: skip


def generate(rows: int, path: Path) -> None:
    """Write a realistic debts CSV of ``rows`` rows: persons and companies, 1-2 debts each, contacts."""
    import polars as pl

    def draw(salt: int, modulo: int, column: str = "i") -> pl.Expr:
        return ((pl.col(column) + salt * 7919) * 2654435761 % 4294967296) % modulo

    def pick(values: list[str], salt: int, column: str = "i") -> pl.Expr:
        return pl.lit(pl.Series(values)).gather(draw(salt, len(values), column))

    def maybe(expression: pl.Expr, salt: int, percent: int) -> pl.Expr:
        return pl.when(draw(salt, 100) < percent).then(expression)

    def amount(salt: int, cents: int, floor: int) -> pl.Expr:
        value = draw(salt, cents) + floor
        return pl.format("{}.{}", value // 100, (value % 100).cast(pl.String).str.zfill(2))

    base = pl.DataFrame({"i": pl.int_range(0, rows, eager=True)}).with_columns(debtor=pl.col("i") * 6 // 7)
    contract = pl.date(2022, 1, 1) + pl.duration(days=draw(3, 900))
    is_company = (pl.col("debtor") % 10) == 0
    frame = base.select(
        debt_ref=pl.format("L{}", pl.col("i").cast(pl.String).str.zfill(8)),
        debtor_ref=pl.format("C{}", pl.col("debtor").cast(pl.String).str.zfill(8)),
        debtor_type=pl.when(is_company).then(pl.lit("company")).otherwise(pl.lit("person")),
        debtor_name=pl.when(is_company)
        .then(pl.format("{}{}贸易有限公司", pick(CITIES, 0, "debtor"), pl.col("debtor")))
        .otherwise(pl.concat_str([pick(SURNAMES, 0, "debtor"), pick(GIVEN, 1, "debtor")])),
        product=pick(PRODUCTS, 2),
        currency=pl.when(draw(4, 50) == 0).then(pl.lit("USD")).otherwise(pl.lit("CNY")),
        principal=amount(5, 5_000_000, 10_000),
        contract_date=contract.dt.to_string("%Y-%m-%d"),
        due_date=(contract + pl.duration(days=draw(6, 335) + 30)).dt.to_string("%Y-%m-%d"),
        national_id=pl.when(~is_company).then(
            pl.format(
                "1101011{}{}",
                (draw(7, 40) + 960).cast(pl.String),
                pl.col("debtor").cast(pl.String).str.zfill(8),
            )
        ),
        birth_date=pl.when(~is_company).then(
            (pl.date(1960, 1, 1) + pl.duration(days=draw(8, 14000))).dt.to_string("%Y-%m-%d")
        ),
        language=pl.when(draw(9, 20) == 0).then(pl.lit("en")).otherwise(pl.lit("zh-hans")),
        region=pick(REGIONS, 10),
        phone=pl.format("13{}", (pl.col("debtor") * 7 + 100_000_000).cast(pl.String)),
        phone2=maybe(pl.format("+86 159 {}", (draw(11, 90_000_000) + 10_000_000).cast(pl.String)), 12, 30),
        email=maybe(pl.format("user{}@example.com", pl.col("debtor")), 13, 50),
        address=maybe(
            pl.format("{}市{}区{}路{}号", pick(CITIES, 14), draw(15, 20), draw(16, 300), draw(17, 999)),
            18,
            70,
        ),
        interest_rate=pl.lit("18.25"),
        penalty_rate=pl.lit("24"),
        interest=maybe(amount(19, 200_000, 100), 20, 70),
        penalty=maybe(amount(21, 50_000, 100), 22, 50),
        fee=maybe(amount(23, 10_000, 100), 24, 30),
        instalments=pl.when(draw(25, 100) < 10).then(pl.lit("12")).when(draw(25, 100) < 15).then(pl.lit("6")),
        status=pl.lit("open"),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)


def cached_file(rows: int) -> Path:
    """Return the benchmark file of ``rows`` rows, generating it the first time."""
    path = VAR / f"debts-{rows}.csv"
    if not path.exists():
        started = time.perf_counter()
        generate(rows, path)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s")
    return path


def fresh_database(backend: str) -> dict[str, str]:
    """Create an empty migrated database for ``backend``; return the child environment."""
    env = {
        **os.environ,
        "ARREARS_DEV": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ARREARS_VAR_DIR": str(VAR),
    }
    if backend == "sqlite":
        target = VAR / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{target}"
    else:
        for sql in (f"DROP DATABASE IF EXISTS {BENCH_DB}", f"CREATE DATABASE {BENCH_DB}"):
            subprocess.run(["psql", f"{POSTGRES}/postgres", "-q", "-c", sql], check=True)
        env["DATABASE_URL"] = f"{POSTGRES}/{BENCH_DB}"
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    return env


def run_once(
    backend: str, path: Path, profile: Path | None = None, verbose: bool = False
) -> dict[str, float]:
    """Import ``path`` into a fresh ``backend`` database in a child process; return its figures."""
    env = fresh_database(backend)
    if profile:
        env["BENCH_PROFILE"] = str(profile)
    if verbose:
        env["BENCH_VERBOSE"] = "1"
    child = subprocess.run(
        [PYTHON, __file__, "--child", str(path)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def child(path: Path) -> None:
    """Import ``path`` (inside the child process) and print the figures as JSON."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging
    from datetime import UTC, datetime

    if os.environ.get("BENCH_VERBOSE"):
        phases = logging.getLogger("arrears.portfolio.imports")
        phases.setLevel(logging.DEBUG)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("    %(relativeCreated)7.0f ms  %(message)s"))
        phases.addHandler(handler)
        phases.propagate = False

    from arrears.portfolio.imports import import_debts
    from arrears.portfolio.models import Portfolio

    portfolio = Portfolio.objects.create(
        code="bench", name="Bench", creditor_name="Bench Bank", country="CN", default_currency="CNY",
        created_at=datetime.now(UTC),
    )  # fmt: skip
    profile = os.environ.get("BENCH_PROFILE")
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    result = import_debts(
        portfolio=portfolio, source=path, file_name=path.name, actor=None, now=datetime.now(UTC)
    )
    seconds = time.perf_counter() - started
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    print(json.dumps({"rows": result.total, "accepted": result.accepted, "seconds": seconds}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--profile", action="store_true", help="write cProfile stats to var/bench/")
    parser.add_argument("--verbose", action="store_true", help="print the time of each phase")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    path = cached_file(args.rows)
    for backend in args.backends.split(","):
        rates = []
        for run in range(1, args.runs + 1):
            profile = VAR / f"import-{backend}-{args.rows}-{run}.prof" if args.profile else None
            figures = run_once(backend, path, profile, args.verbose)
            rate = figures["accepted"] / figures["seconds"]
            rates.append(rate)
            print(
                f"{backend:8} run {run}: {figures['accepted']:,.0f} rows in {figures['seconds']:.2f} s = {rate:,.0f} rows/s"
            )
        print(f"{backend:8} median of {len(rates)}: {statistics.median(rates):,.0f} rows/s")


if __name__ == "__main__":
    main()
