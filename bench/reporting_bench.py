"""Benchmark the reporting dashboards on PostgreSQL: 1M debts, 20M history events, each page under 2 s?

    .venv/bin/python bench/reporting_bench.py [--debts 1000000] [--events 20000000] [--runs 5] [--keep]
    .venv/bin/python bench/reporting_bench.py --reuse [--runs 5]      # the kept database, measure only

Build (timed, not part of the figures), in the database ``arrears_reporting_bench`` on
``BENCH_POSTGRES`` (default postgres://postgres@127.0.0.1:5432): migrate, then generate every row
inside PostgreSQL with ``INSERT … SELECT … generate_series`` (no row passes through Python): one
portfolio, 10 teams of 20 collectors, ``--debts`` debtors with one debt and one case each (placed over
two years, three products, arms ``default`` 80 % / ``gentle`` 20 %, half assigned to a collector),
and ``--events`` history events in the proportions payments 20 %, calls 35 %, messages 25 %,
promises 5 %, stage events 10 %, compliance refusals 5 %, over the last year; then positions of the
open debts on the last seven month ends and today. Then the reporting facts are built as in
production: ``facts.refresh_facts`` over the whole history and ``positions.record_position_facts``
for each snapshot date (timed: the cost of a first full refresh).

Measured (``--runs`` times each, median reported): each dashboard page (``/reports/<name>/`` for the
last 30 days, all filters off, then with portfolio + product + team) through Django's test client
as a supervisor — the KPI queries, the charts' JSON and the template render, i.e. the server's whole
answer — and the drill-down page behind the 30 days' collected amount (its first page and total).
Also ``refresh_facts`` of one day (the worker's daily increment is seven of these).

Prints a table and one JSON line. The database is dropped at the end unless ``--keep``.
"""

# ruff: noqa: S608 — the generated SQL is built from integers, dates and this script's constants only
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = "arrears_reporting_bench"
TODAY = date(2026, 11, 27)
DASHBOARDS = ("portfolio", "collections", "contacts", "collectors", "arms")
SHARES = {"payments": 0.20, "activities": 0.35, "messages": 0.25, "promises": 0.05, "stage_events": 0.10,
          "decisions": 0.05}  # fmt: skip
GOAL_SECONDS = 2.0


def setup_django() -> None:
    os.environ.update({"ARREARS_DEV": "1", "DJANGO_SETTINGS_MODULE": "config.settings",
                       "DATABASE_URL": f"{POSTGRES}/{DATABASE}", "ALLOWED_HOSTS": "testserver"})  # fmt: skip
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


# --- the build: every row generated inside PostgreSQL --------------------------------------------


