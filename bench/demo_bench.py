"""Benchmark ``arrears demo``: generate and load N debtors into a fresh database, K times.

    .venv/bin/python bench/demo_bench.py [--debtors 100000] [--runs 3] [--backends sqlite,postgres]

Each run migrates a fresh database (SQLite: var/bench/demo.sqlite3; PostgreSQL: ``arrears_bench_demo``
on ``BENCH_POSTGRES`` (default postgres://postgres@127.0.0.1:5432), dropped and recreated), then
times the ``arrears demo`` process from start to exit, as a user would see it. Prints seconds and
debtors/s per run and the median.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
ARREARS = Path(sys.executable).parent / "arrears"
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
BENCH_DB = "arrears_bench_demo"
SQLITE_FILE = VAR / "demo.sqlite3"


def fresh_database(backend: str) -> str:
    """Return the DATABASE_URL of an empty database for ``backend``."""
    if backend == "sqlite":
        VAR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_FILE}"
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")
    return f"{POSTGRES}/{BENCH_DB}"


def run_once(backend: str, debtors: int, seed: int) -> float:
    """Migrate a fresh database, then return the wall-clock seconds of one ``arrears demo`` run."""
    env = {**os.environ, "ARREARS_DEV": "1", "DATABASE_URL": fresh_database(backend)}
    subprocess.run([str(ARREARS), "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
    command = [str(ARREARS), "demo", "--debtors", str(debtors), "--seed", str(seed), "--as-of", "2026-03-31"]
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--backends", default="sqlite", help="comma-separated: sqlite,postgres")
    options = parser.parse_args()
    print(f"arrears demo --debtors {options.debtors} on {platform.node()}: {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {platform.platform()}")  # fmt: skip
    for backend in options.backends.split(","):
        seconds = []
        for run in range(1, options.runs + 1):
            elapsed = run_once(backend, options.debtors, options.seed)
            seconds.append(elapsed)
            print(f"{backend} run {run}: {elapsed:.1f} s, {options.debtors / elapsed:,.0f} debtors/s")
        median = statistics.median(seconds)
        print(
            f"{backend} median of {len(seconds)}: {median:.1f} s, {options.debtors / median:,.0f} debtors/s"
        )


if __name__ == "__main__":
    main()
