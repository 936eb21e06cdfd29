"""Benchmark the contact decision: one scalar decision, and the vectorized daily cycle.

    .venv/bin/python bench/compliance_bench.py [--decisions 500] [--actions 1000000]
        [--events 10000000] [--runs 3] [--packs us-regf] [--parts scalar,vectorized]

(a) scalar: `decide` for one call against a case with 500 events spread over a year (two zones,
three debts, calls with every outcome, SMS, letters, an inbound call); prints the median and the
90th percentile of `--decisions` decisions. Goal: median under 2 ms.

(b) vectorized: `decide_many` for `--actions` planned actions (tomorrow, over the whole day)
against `--events` history events over the year before, on `--actions / 2` cases; the frames are
generated with Polars from a fixed seed (timed separately) and only the `decide_many` call is
timed, `--runs` times. Goal: under 10 s for 1,000,000 actions against 10,000,000 events.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from arrears.compliance.rules.decide import decide  # noqa: E402
from arrears.compliance.rules.facts import CaseFacts, Debt, Event, Person, Proposal  # noqa: E402
from arrears.compliance.rules.packs import Policy, build_policy  # noqa: E402
from arrears.compliance.rules.vectorized import CaseFrames, decide_many  # noqa: E402
from arrears.compliance.rules.vectorized import frames as schemas  # noqa: E402
from arrears.compliance.rules.vocabulary import Action, EventType, Outcome, Relation  # noqa: E402

# The day the planned actions are for, and the year of history before it.
CYCLE_DAY = datetime(2026, 11, 30, tzinfo=UTC)
YEAR = timedelta(days=365)
ZONE_LISTS = [
    ["America/New_York"], ["America/Chicago"], ["America/Denver", "America/Phoenix"],
    ["America/Los_Angeles"], ["America/New_York", "America/Los_Angeles"], ["Asia/Shanghai"],
]  # fmt: skip
NUMBERS = ["+1-404-555-0101", "+1-303-555-0148", "+1-212-555-0199"]
EVENT_TYPES = ["call_outbound"] * 14 + ["sms"] * 3 + ["email", "letter", "call_inbound"]
OUTCOMES = [outcome.value for outcome in Outcome] + ["no_answer"] * 4 + ["voicemail_lcm"] * 2
HOLD_TYPES = ["dispute", "written_cease", "opt_out_call", "attorney", "hardship_review"]
ACTIONS = ["call"] * 16 + ["sms"] * 3 + ["email"]


# --- (a) one decision against a year of history ---------------------------------------------


def scalar_case(events: int, *, conversations: bool = True) -> tuple[CaseFacts, Proposal]:
    """Return a case with `events` events spread over a year, and a call proposed after them.

    Without conversations (answered calls become voicemails, inbound calls SMS) the call is allowed.
    """
    import random

    rng = random.Random(42)
    debts = {"D1": Debt("D1"), "D2": Debt("D2", group="G"), "D3": Debt("D3", group="G")}
    consumer = Person("C1", Relation.CONSUMER, ("America/New_York", "America/Denver"))
    history = []
    for index in range(events):
        at = CYCLE_DAY - YEAR + timedelta(seconds=rng.randrange(int(YEAR.total_seconds())))
        event_type = EventType(rng.choice(EVENT_TYPES))
        outcome = Outcome(rng.choice(OUTCOMES)) if event_type is EventType.CALL_OUTBOUND else None
        if not conversations:
            event_type = EventType.SMS if event_type is EventType.CALL_INBOUND else event_type
            outcome = Outcome.VOICEMAIL_LCM if outcome is Outcome.CONVERSATION else outcome
        debt_ids = frozenset(rng.sample(sorted(debts), rng.randint(1, 2)))
        history.append(Event(at, event_type, "C1", debt_ids, "AGY", outcome, contact=NUMBERS[index % 2]))
    case = CaseFacts("AGY", consumer, debts, events=tuple(sorted(history, key=lambda event: event.at)))
    proposal = Proposal(
        CYCLE_DAY + timedelta(hours=16), Action.CALL, "C1", frozenset({"D1"}), "AGY", NUMBERS[0]
    )
    return case, proposal


def bench_scalar(policy: Policy, decisions: int) -> None:
    for label, conversations in (("refused call", True), ("allowed call", False)):
        case, proposal = scalar_case(500, conversations=conversations)
        for _ in range(20):
            decide(case, proposal, policy)
        timings = []
        for _ in range(decisions):
            started = time.perf_counter()
            verdict = decide(case, proposal, policy)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(
            f"scalar, {label}: {decisions} decisions against 500 events "
            f"({verdict.decision.value} {list(verdict.reasons)}, next allowed {verdict.next_allowed_at}): "
            f"median {statistics.median(timings):.3f} ms, p90 {timings[int(len(timings) * 0.9)]:.3f} ms, "
            f"min {timings[0]:.3f} ms"
        )


# --- (b) the daily cycle -------------------------------------------------------------------------


def draw(salt: int, modulo: int, column: str = "i") -> pl.Expr:
    """Return a deterministic pseudo-random integer in [0, modulo) per row (a multiplicative hash)."""
    return ((pl.col(column) + salt * 7919) * 2654435761 % 4294967296) % modulo


def pick(values: list[str], salt: int, column: str = "i") -> pl.Expr:
    return pl.lit(pl.Series(values)).gather(draw(salt, len(values), column))


def generate(actions: int, events: int) -> tuple[CaseFrames, pl.DataFrame]:
    """Generate `actions // 2` cases with their facts, `events` events and `actions` planned actions."""
    cases = max(actions // 2, 1)
    ids = pl.DataFrame({"i": pl.int_range(0, cases, eager=True, dtype=pl.Int64)})
    has_third_party = draw(5, 20) == 0
    case_frame = ids.select(
        case_id="i", collector=pl.lit("AGY"), consumer=pl.lit("C1"),
        employer_prohibits=draw(6, 50) == 0, workplace_contacts=pl.lit([NUMBERS[2]], dtype=schemas.IDS),
    )  # fmt: skip
    zone_lists = pl.lit(pl.Series(ZONE_LISTS, dtype=schemas.IDS)).gather(draw(1, len(ZONE_LISTS)))
    consumers = ids.select(case_id="i", person=pl.lit("C1"), relation=pl.lit("consumer"), zones=zone_lists)
    parties = ids.filter(has_third_party).select(
        case_id="i", person=pl.lit("T1"), relation=pick(["family", "friend", "colleague"], 7),
        zones=pl.lit([], dtype=schemas.IDS),
    )  # fmt: skip
    persons = pl.concat([consumers, parties]).with_columns(pl.col("relation").cast(schemas.RELATION))
    debts = pl.concat(
        [
            ids.select(
                case_id="i", debt=pl.lit("D1"), particular=pl.lit("D1"), time_barred=draw(8, 100) == 0
            ),
            ids.filter(draw(9, 4) == 0).select(
                case_id="i", debt=pl.lit("D2"), particular=pl.lit("D2"), time_barred=pl.lit(False)
            ),
        ]
    )
    holders = ids.filter(draw(10, 50) == 0)
    holds = holders.select(
        case_id="i", seq=pl.lit(0, pl.Int64), type=pick(HOLD_TYPES, 11).cast(schemas.HOLD_TYPE),
        start_at=pl.lit(CYCLE_DAY - timedelta(days=30)), end_at=pl.lit(None, schemas.MOMENT),
        person=pl.lit(None, pl.String), debts=pl.lit([], dtype=schemas.IDS), contact=pl.lit(None, pl.String),
    )  # fmt: skip
    consents = ids.filter(draw(12, 100) == 0).select(
        case_id="i", person=pl.lit("C1"), given_directly=pl.lit(True),
        received_at=pl.lit(CYCLE_DAY - timedelta(days=2)), expires_at=pl.lit(None, schemas.MOMENT),
        scope_frequency=pl.lit(True), scope_time=pl.lit(False), scope_caps=pl.lit(False),
    )  # fmt: skip
    preferences = ids.filter(draw(13, 100) == 0).select(
        case_id="i", person=pl.lit("C1"), not_before=pl.time(9), not_after=pl.time(18)
    )
    frames = CaseFrames(
        cases=case_frame, persons=persons, debts=debts, events=_events(events, cases), holds=holds,
        consents=consents, preferences=preferences,
    )  # fmt: skip
    return frames, _planned(actions, cases)


def _events(events: int, cases: int) -> pl.DataFrame:
    """Return `events` events over the year before the cycle day, denser near its end."""
    rows = pl.DataFrame({"i": pl.int_range(0, events, eager=True, dtype=pl.Int64)})
    # (u²): a fifth of the year's contacts fall in its last two weeks, as in a live collection.
    fraction = (draw(20, 1_000_000).cast(pl.Float64) / 1_000_000) ** 2
    seconds = (fraction * YEAR.total_seconds()).cast(pl.Int64)
    event_type = pick(EVENT_TYPES, 21)
    frame = rows.with_columns(case_id=draw(22, cases)).select(
        "case_id",
        at=pl.lit(CYCLE_DAY) - pl.duration(seconds=seconds) - pl.duration(seconds=1),
        type=event_type.cast(schemas.EVENT_TYPE),
        # Third parties only on the cases that have one (see `generate`).
        person=pl.when((draw(5, 20, "case_id") == 0) & (draw(23, 10) == 0)).then(pl.lit("T1")).otherwise(pl.lit("C1")),
        debts=pl.when(draw(24, 5) == 0).then(pl.lit([], dtype=schemas.IDS)).otherwise(pl.lit(["D1"], dtype=schemas.IDS)),
        by=pl.lit("AGY"),
        outcome=pl.when(event_type == "call_outbound").then(pick(OUTCOMES, 25)).cast(schemas.OUTCOME),
        consent=pl.lit(False),
        contact=pick(NUMBERS[:2], 26),
    )  # fmt: skip
    return (
        frame.sort("case_id", "at")
        .with_row_index("seq")
        .select(
            "case_id",
            pl.col("seq").cast(pl.Int64),
            "at",
            "type",
            "person",
            "debts",
            "by",
            "outcome",
            "consent",
            "contact",
        )
    )


def _planned(actions: int, cases: int) -> pl.DataFrame:
    """Return `actions` planned actions over the cycle day (two a case), mostly calls to the debtor."""
    rows = pl.DataFrame({"i": pl.int_range(0, actions, eager=True, dtype=pl.Int64)})
    third_party = (draw(5, 20, "case_id") == 0) & (draw(32, 4) == 0)
    return rows.with_columns(case_id=pl.col("i") % cases).select(
        "case_id",
        at=pl.lit(CYCLE_DAY) + pl.duration(seconds=draw(30, 86_400)),
        action=pick(ACTIONS, 31).cast(schemas.ACTION),
        person=pl.when(third_party).then(pl.lit("T1")).otherwise(pl.lit("C1")),
        debts=pl.lit(["D1"], dtype=schemas.IDS),
        by=pl.lit("AGY"),
        contact=pick(NUMBERS[:2], 33),
        purpose=pl.lit(None, schemas.PURPOSE),
    )


def bench_vectorized(policy: Policy, actions: int, events: int, runs: int) -> None:
    started = time.perf_counter()
    frames, planned = generate(actions, events)
    print(
        f"vectorized: generated {planned.height:,} planned actions, {frames.events.height:,} events, "
        f"{frames.cases.height:,} cases in {time.perf_counter() - started:.1f} s"
    )
    timings = []
    for run in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        decided = decide_many(frames, planned, policy)
        timings.append(time.perf_counter() - started)
        cpu = time.process_time() - cpu_started
        counts = dict(decided.group_by("decision").len().sort("decision").iter_rows())
        print(f"  run {run + 1}: {timings[-1]:.2f} s wall, {cpu:.2f} s CPU (all threads)  {counts}")
    print(
        f"vectorized: {actions:,} actions x {events:,} events: median {statistics.median(timings):.2f} s "
        f"over {runs} runs ({', '.join(f'{value:.2f}' for value in timings)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=500)
    parser.add_argument("--actions", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--packs", default="us-regf")
    parser.add_argument("--parts", default="scalar,vectorized")
    args = parser.parse_args()
    policy = build_policy(args.packs.split(","))
    parts = args.parts.split(",")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(
        f"policy {policy.label}, polars {pl.__version__}, {pl.thread_pool_size()} threads, load average {load}"
    )
    if "scalar" in parts:
        bench_scalar(policy, args.decisions)
    if "vectorized" in parts:
        bench_vectorized(policy, args.actions, args.events, args.runs)


if __name__ == "__main__":
    main()