def statements(debts: int, events: int) -> list[tuple[str, str]]:
    """Return (label, SQL) of each build step; ids are contiguous in a fresh database."""
    counts = {name: int(events * share) for name, share in SHARES.items()}
    day = f"DATE '{TODAY.isoformat()}'"
    debt = f"(SELECT min(id) FROM portfolio_debt) + floor(random() * {debts})::bigint"
    case = f"(SELECT min(id) FROM casework_case) + floor(random() * {debts})::bigint"
    collector = "(SELECT min(id) FROM people_user WHERE role = 'collector') + floor(random() * 200)::bigint"
    at = f"({day} - floor(random() * 365)::int + time '09:00' + random() * interval '10 hours') AT TIME ZONE 'UTC'"
    return [
        ("seed", "SELECT setseed(0.42)"),
        (
            "portfolio",
            """INSERT INTO portfolio_portfolio (code, name, creditor_name, country, default_currency, time_zone,
            allocation_order, created_at) VALUES ('repbench', 'Reporting bench', '示例银行', 'CN', 'CNY', 'Asia/Shanghai',
            '[]', now())""",
        ),
        ("teams", "INSERT INTO people_team (name) SELECT 'Team ' || g FROM generate_series(1, 10) g"),
        (
            "collectors",
            """INSERT INTO people_user (password, is_superuser, username, first_name, last_name, email,
            is_staff, is_active, date_joined, role, skills, max_waiver_amount, max_plan_months, team_id)
            SELECT '!', false, 'rb-' || g, 'Collector', g::text, '', false, true, now(), 'collector', '[]', 0, 0,
                   (SELECT min(id) FROM people_team) + (g % 10) FROM generate_series(0, 199) g""",
        ),
        (
            "debtors",
            f"""INSERT INTO portfolio_debtor (portfolio_id, external_ref, kind, name, national_id, language,
            region, business_condition, family_situation, financial_situation, created_at, updated_at)
            SELECT (SELECT id FROM portfolio_portfolio), 'D' || g, 'person', '', '', 'zh-hans', 'CN-31', '', '', '',
                   now(), now() FROM generate_series(1, {debts}) g""",
        ),
        (
            "debts",
            f"""INSERT INTO portfolio_debt (portfolio_id, debtor_id, external_ref, product, currency, principal,
            contract_date, due_date, interest_rate, penalty_rate, status, import_fingerprint, created_at, updated_at,
            instalment_count)
            SELECT portfolio_id, id, 'L' || id, (ARRAY['credit_card', 'consumer_loan', 'auto_loan'])[1 + id % 3], 'CNY',
                   round((500 + random() * 50000)::numeric, 2), {day} - 760, {day} - 760 + (id % 700)::int, 0, 0,
                   'open', '', ({day} - 730 + (id % 730)::int)::timestamp AT TIME ZONE 'UTC', now(), 1
            FROM portfolio_debtor""",
        ),
        (
            "cases",
            f"""INSERT INTO casework_case (debt_id, debtor_id, portfolio_id, delinquency_reason,
            is_key_customer, strategy, arm, segment, stage, stage_rule, stage_condition, goal, created_at, updated_at,
            revision, assigned_to_id)
            SELECT id, debtor_id, portfolio_id, 'unknown', false, 'default',
                   CASE WHEN random() < 0.8 THEN 'default' ELSE 'gentle' END, 'standard',
                   (ARRAY['early', 'mid', 'late', 'legal'])[1 + floor(random() * 4)::int], '', '', '', now(), now(), 0,
                   CASE WHEN random() < 0.5 THEN {collector} END
            FROM portfolio_debt""",
        ),
        (
            "payments",
            f"""INSERT INTO portfolio_payment (portfolio_id, debt_id, external_ref, amount, currency,
            received_date, channel, source, posted_at)
            SELECT (SELECT id FROM portfolio_portfolio), {debt}, 'P' || g, round((10 + random() * 2000)::numeric, 2),
                   'CNY', {day} - floor(random() * 365)::int, 'bank_transfer', 'import', now()
            FROM generate_series(1, {counts["payments"]}) g""",
        ),
        (
            "activities",
            f"""INSERT INTO casework_activity (case_id, result, note, created_at, created_by_id)
            SELECT c.id, (ARRAY['no_answer', 'no_answer', 'no_answer', 'right_party', 'right_party', 'promise', 'busy',
                   'voicemail', 'third_party', 'wrong_number', 'callback', 'refused'])[1 + floor(random() * 12)::int],
                   '', {at}, COALESCE(c.assigned_to_id, {collector})
            FROM (SELECT {case} AS case_id FROM generate_series(1, {counts["activities"]}) g) picked
            JOIN casework_case c ON c.id = picked.case_id""",
        ),
        (
            "messages",
            f"""INSERT INTO comms_message (debtor_id, debt_id, channel, purpose, language, subject, body, html,
            status, not_before, attempts, last_error, idempotency_key, provider_message_id, pdf_sha256,
            tracking_number, source, created_at, sent_at)
            SELECT d.debtor_id, d.id, (ARRAY['sms', 'sms', 'email', 'app', 'letter'])[1 + floor(random() * 5)::int],
                   'reminder', 'zh-hans', '', '', '', 'sent', picked.at, 1, '', 'rb-' || picked.g, '', '', '',
                   'cycle', picked.at, picked.at
            FROM (SELECT g, {debt} AS debt_id, {at} AS at FROM generate_series(1, {counts["messages"]}) g) picked
            JOIN portfolio_debt d ON d.id = picked.debt_id""",
        ),
        (
            "promises",
            f"""INSERT INTO casework_promise (case_id, amount, currency, made_on, due_date, grace_days,
            tolerance, status, resolved_on, source, created_at, made_by_id)
            SELECT c.id, round((100 + random() * 3000)::numeric, 2), 'CNY', picked.made_on, picked.made_on + 7, 0, 0,
                   picked.status, CASE WHEN picked.status <> 'open' THEN picked.made_on + 7 END, 'desk', now(),
                   COALESCE(c.assigned_to_id, {collector})
            FROM (SELECT {case} AS case_id, {day} - floor(random() * 365)::int AS made_on,
                         (ARRAY['kept', 'kept', 'broken', 'open'])[1 + floor(random() * 4)::int] AS status
                  FROM generate_series(1, {counts["promises"]}) g) picked
            JOIN casework_case c ON c.id = picked.case_id""",
        ),
        (
            "stage_events",
            f"""INSERT INTO casework_stageevent (case_id, business_date, stage_from, stage_to, segment, rule,
            condition, strategy, created_at)
            SELECT (SELECT min(id) FROM casework_case) + (g % {debts}), {day} - (g / {debts})::int * 30
                   - floor(random() * 29)::int, 'early', (ARRAY['early', 'mid', 'late', 'legal'])[1 + g % 4],
                   'standard', 'bench', '', 'default', now()
            FROM generate_series(0, {counts["stage_events"]} - 1) g""",
        ),
        (
            "decisions",
            f"""INSERT INTO compliance_contactdecision (debtor_id, action, debt_ids, proposed_at, decision,
            reasons, policy, source, created_at)
            SELECT (SELECT min(id) FROM portfolio_debtor) + floor(random() * {debts})::bigint, 'call', '[]', picked.at,
                   'deny', (ARRAY['["CN.TIME.NIGHT"]', '["CN.FREQ.DAILY"]', '["HOLD.DISPUTE", "CN.FREQ.DAILY"]',
                   '["HOLD.HARDSHIP_REVIEW"]'])[1 + floor(random() * 4)::int]::jsonb, 'cn', 'cycle', picked.at
            FROM (SELECT {at} AS at FROM generate_series(1, {counts["decisions"]}) g) picked""",
        ),
    ]


