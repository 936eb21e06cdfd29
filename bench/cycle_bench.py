"""Benchmark the daily cycle end to end on PostgreSQL: read snapshot → evaluate → write results.

    .venv/bin/python bench/cycle_bench.py [--accounts 1000000] [--runs 3] [--partitions 1] [--keep]
    .venv/bin/python bench/cycle_bench.py --evaluate-only 10000000 [--runs 3]

Build (timed, not part of the figures): the pure demo generator (``usecases.demo.generate``) draws the
two Chinese demo portfolios (cn-consumer and cn-sme, in their demo shares 40:15) in chunks of
25,000 debtors on two worker processes (cached as Parquet under var/bench/), merged into one
portfolio ``cyclebench`` of exactly ``--accounts`` debts. Polars turns the import-format strings into
table rows the way the import would (debtors, debts, ledger charges, payments allocated fee → penalty →
interest → principal, contact points with E.164 phones, encrypted values and lookup hashes) plus
holds (disputes, hardship reviews, opt-outs, written ceases) and a contact history, and COPYs them
into ``arrears_cyclebench_base`` (migrated, then VACUUM ANALYZE). Contact persons, hardship stories
and promises are not loaded.

Each run (``--runs``, medians reported) copies the base to ``arrears_cyclebench`` (``CREATE DATABASE …
TEMPLATE``) and, in a child process, for the business date D (first day: no case exists yet) and
then D+1 (steady state, after D's writes), measures:

(a) raw read: the four queries of ``usecases.cycle.snapshot`` (debts, ledger sums, instalments, last
    contacts) as ``COPY (…) TO STDOUT (FORMAT csv)``, every byte fetched into Python and dropped:
    no parsing, no Polars;
(b) ``read_snapshot`` (the same queries, CSV parsed into Polars, the schedule and final columns);
(c) ``evaluate_arms`` on that snapshot (only that call);
(d) end to end: ``run_cycle(portfolio, business_date, partitions)`` — with a timing breakdown of
    the functions inside ``run_partition`` (wrapped by this script, the cycle code is unchanged).

``--evaluate-only N``: a synthetic snapshot of N accounts built in Polars (no database), and
``evaluate_arms`` timed on it; memory is the process's peak resident set (``ru_maxrss``), which
counts Polars' native allocations (tracemalloc does not).

Databases on ``BENCH_POSTGRES`` (default postgres://postgres@127.0.0.1:5432); both are dropped at
the end unless ``--keep``. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
BASE_DB = "arrears_cyclebench_base"
RUN_DB = "arrears_cyclebench"
CODE = "cyclebench"
ZONE = "Asia/Shanghai"
CREDITOR = "示例消费金融有限公司"
CHUNK_DEBTORS = 25_000
DEBTS_PER_DEBTOR = 1.42  # measured mean of the cn-consumer/cn-sme mix below
ALLOCATION = ("fee", "penalty", "interest", "principal")


# --- the parent: databases and processes --------------------------------------------------------


def admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def child_env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "ARREARS_DEV": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{POSTGRES}/{database}",
    }


def run_child(database: str, *arguments: str) -> dict[str, Any]:
    """Run this script with ``arguments`` against ``database``; return the JSON of its last line."""
    child = subprocess.run(
        [PYTHON, __file__, *arguments], cwd=ROOT, env=child_env(database), check=True,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines = child.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line)
    return json.loads(lines[-1])


def build_base(accounts: int, seed: int, day: date) -> dict[str, float]:
    """Create, migrate and fill the base database; return the seconds of each build step."""
    admin(f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)", f"DROP DATABASE IF EXISTS {BASE_DB} WITH (FORCE)",
          f"CREATE DATABASE {BASE_DB}")  # fmt: skip
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=child_env(BASE_DB), check=True)
    migrate = time.perf_counter() - started
    figures = run_child(BASE_DB, "--child", "build", "--accounts", str(accounts), "--seed", str(seed),
                        "--date", day.isoformat())  # fmt: skip
    started = time.perf_counter()
    import psycopg

    with psycopg.connect(f"{POSTGRES}/{BASE_DB}", autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        connection.execute("CHECKPOINT")
        size = connection.execute("SELECT pg_database_size(current_database())").fetchone()
    return {"migrate": migrate, **figures, "vacuum_analyze": time.perf_counter() - started,
            "database_bytes": float(size[0] if size else 0)}  # fmt: skip


def fresh_copy() -> float:
    started = time.perf_counter()
    admin(f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)",
          f"CREATE DATABASE {RUN_DB} TEMPLATE {BASE_DB} STRATEGY FILE_COPY")  # fmt: skip
    return time.perf_counter() - started


# --- the build (child process) ------------------------------------------------------------------


def _chunk(args: tuple[int, int, int, date]) -> tuple[Any, Any]:
    """Generate one chunk of debtors with the pure demo generator: (debts, payments) frames of strings."""
    from dataclasses import replace

    from arrears.usecases.demo.generate import PORTFOLIOS, generate_portfolio

    number, seed, debtors, day = args
    specs = {spec.code: spec for spec in PORTFOLIOS}
    spec = specs["cn-sme"] if number % 11 in (3, 7, 10) else specs["cn-consumer"]  # 3 in 11 ≈ 15 in 55
    spec = replace(spec, ref_prefix=f"{spec.ref_prefix}{number:03d}")
    data = generate_portfolio(spec, seed=seed * 1000 + number, debtors=debtors, as_of=day)
    return data.debts, data.payments


def generated(accounts: int, seed: int, day: date) -> tuple[Any, Any, float, bool]:
    """Return (debts, payments) of exactly ``accounts`` debts, from the cache or drawn now; seconds; cached."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import polars as pl

    debts_file = VAR / f"cycle-{accounts}-{seed}-{day.isoformat()}-debts.parquet"
    payments_file = debts_file.with_name(debts_file.name.replace("-debts", "-payments"))
    started = time.perf_counter()
    if debts_file.exists() and payments_file.exists():
        return (
            pl.read_parquet(debts_file),
            pl.read_parquet(payments_file),
            time.perf_counter() - started,
            True,
        )
    chunks = int(accounts / DEBTS_PER_DEBTOR / CHUNK_DEBTORS * 1.05) + 1
    work = [(number, seed, CHUNK_DEBTORS, day) for number in range(chunks)]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        parts = list(pool.map(_chunk, work))
    debts = pl.concat([part[0] for part in parts])
    while debts.height < accounts:  # the estimate fell short: one more chunk at a time
        extra = _chunk((len(parts), seed, CHUNK_DEBTORS, day))
        parts.append(extra)
        debts = pl.concat([debts, extra[0]])
    debts = debts.head(accounts)
    payments = pl.concat([part[1] for part in parts]).filter(
        pl.col("debt_ref").is_in(debts.get_column("debt_ref").implode())
    )
    VAR.mkdir(parents=True, exist_ok=True)
    debts.write_parquet(debts_file)
    payments.write_parquet(payments_file)
    return debts, payments, time.perf_counter() - started, False


def _cents(column: str) -> Any:
    """Return a "1234.56" amount column (as the generator writes them, always two decimals) in cents."""
    import polars as pl

    return pl.col(column).str.replace(".", "", literal=True).cast(pl.Int64)


def _money(cents: Any) -> Any:
    """Return integer cents as a "-12.34" decimal string, for COPY."""
    import polars as pl

    whole = cents.abs()
    return pl.format(
        "{}{}.{}", pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit("")), whole // 100,
        (whole % 100).cast(pl.String).str.zfill(2),
    )  # fmt: skip


def draw(salt: int, modulo: int, column: str = "id") -> Any:
    """Return a deterministic pseudo-random integer in [0, modulo) per row (a multiplicative hash)."""
    import polars as pl

    return ((pl.col(column) + salt * 7919) * 2654435761 % 4294967296) % modulo


def child_build(accounts: int, seed: int, day: date) -> None:
    """Fill the (migrated) database with ``accounts`` debts; print the seconds of each step as JSON."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from zoneinfo import ZoneInfo

    import polars as pl
    from django.db import connection, transaction

    from arrears.comms.defaults import install_default_templates
    from arrears.compliance.models import CompliancePolicy, ContactEvent, Hold
    from arrears.core import crypto
    from arrears.portfolio.imports import database
    from arrears.portfolio.models import ContactPoint, Debt, Debtor, LedgerEntry, Payment, Portfolio
    from arrears.usecases.demo.compliance import OVERRIDES

    figures: dict[str, float] = {}
    debts, payments, figures["generate"], cached = generated(accounts, seed, day)
    figures["generate_cached"] = float(cached)
    started = time.perf_counter()
    now = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(ZONE)) - timedelta(hours=18)
    stamp = database.stored_datetime(now)
    portfolio = Portfolio.objects.create(
        code=CODE, name="Cycle bench (cn-consumer + cn-sme)", creditor_name=CREDITOR, country="CN",
        default_currency="CNY", time_zone=ZONE, created_at=now,
    )  # fmt: skip
    CompliancePolicy.objects.create(
        portfolio=portfolio,
        packs=["cn"],
        overrides=OVERRIDES["CN"],
        collector_entity=CREDITOR,
        updated_at=now,
    )
    install_default_templates(now=now)

    # Debtors: the first row of each debtor reference, ids 1…n in order.
    people = debts.unique("debtor_ref", keep="first", maintain_order=True).with_row_index("id", offset=1)
    people = people.with_columns(pl.col("id").cast(pl.Int64))
    national = people.get_column("national_id")
    debtor_rows = people.select(
        "id", external_ref="debtor_ref", kind="debtor_type", name="debtor_name",
        national_id=crypto.encrypt_series(national).fill_null(""),
        national_id_hash=crypto.lookup_hash_series("national_id:" + national),
        birth_date="birth_date", language="language", region=pl.col("region").fill_null(""),
        business_condition=pl.lit(""), family_situation=pl.lit(""), financial_situation=pl.lit(""),
        created_at=pl.lit(stamp), updated_at=pl.lit(stamp), portfolio_id=pl.lit(portfolio.pk),
    )  # fmt: skip
    debtor_ids = people.select("debtor_ref", debtor_id="id")
    rows = (
        debts.with_row_index("id", offset=1)
        .with_columns(pl.col("id").cast(pl.Int64))
        .join(debtor_ids, on="debtor_ref", how="left", maintain_order="left")
    )

    # Payments allocated like the import: per debt by received date, fee → penalty → interest → principal.
    owed = rows.select("id", *(_cents(name).alias(name) for name in ALLOCATION))
    refs = rows.select(debt_ref="debt_ref", debt_id="id")
    paid = (
        payments.with_row_index("row")
        .join(refs, on="debt_ref", how="inner")
        .sort("debt_id", "received_date", "row")
        .with_row_index("payment_id", offset=1)
        .with_columns(pl.col("payment_id").cast(pl.Int64), cents=_cents("amount"))
        .with_columns(cumulative=pl.col("cents").cum_sum().over("debt_id"))
        .join(owed, left_on="debt_id", right_on="id", how="left")
    )
    before, parts, total = pl.col("cumulative") - pl.col("cents"), [], pl.lit(0, pl.Int64)
    for name in ALLOCATION:
        applied = (pl.col("cumulative") - total).clip(0, None).clip(None, pl.col(name)) - (
            before - total
        ).clip(0, None).clip(None, pl.col(name))
        parts.append(applied.alias(f"part_{name}"))
        total = total + pl.col(name)
    parts.append(
        ((pl.col("cumulative") - total).clip(0, None) - (before - total).clip(0, None)).alias(
            "part_overpayment"
        )
    )
    allocated = paid.with_columns(parts)
    payment_rows = allocated.select(
        id="payment_id", external_ref="payment_ref", amount="amount", currency="currency",
        received_date="received_date", channel="channel", source=pl.lit("import"), posted_at=pl.lit(stamp),
        debt_id="debt_id", portfolio_id=pl.lit(portfolio.pk), reversal_reason=pl.lit(""),
    )  # fmt: skip
    payment_entries = (
        allocated.unpivot(
            index=["debt_id", "payment_id", "payment_ref", "received_date"],
            on=[f"part_{name}" for name in (*ALLOCATION, "overpayment")],
            variable_name="component",
            value_name="part",
        )
        .filter(pl.col("part") > 0)
        .with_columns(pl.col("component").str.strip_prefix("part_"))
        .select(
            "debt_id",
            "payment_id",
            kind=pl.lit("payment"),
            component="component",
            amount=_money(-pl.col("part")),
            effective_date="received_date",
            idempotency_key=pl.format("payment:{}:{}", "payment_ref", "component"),
        )
    )
    totals = paid.group_by("debt_id").agg(pl.col("cents").sum().alias("paid"))
    settled = (
        owed.join(totals, left_on="id", right_on="debt_id", how="inner")
        .filter(pl.col("paid") >= pl.sum_horizontal(*ALLOCATION))
        .get_column("id")
    )
    debt_rows = rows.select(
        "id", external_ref="debt_ref", product="product", currency="currency", principal="principal",
        contract_date="contract_date", due_date="due_date", interest_rate="interest_rate",
        penalty_rate="penalty_rate",
        status=pl.when(pl.col("id").is_in(settled.implode())).then(pl.lit("settled")).otherwise("status"),
        import_fingerprint=pl.lit("cyclebench"), created_at=pl.lit(stamp), updated_at=pl.lit(stamp),
        debtor_id="debtor_id", portfolio_id=pl.lit(portfolio.pk), instalment_count="instalments",
    )  # fmt: skip
    charges = (
        rows.unpivot(index=["id", "due_date"], on=["principal", "interest", "penalty", "fee"],
                     variable_name="component", value_name="amount")
        .filter(_cents("amount") > 0)
        .select(debt_id="id", payment_id=pl.lit(None, pl.Int64), kind="component", component="component",
                amount="amount", effective_date="due_date", idempotency_key=pl.format("import:{}", "component"))
    )  # fmt: skip
    ledger = (
        pl.concat([charges, payment_entries], how="vertical_relaxed")
        .sort("debt_id", "effective_date", maintain_order=True)
        .with_columns(posted_at=pl.lit(stamp), source=pl.lit("import"), note=pl.lit(""))
    )

    # Contact points: E.164 phones, lower-case e-mails, addresses; the first of each kind is primary.
    digits = pl.col("value").str.replace_all(r"\D", "")
    e164 = (
        pl.when(pl.col("value").str.starts_with("+"))
        .then(pl.lit("+") + digits)
        .otherwise(pl.lit("+86") + digits.str.strip_prefix("0"))
    )
    candidates = pl.concat(
        [
            people.select(debtor_id="id", order=pl.lit(index), kind=pl.lit(kind), value=pl.col(column),
                          region=pl.lit("CN") if kind == "phone" else pl.col("region").fill_null(""))
            for index, (kind, column) in enumerate(
                (("phone", "phone"), ("phone", "phone2"), ("email", "email"), ("address", "address"))
            )
        ]
    ).filter(pl.col("value").is_not_null())  # fmt: skip
    candidates = (
        candidates.with_columns(
            value=pl.when(pl.col("kind") == "phone")
            .then(e164)
            .when(pl.col("kind") == "email")
            .then(pl.col("value").str.strip_chars().str.to_lowercase())
            .otherwise(pl.col("value"))
        )
        .sort("debtor_id", "order")
        .unique(["debtor_id", "kind", "value"], keep="first", maintain_order=True)
        .with_row_index("id", offset=1)
        .with_columns(pl.col("id").cast(pl.Int64))
    )
    point_rows = candidates.select(
        "id", "debtor_id", "kind", value=crypto.encrypt_series(candidates.get_column("value")),
        value_hash=crypto.lookup_hash_series(candidates.get_column("kind") + ":" + candidates.get_column("value")),
        region="region", time_zones=pl.lit(f'["{ZONE}"]'),
        is_primary=pl.col("id") == pl.col("id").min().over("debtor_id", "kind"),
        verified=pl.lit(False), consent=pl.lit("{}"), opt_outs=pl.lit("{}"), do_not_contact=pl.lit(False),
        source=pl.lit("import"), created_at=pl.lit(stamp),
    )  # fmt: skip
    phones = point_rows.filter((pl.col("kind") == "phone") & pl.col("is_primary")).select(
        "debtor_id", point_id="id"
    )

    # Holds: every disputed debt, 1 % hardship reviews, 0.5 % SMS opt-outs on the phone, 0.2 % written ceases.
    def moment(days: float) -> Any:
        return pl.lit(database.stored_datetime(now + timedelta(days=days)))

    disputes = rows.filter(pl.col("status") == "disputed").select(
        "debtor_id", debt_id="id", contact_point_id=pl.lit(None, pl.Int64), type=pl.lit("dispute"),
        starts_at=moment(-3), ends_at=pl.lit(None, pl.String), reason=pl.lit("Disputes the amount (bench)"),
    )  # fmt: skip
    debtors = debtor_rows.select("id").join(phones, left_on="id", right_on="debtor_id", how="left")
    others = [
        debtors.filter(draw(salt, modulo) == 0).select(
            debtor_id="id", debt_id=pl.lit(None, pl.Int64),
            contact_point_id="point_id" if kind == "opt_out_sms" else pl.lit(None, pl.Int64),
            type=pl.lit(kind), starts_at=moment(-1), ends_at=moment(14) if kind == "hardship_review" else pl.lit(None, pl.String),
            reason=pl.lit(f"{kind} (bench)"),
        )
        for salt, modulo, kind in ((30, 100, "hardship_review"), (31, 200, "opt_out_sms"), (32, 500, "written_cease"))
    ]  # fmt: skip
    hold_rows = pl.concat([disputes, *others]).with_columns(lift_reason=pl.lit(""), created_at=pl.lit(stamp))

    # Contact history: 30 % of debtors, 1–4 events each over the 90 days before D (calls and SMS).
    outcomes = [
        "no_answer",
        "no_answer",
        "voicemail_lcm",
        "not_connected_busy",
        "conversation",
        "connected_dropped",
    ]
    with_history = debtors.filter((draw(40, 10) < 3) & pl.col("point_id").is_not_null())
    events = (
        with_history.with_columns(event=pl.int_ranges(0, draw(41, 4) + 1))
        .explode("event", empty_as_null=True)
        .with_columns(key=pl.col("id") * 8 + pl.col("event"))
        .with_columns(
            minutes=draw(42, 90 * 24 * 60, "key") + 60,
            sms=draw(43, 10, "key") < 3,
            outcome=pl.lit(pl.Series(outcomes)).gather(draw(44, len(outcomes), "key")),
        )
    )
    anchor = now + timedelta(hours=18)  # D at 00:00 local
    event_rows = events.select(
        debtor_id="id", contact_point_id="point_id",
        type=pl.when(pl.col("sms")).then(pl.lit("sms")).otherwise(pl.lit("call_outbound")),
        outcome=pl.when(pl.col("sms")).then(pl.lit("")).otherwise("outcome"), debt_ids=pl.lit("[]"),
        occurred_at=(pl.lit(anchor) - pl.duration(minutes=pl.col("minutes"))).dt.convert_time_zone("UTC"),
        by_entity=pl.lit(CREDITOR), with_consent=pl.lit(False), note=pl.lit(""), created_at=pl.lit(stamp),
    )  # fmt: skip
    figures["prepare"] = time.perf_counter() - started

    counts = {}
    started = time.perf_counter()
    with transaction.atomic():
        for model, frame in (
            (Debtor, debtor_rows), (Debt, debt_rows), (Payment, payment_rows), (LedgerEntry, ledger),
            (ContactPoint, point_rows), (Hold, hold_rows), (ContactEvent, event_rows),
        ):  # fmt: skip
            database.insert_frame(model, frame)
            counts[model._meta.db_table] = frame.height
        with connection.cursor() as cursor:
            for model in (Debtor, Debt, Payment, ContactPoint):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
                )
    figures["copy"] = time.perf_counter() - started
    print(json.dumps({**figures, "rows": counts}))


# --- measuring (child process) ------------------------------------------------------------------


class Profile:
    """Inclusive seconds per call path of the wrapped functions (``a > b``: ``b`` called inside ``a``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.stack: list[str] = []

    def wrap(self, owner: Any, name: str, label: str | None = None) -> None:
        original = getattr(owner, name)
        label = label or name

        def timed(*args: Any, **kwargs: Any) -> Any:
            self.stack.append(label)
            path = " > ".join(self.stack)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[path] += time.perf_counter() - started
                self.calls[path] += 1
                self.stack.pop()

        setattr(owner, name, timed)

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


def instrument() -> Profile:
    """Wrap the steps of ``run_cycle`` and ``run_partition`` (module attributes, looked up at call time)."""
    from django.db import connections
    from django.db.backends.utils import CursorWrapper
    from django.db.models.query import QuerySet

    from arrears.compliance import frames
    from arrears.usecases.cycle import actions, partition, run, snapshot

    profile = Profile()
    profile.wrap(run, "run_partition")
    profile.wrap(run, "_start", "run._start")
    profile.wrap(run, "_finish", "run._finish")
    for name in ("read_snapshot", "_accrue", "open_promises", "settle_promises", "evaluate_arms",
                 "_open_cases", "_record_stages", "post_penalties", "record_outcomes", "record_event"):  # fmt: skip
        profile.wrap(partition, name)
    profile.wrap(snapshot, "_read", "snapshot._read (COPY + CSV parse)")
    for name in ("plan", "check", "write", "_contact_points", "_decide", "read_case_frames", "decide_many",
                 "queue_planned", "_create_work_items", "record_planned_refusals", "find_versions"):  # fmt: skip
        profile.wrap(actions, name, f"actions.{name}" if name in ("plan", "check", "write") else name)
    profile.wrap(frames, "_read", "frames._read (COPY + CSV parse)")
    original_bulk_create = QuerySet.bulk_create
    labels: dict[type, str] = {}

    def labelled(self: QuerySet, *args: Any, **kwargs: Any) -> Any:
        label = labels.setdefault(self.model, f"bulk_create[{self.model.__name__}]")
        profile.stack.append(label)
        path = " > ".join(profile.stack)
        started = time.perf_counter()
        try:
            return original_bulk_create(self, *args, **kwargs)
        finally:
            profile.seconds[path] += time.perf_counter() - started
            profile.calls[path] += 1
            profile.stack.pop()

    QuerySet.bulk_create = labelled  # type: ignore[method-assign]
    profile.wrap(connections["default"], "commit", "COMMIT (deferred foreign-key checks)")
    profile.wrap(CursorWrapper, "executemany", "cursor.executemany")
    return profile


def raw_read(portfolio: Any, day: date, partitions: int) -> tuple[float, int]:
    """Fetch the rows of the snapshot's four queries as CSV via COPY and drop them; return (seconds, bytes)."""
    from django.db import connection

    from arrears.usecases.cycle import snapshot

    started, size = time.perf_counter(), 0
    for number in range(partitions):
        params = snapshot._params(portfolio, day, number, partitions)
        for query in (
            snapshot._debts_sql,
            snapshot._ledger_sql,
            snapshot._instalments_sql,
            snapshot._contacts_sql,
        ):
            # The query builders take the partition count in the current code, nothing in older versions.
            builder: Any = query
            sql = builder(partitions) if inspect.signature(query).parameters else builder()
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
            ):
                for block in copy:
                    size += len(block)
    return time.perf_counter() - started, size