def month_ends() -> list[date]:
    ends, day = [], TODAY.replace(day=1) - timedelta(days=1)
    for _month in range(7):
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return sorted(ends)


def position_sql(as_of: date, debts: int) -> str:
    """Positions of the open debts on ``as_of``: ~15 % of debts paid off, buckets drifting month by month."""
    offset = (TODAY - as_of).days
    return f"""INSERT INTO reporting_position (as_of, debt_id, case_id, portfolio_id, product, team_id, arm, stage,
        days_past_due, bucket, balance)
        SELECT DATE '{as_of.isoformat()}', d.id, c.id, d.portfolio_id, d.product, COALESCE(u.team_id, 0), c.arm, c.stage,
               dpd, CASE WHEN dpd = 0 THEN 'current' WHEN dpd <= 30 THEN '1-30' WHEN dpd <= 60 THEN '31-60'
                         WHEN dpd <= 90 THEN '61-90' WHEN dpd <= 120 THEN '91-120' WHEN dpd <= 180 THEN '121-180'
                         WHEN dpd <= 360 THEN '181-360' ELSE '361+' END, d.principal
        FROM (SELECT id, portfolio_id, product, principal,
                     greatest(0, (id * 7919 + {offset // 30} * 104729) % 400 - 30) AS dpd FROM portfolio_debt
              WHERE (id * 31 + {offset // 30}) % 100 >= 15 AND created_at::date <= DATE '{as_of.isoformat()}') d
        JOIN casework_case c ON c.debt_id = d.id LEFT JOIN people_user u ON u.id = c.assigned_to_id"""