class Clock:
    """CPU seconds of this process (all threads) and of its PostgreSQL backend (``/proc``, same machine) per lap."""

    def __init__(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = cursor.fetchone()[0]
        self.last = self.read()

    def read(self) -> tuple[float, float]:
        times = os.times()
        try:
            fields = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
            server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            server = float("nan")
        return times.user + times.system, server

    def lap(self) -> dict[str, float]:
        """Return the client and server CPU seconds since the last lap."""
        now = self.read()
        client, server = (now[0] - self.last[0]), (now[1] - self.last[1])
        self.last = now
        return {"client": client, "server": server}


def child_measure(day: date, partitions: int) -> None:
    """Measure one run on a fresh copy: raw read, read_snapshot, evaluate_arms, run_cycle for D and D+1."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from zoneinfo import ZoneInfo

    import polars as pl

    from arrears.compliance.rules.rates import load_reference_rates
    from arrears.engine.evaluate import evaluate_arms
    from arrears.portfolio.models import Portfolio
    from arrears.strategy import versions
    from arrears.usecases.cycle import run
    from arrears.usecases.cycle.partition import CycleContext, engine_input
    from arrears.usecases.cycle.snapshot import read_snapshot

    profile = instrument()
    portfolio = Portfolio.objects.get(code=CODE)
    champion = versions.get_active_strategy(run.get_settings(portfolio).strategy)
    challengers = versions.get_challengers(champion)
    result: dict[str, Any] = {}
    previous = None
    for label, business_date in (("first_day", day), ("second_day", day + timedelta(days=1))):
        now = datetime.combine(business_date, datetime.min.time(), tzinfo=ZoneInfo(ZONE)) + timedelta(hours=6)
        clock = Clock()
        raw, size = raw_read(portfolio, business_date, partitions)
        raw_cpu = clock.lap()
        started = time.perf_counter()
        frames = [
            read_snapshot(portfolio=portfolio, as_of=business_date, partition=number, partitions=partitions)
            for number in range(partitions)
        ]
        snapshot_seconds = time.perf_counter() - started
        snapshot_cpu = clock.lap()
        snapshot = pl.concat(frames)
        context = CycleContext(
            run=None,  # type: ignore[arg-type]  # engine_input reads only the dates
            portfolio=portfolio, business_date=business_date, previous_date=previous, champion=champion,
            challengers=challengers, rates=load_reference_rates(), now=now,
        )  # fmt: skip
        engine = engine_input(snapshot, context)
        clock.lap()
        started = time.perf_counter()
        decisions = evaluate_arms(engine, champion, challengers, business_date)
        evaluate_seconds = time.perf_counter() - started
        evaluate_cpu = clock.lap()
        del frames, snapshot, engine, decisions
        profile.reset()
        started = time.perf_counter()
        report = run.run_cycle(
            portfolio=portfolio, business_date=business_date, now=now, partitions=partitions
        )
        end_to_end = time.perf_counter() - started
        cycle_cpu = clock.lap()
        result[label] = {
            "date": business_date.isoformat(), "raw_read": raw, "raw_bytes": size, "read_snapshot": snapshot_seconds,
            "evaluate": evaluate_seconds, "end_to_end": end_to_end, "ratio": end_to_end / raw,
            "cpu": {"raw_read": raw_cpu, "read_snapshot": snapshot_cpu, "evaluate": evaluate_cpu, "end_to_end": cycle_cpu},
            "profile": dict(profile.seconds), "calls": dict(profile.calls),
            "report": {key: report.get(key) for key in (
                "accounts_evaluated", "cases_opened", "stage_transitions", "penalties_posted", "messages_created",
                "work_items_created", "refusals", "skipped", "by_action")},
        }  # fmt: skip
        previous = business_date
    result["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result["source"] = str(Path(sys.modules["arrears"].__file__ or "?").parent)
    print(json.dumps(result))


# --- evaluate only: a synthetic snapshot, no database -------------------------------------------


def synthetic_snapshot(accounts: int) -> Any:
    """Return a snapshot frame of ``accounts`` rows matching ``SNAPSHOT_SCHEMA``, drawn like the demo's.

    Debtors hold 1–3 debts (10 in 13 rows start a debtor); days past due: 12 % not yet due, the rest
    spread over 1–720 days with most under 120; 15 % companies; a third of the rows have a stage
    (the one their days past due select), a score on 70 %, a last contact on 40 %.
    """
    import polars as pl

    from arrears.engine.fields import DELINQUENCY_REASONS, PRODUCTS, SNAPSHOT_SCHEMA
    from arrears.usecases.cycle.snapshot import _bucket

    def pick(values: tuple[str, ...] | list[str], salt: int) -> pl.Expr:
        return pl.lit(pl.Series(list(values))).gather(draw(salt, len(values)))

    def maybe(expression: pl.Expr, salt: int, percent: int) -> pl.Expr:
        return pl.when(draw(salt, 100) < percent).then(expression)

    ids = pl.DataFrame({"id": pl.int_range(1, accounts + 1, eager=True, dtype=pl.Int64)})
    not_due = draw(1, 100) < 12
    days = pl.when(draw(2, 100) < 70).then(draw(3, 120) + 1).otherwise(draw(4, 720) + 1)
    days_past_due = pl.when(not_due).then(0).otherwise(days).cast(pl.Int32)
    stage = (
        pl.when(pl.col("days_past_due") >= 121).then(pl.lit("legal"))
        .when(pl.col("days_past_due") >= 91).then(pl.lit("late"))
        .when(pl.col("days_past_due") >= 31).then(pl.lit("mid"))
        .when(pl.col("days_past_due") >= 1).then(pl.lit("early"))
    )  # fmt: skip
    cents = (
        pl.when(draw(5, 100) < 80).then(draw(6, 5_000_000) + 10_000).otherwise(draw(7, 100_000_000) + 100_000)
    )
    frame = ids.select(
        debt_id="id", debtor_id=pl.col("id") * 10 // 13 + 1, portfolio=pl.lit(CODE),
        balance=(cents.cast(pl.Decimal(38, 2)) / 100).cast(pl.Decimal(18, 2)), currency=pl.lit("CNY"),
        days_past_due=days_past_due,
        days_until_due=pl.when(not_due).then(draw(8, 40) + 1).when(draw(9, 100) < 30).then(draw(10, 30) + 1).cast(pl.Int32),
        product=pick(PRODUCTS[:6], 11), debtor_kind=pl.when(draw(12, 100) < 15).then(pl.lit("company")).otherwise(pl.lit("person")),
        is_key_customer=draw(13, 50) == 0, score=maybe(draw(14, 1001), 15, 70).cast(pl.Int32),
        delinquency_reason=pl.when(draw(16, 100) < 60).then(pl.lit("unknown")).otherwise(pick(DELINQUENCY_REASONS, 17)),
        broken_promises=pl.when(draw(18, 100) < 90).then(0).otherwise(draw(19, 4)).cast(pl.Int32),
        days_since_last_contact=maybe(draw(20, 90), 21, 40).cast(pl.Int32),
        is_verified=draw(22, 100) < 30, has_open_dispute=draw(23, 100) < 4, has_arrangement=draw(25, 100) < 2,
        _staged=draw(24, 3) == 0,
        _days_in_stage=draw(25, 60).cast(pl.Int32),
    )  # fmt: skip
    frame = frame.with_columns(
        bucket=_bucket(pl.col("days_past_due")),
        stage=pl.when("_staged").then(stage),
    ).with_columns(days_in_stage=pl.when(pl.col("stage").is_not_null()).then(pl.col("_days_in_stage")))
    return frame.select(pl.col(name).cast(dtype) for name, dtype in SNAPSHOT_SCHEMA.items()).with_columns(
        days_missed=pl.lit(0, pl.Int32)
    )


def child_evaluate(accounts: int, runs: int, day: date) -> None:
    """Time ``evaluate_arms`` on a synthetic snapshot; print seconds and peak memory as JSON."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    import polars as pl

    from arrears.engine.evaluate import evaluate_arms
    from arrears.engine.strategy import default_strategy

    def rss() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    started = time.perf_counter()
    frame = synthetic_snapshot(accounts)
    generate = time.perf_counter() - started
    after_generation = rss()
    strategy = default_strategy()
    seconds: list[float] = []
    cpu: list[float] = []
    rows = 0
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), os.times()
        decisions = evaluate_arms(frame, strategy, {}, day)
        seconds.append(time.perf_counter() - started)
        cpu_ended = os.times()
        cpu.append(cpu_ended.user + cpu_ended.system - cpu_started.user - cpu_started.system)
        rows = decisions.height
        actions = int(decisions.get_column("actions").list.len().sum())
        del decisions
    print(json.dumps({
        "accounts": accounts, "generate": generate, "seconds": seconds, "cpu_seconds": cpu, "median": statistics.median(seconds),
        "rss_after_generation": after_generation, "max_rss": rss(), "rows": rows, "actions": actions,
        "polars_threads": pl.thread_pool_size(), "frame_bytes": frame.estimated_size(),
    }))  # fmt: skip