def build(debts: int, events: int) -> dict[str, float]:
    admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", f"CREATE DATABASE {DATABASE}")
    figures: dict[str, float] = {}
    started = time.perf_counter()
    env = {**os.environ, "ARREARS_DEV": "1", "DATABASE_URL": f"{POSTGRES}/{DATABASE}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    figures["migrate"] = time.perf_counter() - started
    import psycopg

    with psycopg.connect(f"{POSTGRES}/{DATABASE}", autocommit=True) as connection:
        # The generated rows are consistent by construction: skip the per-row foreign-key triggers.
        connection.execute("SET session_replication_role = replica")
        for label, sql in statements(debts, events):
            started = time.perf_counter()
            connection.execute(sql)
            figures[label] = time.perf_counter() - started
            print(f"  built {label:<14} {figures[label]:8.1f} s", flush=True)
        started = time.perf_counter()
        for as_of in [*month_ends(), TODAY]:
            connection.execute(position_sql(as_of, debts))
        figures["positions"] = time.perf_counter() - started
        connection.execute("SET session_replication_role = DEFAULT")
        started = time.perf_counter()
        connection.execute("VACUUM ANALYZE")
        figures["vacuum_analyze"] = time.perf_counter() - started
    return figures


def build_facts() -> dict[str, float]:
    from django.db import connection

    from arrears.portfolio.models import Portfolio
    from arrears.reporting import facts, positions

    figures = {}
    started = time.perf_counter()
    written = facts.refresh_facts(since=TODAY - timedelta(days=800), until=TODAY)
    figures["refresh_all_facts"] = time.perf_counter() - started
    figures["fact_rows"] = float(written)
    started = time.perf_counter()
    ids = list(Portfolio.objects.values_list("pk", flat=True))
    for as_of in [*month_ends(), TODAY]:
        positions.record_position_facts(as_of=as_of, portfolio_ids=ids)
    figures["position_facts"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reporting_fact")
    print(f"  facts: {written:,} rows in {figures['refresh_all_facts']:.1f} s; "
          f"position facts {figures['position_facts']:.1f} s", flush=True)  # fmt: skip
    return figures


# --- the measurements --------------------------------------------------------------------------


def supervisor() -> Any:
    from arrears.people.models import User
    from arrears.portfolio.models import Portfolio

    user, _created = User.objects.get_or_create(
        username="rb-supervisor", defaults={"role": "supervisor", "email": "boss@example.com"}
    )
    user.portfolios.add(*Portfolio.objects.all())
    return user


def timed_get(client: Any, url: str, runs: int) -> tuple[float, int]:
    seconds = []
    size = 0
    for _run in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
    return statistics.median(seconds), size


def measure(runs: int) -> dict[str, Any]:
    from django.test import Client

    from arrears.people.models import Team
    from arrears.portfolio.models import Portfolio

    client = Client()
    client.force_login(supervisor())
    period = f"since={TODAY - timedelta(days=29)}&until={TODAY}"
    team = Team.objects.order_by("pk").values_list("pk", flat=True)[0]
    filtered = f"{period}&portfolio={Portfolio.objects.get().pk}&product=credit_card&team={team}"
    client.get(f"/reports/portfolio/?{period}")  # warm the connection and the template cache
    results: dict[str, Any] = {}
    for name in DASHBOARDS:
        for label, query in (("all", period), ("filtered", filtered)):
            median, size = timed_get(client, f"/reports/{name}/?{query}", runs)
            results[f"{name} ({label})"] = {"median_s": round(median, 3), "bytes": size}
            print(f"  {name:<12} {label:<9} {median:7.3f} s  {size:>9,} bytes", flush=True)
    drill = f"/reports/drill/?{period}&metric=collected&key=&from={TODAY - timedelta(days=29)}&to={TODAY}"
    median, size = timed_get(client, drill, runs)
    results["drill-down (collected, 30 days)"] = {"median_s": round(median, 3), "bytes": size}
    print(f"  drill-down collected 30 days {median:7.3f} s", flush=True)
    from arrears.reporting import facts

    seconds = []
    for _run in range(runs):
        started = time.perf_counter()
        facts.refresh_facts(since=TODAY, until=TODAY)
        seconds.append(time.perf_counter() - started)
    results["refresh one day"] = {"median_s": round(statistics.median(seconds), 3)}
    print(f"  refresh_facts of one day {statistics.median(seconds):7.3f} s", flush=True)
    return results


def counts() -> dict[str, int]:
    from django.db import connection

    tables = ("portfolio_debt", "portfolio_payment", "casework_activity", "comms_message", "casework_promise",
              "casework_stageevent", "compliance_contactdecision", "reporting_position", "reporting_fact")  # fmt: skip
    found = {}
    with connection.cursor() as cursor:
        for name in tables:
            cursor.execute(f"SELECT count(*) FROM {name}")
            found[name] = cursor.fetchone()[0]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--debts", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Keep the database (for --reuse).")
    parser.add_argument("--reuse", action="store_true", help="Measure the kept database without building.")
    options = parser.parse_args()
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    }
    if not options.reuse:
        print(f"building {options.debts:,} debts and {options.events:,} events in {DATABASE}", flush=True)
        figures["build_s"] = {
            key: round(value, 1) for key, value in build(options.debts, options.events).items()
        }
    setup_django()
    if not options.reuse:
        figures["facts_s"] = {key: round(value, 1) for key, value in build_facts().items()}
    figures["rows"] = counts()
    print(f"rows: {figures['rows']}", flush=True)
    figures["pages"] = measure(options.runs)
    slowest = max(
        item["median_s"] for name, item in figures["pages"].items() if "(" in name and "drill" not in name
    )
    figures["goal"] = {"seconds": GOAL_SECONDS, "slowest_dashboard_s": slowest, "met": slowest < GOAL_SECONDS}
    if not options.keep and not options.reuse:
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