# --- reporting ----------------------------------------------------------------------------------


def machine() -> str:
    import polars as pl
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres") as connection:
        version = connection.execute("SHOW server_version").fetchone()
        buffers = connection.execute("SHOW shared_buffers").fetchone()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.node()}: nproc {os.cpu_count()}, {memory:.0f} GB RAM, Python {platform.python_version()}, "
        f"Polars {pl.__version__}, PostgreSQL {version[0] if version else '?'} (shared_buffers "
        f"{buffers[0] if buffers else '?'}), load average {load}"
    )


def print_profile(label: str, profiles: list[dict[str, float]], total: float) -> None:
    paths = sorted({path for profile in profiles for path in profile})
    print(f"\n{label}: median seconds over {len(profiles)} run(s) of each wrapped step (inclusive)")
    for path in paths:
        values = [profile.get(path, 0.0) for profile in profiles]
        median = statistics.median(values)
        depth = path.count(" > ")
        name = path.rsplit(" > ", 1)[-1]
        print(f"  {'  ' * depth}{name:<{60 - 2 * depth}} {median:8.2f} s {100 * median / total:5.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--date", type=date.fromisoformat, default=date(2026, 3, 31), help="business date D")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--reuse-base", action="store_true", help="use the existing base database (from --keep)"
    )
    parser.add_argument(
        "--evaluate-only", type=int, metavar="N", help="time evaluate_arms on N synthetic accounts"
    )
    parser.add_argument("--child", choices=["build", "measure", "evaluate"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "build":
        child_build(args.accounts, args.seed, args.date)
        return
    if args.child == "measure":
        child_measure(args.date, args.partitions)
        return
    if args.child == "evaluate":
        child_evaluate(args.accounts, args.runs, args.date)
        return
    print(machine())
    if args.evaluate_only:
        figures = run_child("postgres", "--child", "evaluate", "--accounts", str(args.evaluate_only),
                            "--runs", str(args.runs), "--date", args.date.isoformat())  # fmt: skip
        gib = 2**30
        print(f"evaluate_arms, {args.evaluate_only:,} synthetic accounts ({figures['actions']:,} actions due): "
              f"runs {', '.join(f'{value:.2f}' for value in figures['seconds'])} s, median {figures['median']:.2f} s "
              f"(CPU, both threads: {', '.join(f'{value:.1f}' for value in figures['cpu_seconds'])} s); "
              f"peak RSS {figures['max_rss'] / gib:.2f} GB (after building the frame: "
              f"{figures['rss_after_generation'] / gib:.2f} GB; frame {figures['frame_bytes'] / gib:.2f} GB); "
              f"frame built in {figures['generate']:.1f} s")  # fmt: skip
        print(json.dumps({"bench": "cycle-evaluate-only", **figures}))
        return
    build: dict[str, Any] = {}
    if not args.reuse_base:
        build = build_base(args.accounts, args.seed, args.date)
        print(f"build: {json.dumps(build)}")
    else:
        import psycopg

        with psycopg.connect(f"{POSTGRES}/{BASE_DB}") as connection:
            found = connection.execute("SELECT COUNT(*) FROM portfolio_debt").fetchone()
        args.accounts = found[0] if found else 0
        print(f"reusing {BASE_DB}: {args.accounts:,} debts")
    runs = []
    try:
        for number in range(1, args.runs + 1):
            copy_seconds = fresh_copy()
            load_before = os.getloadavg()[0]
            figures = run_child(RUN_DB, "--child", "measure", "--date", args.date.isoformat(),
                                "--partitions", str(args.partitions))  # fmt: skip
            figures["copy_seconds"] = copy_seconds
            figures["load_average"] = [load_before, os.getloadavg()[0]]
            runs.append(figures)
            for day in ("first_day", "second_day"):
                item = figures[day]
                print(f"run {number} {day} {item['date']}: raw read {item['raw_read']:.2f} s "
                      f"({item['raw_bytes'] / 2**20:.0f} MB), read_snapshot {item['read_snapshot']:.2f} s, "
                      f"evaluate {item['evaluate']:.2f} s, end to end {item['end_to_end']:.2f} s, "
                      f"ratio {item['ratio']:.1f}; {json.dumps(item['report'])}")  # fmt: skip
                cpu = item["cpu"]
                print("    CPU s (this process + its PostgreSQL backend): " + ", ".join(
                    f"{key} {value['client']:.2f} + {value['server']:.2f}" for key, value in cpu.items()))  # fmt: skip
            load = figures["load_average"]
            print(f"run {number}: code from {figures['source']}, copy of the base {copy_seconds:.1f} s, load average {load[0]:.1f} → {load[1]:.1f}, "
                  f"peak RSS {figures['max_rss_bytes'] / 2**30:.2f} GB")  # fmt: skip
    finally:
        if not args.keep:
            admin(
                f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)",
                f"DROP DATABASE IF EXISTS {BASE_DB} WITH (FORCE)",
            )
    summary: dict[str, Any] = {"bench": "cycle", "accounts": args.accounts, "runs": len(runs),
                               "partitions": args.partitions, "build": build}  # fmt: skip
    print(f"\n{args.accounts:,} accounts, {args.partitions} partition(s), medians of {len(runs)} run(s):")
    print("| day | raw read | read_snapshot | evaluate | end to end | ratio end to end ÷ raw read |")
    print("|---|---:|---:|---:|---:|---:|")
    for day in ("first_day", "second_day"):
        medians = {key: statistics.median(run[day][key] for run in runs)
                   for key in ("raw_read", "read_snapshot", "evaluate", "end_to_end", "ratio")}  # fmt: skip
        for key in ("raw_read", "read_snapshot", "evaluate", "end_to_end"):
            for side in ("client", "server"):
                medians[f"{key}_cpu_{side}"] = statistics.median(run[day]["cpu"][key][side] for run in runs)
        summary[day] = medians
        print(f"| {day} | {medians['raw_read']:.2f} s | {medians['read_snapshot']:.2f} s | {medians['evaluate']:.2f} s "
              f"| {medians['end_to_end']:.2f} s | {medians['ratio']:.1f} |")  # fmt: skip
    summary["max_rss_bytes"] = max(run["max_rss_bytes"] for run in runs)
    for day in ("first_day", "second_day"):
        print_profile(day, [run[day]["profile"] for run in runs], summary[day]["end_to_end"])
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
